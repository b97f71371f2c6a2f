import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CAMPAIGN_CHARS } from '../../src/campaigns/documentBounds.js';
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

  it('refuses a campaign file too big to be a campaign by its size, before reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostile-cli-'));
    try {
      const file = join(dir, 'huge.yaml');
      const bytes = 3 * MAX_CAMPAIGN_CHARS + 1;
      await writeFile(file, `name: ${'x'.repeat(bytes - 7)}\n`);
      const result = await runCli(['campaign', 'create', file], { DATABASE_URL: db.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `the file has ${bytes} bytes; a campaign has at most ${MAX_CAMPAIGN_CHARS} characters`,
      );
      expect(await stored()).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
