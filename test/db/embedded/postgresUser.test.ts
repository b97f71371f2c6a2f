import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  POSTGRES_SYSTEM_USER,
  postgresRunAs,
  prepareDataDirFor,
} from '../../../src/db/embedded/postgresUser.js';

const isRoot = process.getuid?.() === 0;
const idOf = (flag: string) => Number(execFileSync('id', [flag, POSTGRES_SYSTEM_USER]).toString().trim());

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'broadcaster-postgres-user-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('postgresRunAs', () => {
  it.runIf(!isRoot)('runs PostgreSQL as the engine’s own user when that is not root', () => {
    expect(postgresRunAs()).toBeUndefined();
  });

  it.runIf(isRoot)('runs PostgreSQL as the postgres system user when the engine is root', () => {
    expect(POSTGRES_SYSTEM_USER).toBe('postgres');
    expect(postgresRunAs()).toEqual({ uid: idOf('-u'), gid: idOf('-g') });
  });
});

describe.runIf(isRoot)('prepareDataDirFor', () => {
  it('makes the data directory and the way to it, private to the postgres user', async () => {
    const runAs = postgresRunAs()!;
    const dataDir = join(dir, 'nested', 'deeper', 'postgres');

    await prepareDataDirFor(runAs, dataDir);

    const info = await stat(dataDir);
    expect(info.isDirectory()).toBe(true);
    expect(info.uid).toBe(runAs.uid);
    expect(info.gid).toBe(runAs.gid);
    expect(info.mode & 0o777).toBe(0o700);
  });

  it('hands over a data directory root made earlier', async () => {
    const runAs = postgresRunAs()!;
    const dataDir = join(dir, 'postgres');
    await mkdir(dataDir, { mode: 0o700 });
    expect((await stat(dataDir)).uid).toBe(0);

    await prepareDataDirFor(runAs, dataDir);

    expect((await stat(dataDir)).uid).toBe(runAs.uid);
  });

  it('is a no-op the second time', async () => {
    const runAs = postgresRunAs()!;
    const dataDir = join(dir, 'postgres');
    await prepareDataDirFor(runAs, dataDir);

    await prepareDataDirFor(runAs, dataDir);

    expect((await stat(dataDir)).uid).toBe(runAs.uid);
  });
});
