import { constants } from 'node:fs';
import { type FileHandle, lstat, open, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MAX_TEMPLATE_CHARS } from '../templating/template.js';
import { TemplateError } from './errors.js';

/** A UTF-16 unit takes at most three bytes of UTF-8: a bigger file cannot hold a template. */
const MAX_TEMPLATE_FILE_BYTES = 3 * MAX_TEMPLATE_CHARS;

/** Why a name cannot be a template file in templates/, or null: no paths, no `..`, `.hbs` only. */
export function templateFileNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.trim() === '') return 'expected a file name such as "reminder.hbs"';
  if (/[/\\]/.test(name)) return `"${name}" must name a file directly in templates/, without a path`;
  if (name.includes('..')) return `"${name}" may not contain ".."`;
  if (!name.endsWith('.hbs')) return `"${name}" must end with .hbs`;
  if (name.startsWith('.') || name.includes('\0')) return `"${name}" is not a template file name`;
  return null;
}

/**
 * Reads a template from the templates directory, refusing anything that could leave it: a name
 * with a path, a symbolic link (one to /etc/passwd would be read as a template), whatever is not a
 * regular file right inside the directory, and a file too big to be a template.
 */
export async function loadTemplateFile(name: string, templatesDir: string): Promise<string> {
  const invalid = (reason: string) =>
    new TemplateError(reason, { file: name, code: 'template_file_invalid' });
  const problem = templateFileNameProblem(name);
  if (problem) throw invalid(problem);
  const path = join(templatesDir, name);
  const symlink = () => invalid('is a symbolic link: templates/ takes the template files themselves');
  let handle: FileHandle;
  try {
    if ((await lstat(path)).isSymbolicLink()) throw symlink();
    const [real, directory] = await Promise.all([realpath(path), realpath(templatesDir)]);
    if (dirname(real) !== directory) throw invalid(`is not inside ${templatesDir}`);
    // O_NOFOLLOW: a link put in its place since lstat is refused too; O_NONBLOCK: a FIFO cannot hang the open.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new TemplateError(`no such file in ${templatesDir}`, {
        file: name,
        code: 'template_file_not_found',
      });
    }
    if (code === 'ELOOP') throw symlink();
    throw error;
  }
  try {
    const file = await handle.stat();
    if (!file.isFile()) throw invalid('is not a regular file');
    if (file.size > MAX_TEMPLATE_FILE_BYTES) {
      throw new TemplateError(
        `the file has ${file.size} bytes, more than a template of at most ${MAX_TEMPLATE_CHARS} characters takes`,
        { file: name, code: 'template_too_long' },
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
