import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type CliResult, runCli } from './cli.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** What a test file of the command line works with: its own database and scratch folder. */
export interface CliTestBed {
  /** The file's database (made before its first test, dropped after its last). */
  readonly db: TestDatabase;
  readonly dir: string;
  /** What each command sees: DATABASE_URL of the file's database. */
  readonly env: Record<string, string>;
  /** Writes a file in the scratch folder; its path. */
  file(name: string, content: string): Promise<string>;
  /** Runs `broadcaster …args` against the file's database. */
  cli(...args: string[]): Promise<CliResult>;
}

/**
 * Registers the hooks that make a command-line test file's database and scratch folder before its
 * tests (ahead of the file's own beforeAll, which may seed through `cli`) and remove them after.
 */
export function cliTestBed(name: string): CliTestBed {
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), `broadcaster-${name}-`));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    await db?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the CLI test bed is used before its beforeAll ran');
    return value;
  };
  const bed: CliTestBed = {
    get db() {
      return ready(db);
    },
    get dir() {
      return ready(dir);
    },
    get env() {
      return { DATABASE_URL: ready(db).url };
    },
    async file(fileName, content) {
      const path = join(ready(dir), fileName);
      await writeFile(path, content);
      return path;
    },
    cli: (...args) => runCli(args, bed.env),
  };
  return bed;
}
