import { readFile, stat } from 'node:fs/promises';
import { BroadcasterError } from '../errors.js';

/** A file named on the command line cannot be read; `file` is as the user wrote it. */
export class InputFileError extends BroadcasterError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super('input_file_unreadable', `cannot read ${file}: ${problem}`, { file });
  }
}

/** The size in bytes of a file to be read, checking that it is one. */
export async function inputFileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new InputFileError(file, 'it is a directory');
    return info.size;
  } catch (error) {
    throw asInputFileError(file, error);
  }
}

export async function readInputText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw asInputFileError(file, error);
  }
}

function asInputFileError(file: string, error: unknown): InputFileError {
  if (error instanceof InputFileError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const problem =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (code ?? String(error));
  return new InputFileError(file, problem);
}
