import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOSTILE_DIR } from './corpus.js';

interface CliCase {
  name: string;
  /** `{corpus}` stands for test/fixtures/hostile. */
  args: string[];
  exitCode: number;
  stderrIncludes: string;
}

const cases = JSON.parse(readFileSync(join(HOSTILE_DIR, 'cli', 'cases.json'), 'utf8')) as CliCase[];

describe('hostile command lines', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function stored(): Promise<number> {
    const [row] = await db.sql<{ n: number }[]>`
      select (select count(*) from campaigns) + (select count(*) from contacts)
             + (select count(*) from appointments) + (select count(*) from lists) as n`;
    return Number(row?.n);
  }

  it('has a corpus to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('refuses $name with its exit code and a message naming what is wrong', async (entry) => {
    const args = entry.args.map((arg) => arg.replace('{corpus}', HOSTILE_DIR));
    const result = await runCli(args, { DATABASE_URL: db.url });
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({
      code: entry.exitCode,
      stderr: expect.stringContaining(entry.stderrIncludes),
    });
    // A clear one-line reason, not a crash: no stack trace.
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(await stored()).toBe(0);
  });
});
