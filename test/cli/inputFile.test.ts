import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError, inputFileSize, readInputText } from '../../src/cli/inputFile.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'broadcaster-input-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failureOf(promise: Promise<unknown>): Promise<InputFileError> {
  const outcome = await promise.then(
    () => new Error('expected the call to fail'),
    (error: unknown) => error,
  );
  if (outcome instanceof InputFileError) return outcome;
  throw outcome;
}

describe('inputFileSize', () => {
  it('gives the size in bytes of a file, zero for an empty one', async () => {
    const file = join(dir, 'sized.csv');
    await writeFile(file, 'phone\nпривет\n');
    const empty = join(dir, 'empty.csv');
    await writeFile(empty, '');

    expect(await inputFileSize(file)).toBe(Buffer.byteLength('phone\nпривет\n'));
    expect(await inputFileSize(empty)).toBe(0);
  });

  it('says a missing file does not exist, naming it as the user wrote it', async () => {
    const error = await failureOf(inputFileSize('missing/contacts.csv'));

    expect(error.message).toBe('cannot read missing/contacts.csv: no such file');
    expect(error).toMatchObject({ code: 'input_file_unreadable', file: 'missing/contacts.csv' });
    expect(error.details).toEqual({ file: 'missing/contacts.csv' });
  });

  it('refuses a directory', async () => {
    expect((await failureOf(inputFileSize(dir))).message).toBe(`cannot read ${dir}: it is a directory`);
  });
});

describe('readInputText', () => {
  it('reads the file as UTF-8 text', async () => {
    const file = join(dir, 'template.txt');
    await writeFile(file, 'Здравствуйте, {{name}}!\n');

    expect(await readInputText(file)).toBe('Здравствуйте, {{name}}!\n');
  });

  it('says a missing file or a directory cannot be read, in words', async () => {
    expect((await failureOf(readInputText(join(dir, 'nope.txt')))).message).toMatch(/: no such file$/);
    expect((await failureOf(readInputText(dir))).message).toBe(`cannot read ${dir}: it is a directory`);
  });
});
