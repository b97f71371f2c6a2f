import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  credentialsPathOf,
  embeddedUrl,
  newCredentials,
  randomPassword,
  readCredentials,
  writeCredentials,
} from '../../../src/db/embedded/credentials.js';
import { BroadcasterError } from '../../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'broadcaster-credentials-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('credentialsPathOf', () => {
  it('is a file beside the data directory, not in it', () => {
    expect(credentialsPathOf('/var/lib/broadcaster/pgdata')).toBe(
      '/var/lib/broadcaster/pgdata.credentials.json',
    );
  });
});

describe('randomPassword and newCredentials', () => {
  it('make 256-bit url-safe passwords, a new one each time', () => {
    const passwords = new Set(Array.from({ length: 20 }, () => randomPassword()));

    expect(passwords.size).toBe(20);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const credentials = newCredentials();
    expect(credentials.superuserPassword).not.toBe(credentials.ownerPassword);
  });
});

describe('writeCredentials and readCredentials', () => {
  it('keep the passwords in a file only its owner may read, and read them back', async () => {
    const path = join(dir, 'pgdata.credentials.json');
    const credentials = newCredentials();

    await writeCredentials(path, credentials);

    expect(await readCredentials(path)).toEqual(credentials);
    expect(await mode(path)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['pgdata.credentials.json']);
  });

  it('replace a file that is there whole', async () => {
    const path = join(dir, 'c.json');
    await writeCredentials(path, newCredentials());
    const second = newCredentials();

    await writeCredentials(path, second);

    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(second);
  });

  it('say there are none when the file is missing', async () => {
    expect(await readCredentials(join(dir, 'missing.json'))).toBeUndefined();
  });

  it('narrow a file someone widened back to its owner', async () => {
    const path = join(dir, 'c.json');
    await writeCredentials(path, newCredentials());
    await chmod(path, 0o644);

    await readCredentials(path);

    expect(await mode(path)).toBe(0o600);
  });

  it('refuse a file that is not a passwords file, without quoting it', async () => {
    const good = randomPassword();
    const cases = [
      'not json, hunter2',
      JSON.stringify({ superuserPassword: good }),
      JSON.stringify({ superuserPassword: good, ownerPassword: 'short-hunter2' }),
      JSON.stringify({ superuserPassword: good, ownerPassword: `${good}!` }),
      JSON.stringify({ superuserPassword: 42, ownerPassword: good }),
    ];
    for (const [i, text] of cases.entries()) {
      const path = join(dir, `bad-${i}.json`);
      await writeFile(path, text);

      const error = await readCredentials(path).catch((e) => e);

      expect(error, text).toBeInstanceOf(BroadcasterError);
      expect(error.code).toBe('embedded_postgres_failed');
      expect(error.message).toBe(
        `${path} is not a passwords file of the embedded PostgreSQL; restore it, or move it and the data directory away to start afresh`,
      );
      expect(error.message).not.toContain('hunter2');
      expect(error.cause).toBeUndefined();
    }
  });

  it('say why a file cannot be read', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);

    await expect(readCredentials(path)).rejects.toThrow(
      `cannot read the embedded PostgreSQL's passwords from ${path} (EISDIR); run as the user who owns it`,
    );
  });

  it('say why they cannot be written, leaving nothing behind', async () => {
    const path = join(dir, 'no-such-dir', 'c.json');

    const error = await writeCredentials(path, newCredentials()).catch((e) => e);

    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error.message).toBe(`cannot write the embedded PostgreSQL's passwords to ${path} (ENOENT)`);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('embeddedUrl', () => {
  it('points at 127.0.0.1 with the role and password as they are', () => {
    expect(embeddedUrl(54321, 'broadcaster', 'abc_DEF-123', 'broadcaster')).toBe(
      'postgres://broadcaster:abc_DEF-123@127.0.0.1:54321/broadcaster',
    );
  });
});
