import { BroadcasterError } from '../errors.js';

/** A Handlebars template that cannot be compiled or loaded; `line`/`column` (1-based) point into the template. */
export class TemplateError extends BroadcasterError {
  /** The problem alone, without the file and position the message starts with. */
  readonly reason: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly file: string | null;

  constructor(
    message: string,
    where: { line?: number | null; column?: number | null; file?: string | null; code?: string } = {},
    options?: ErrorOptions,
  ) {
    const line = where.line ?? null;
    const column = where.column ?? null;
    const file = where.file ?? null;
    const position = line === null ? '' : `line ${line}${column === null ? '' : `, column ${column}`}: `;
    super(
      where.code ?? 'template_invalid',
      `template${file ? ` ${file}` : ''}: ${position}${message}`,
      { line, column, file },
      options,
    );
    this.reason = message;
    this.line = line;
    this.column = column;
    this.file = file;
  }
}
