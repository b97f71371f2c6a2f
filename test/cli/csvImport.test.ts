import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CommandContext, createContext } from '../../src/cli/context.js';
import { formatImportReport, importCsvFile, NothingImportedError } from '../../src/cli/csvImport.js';
import { InputFileError } from '../../src/cli/inputFile.js';
import { importContactsCsv } from '../../src/contacts/importContacts.js';
import type { ImportReport } from '../../src/contacts/importReport.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

function report(overrides: Partial<ImportReport> = {}): ImportReport {
  return {
    importId: 17,
    rows: 0,
    inserted: 0,
    updated: 0,
    rejected: 0,
    warned: 0,
    repeated: 0,
    repeatRule: 'the later row wins',
    consentWithdrawn: 0,
    errors: [],
    errorsTruncated: false,
    warnings: [],
    warningsTruncated: false,
    repeats: [],
    repeatsTruncated: false,
    ...overrides,
  };
}

describe('formatImportReport', () => {
  it('sums up the rows in one line, with thousands separated and the import’s id', () => {
    expect(formatImportReport('a.csv', report({ rows: 1, inserted: 1 }))).toBe(
      'a.csv: 1 row; 1 inserted, 0 updated, 0 rejected. (import 17)',
    );
    expect(formatImportReport('b.csv', report({ rows: 12_345, inserted: 12_000, updated: 345 }))).toBe(
      'b.csv: 12,345 rows; 12,000 inserted, 345 updated, 0 rejected. (import 17)',
    );
  });

  it('groups warnings by column and reason, the largest group first, listing its first eight lines', () => {
    const text = formatImportReport(
      'w.csv',
      report({
        rows: 12,
        inserted: 12,
        warned: 10,
        warnings: [
          { line: 2, column: 'timezone', reason: 'unknown time zone, left empty' },
          ...[3, 4, 5, 6, 7, 8, 9, 10, 11].map((line) => ({ line, reason: 'extra cell dropped' })),
        ],
      }),
    );

    expect(text.split('\n').slice(1)).toEqual([
      '',
      'Imported with warnings: 10 rows (each was imported; the warning says what was left out or how a value was read):',
      '  extra cell dropped — 9 (lines 3, 4, 5, 6, 7, 8, 9, 10, …)',
      '  timezone: unknown time zone, left empty — 1 (line 2)',
    ]);
  });

  it('lists twelve kinds of warning at most, and says where to find every one when the list was cut', () => {
    const warnings = Array.from({ length: 14 }, (_, i) => ({ line: i + 2, reason: `reason ${i}` }));

    const text = formatImportReport('w.csv', report({ warned: 14, warnings, warningsTruncated: true }));

    expect(text).toContain('  reason 11 — 1 (line 13)');
    expect(text).not.toContain('reason 12 ');
    expect(text).toContain('  … and 2 other kinds of warning (--json lists them)');
    expect(text).toContain(
      '  (the first 14 warnings are counted above; every one: GET /api/v1/imports/17/issues?kind=warning)',
    );
  });

  it('shows the first eight repeated rows with both lines and the rule, and counts the rest', () => {
    const repeats = Array.from({ length: 10 }, (_, i) => ({
      line: i + 3,
      key: '79160000001',
      earlierLine: 2,
    }));

    const lines = formatImportReport('r.csv', report({ repeated: 10, repeats })).split('\n');

    expect(lines[2]).toBe('Repeated in the file: 10 rows (the later row wins):');
    expect(lines[3]).toBe('  line 3 repeats line 2 (79160000001)');
    expect(lines.filter((line) => line.includes('repeats line'))).toHaveLength(8);
    expect(lines.at(-1)).toBe('  … 2 more');
  });

  it('tables the rejected rows, cutting long values, and points to --rejects for the rest', () => {
    const text = formatImportReport(
      'e.csv',
      report({
        rows: 2,
        rejected: 2,
        errors: [
          { line: 2, column: 'phone', value: 'x'.repeat(50), reason: 'not a phone number' },
          { line: 13, reason: 'more cells than columns' },
        ],
      }),
    );

    expect(text.split('\n').slice(1)).toEqual([
      '',
      'Rejected rows:',
      'LINE  COLUMN  VALUE                                     REASON',
      `   2  phone   ${'x'.repeat(39)}…  not a phone number`,
      '  13  -       -                                         more cells than columns',
      '',
      'Every rejected row, to fix and import again: add --rejects FILE.csv.',
    ]);
  });

  it('shows twenty problems at most and says they are the first', () => {
    const errors = Array.from({ length: 25 }, (_, i) => ({ line: i + 2, reason: 'bad row' }));

    const text = formatImportReport('e.csv', report({ rejected: 25, errors }));

    expect(text).toContain('Rejected rows (the first 20 problems):');
    expect(text.split('\n').filter((line) => line.endsWith('bad row'))).toHaveLength(20);
  });

  it('names the rejects file, saying so when it holds no rows', () => {
    expect(
      formatImportReport('a.csv', report({ rows: 1, inserted: 1 }), { rejectsFile: 'out.csv' }),
    ).toContain('No rows were rejected; 0 rejected rows written to out.csv, each with its line and reason');
    expect(formatImportReport('a.csv', report({ rejected: 1 }), { rejectsFile: 'out.csv' })).toContain(
      '\n1 rejected row written to out.csv',
    );
  });
});

describe('NothingImportedError', () => {
  it('names the file, how many rows were rejected and the first reason', () => {
    const error = new NothingImportedError(
      'c.csv',
      report({ rejected: 3, errors: [{ line: 4, column: 'phone', reason: 'not a phone number' }] }),
    );

    expect(error.message).toBe(
      'nothing imported from c.csv: 3 rows rejected; line 4: phone: not a phone number',
    );
    expect(error).toMatchObject({
      code: 'nothing_imported',
      file: 'c.csv',
      details: { file: 'c.csv', rejected: 3 },
    });
    expect(new NothingImportedError('d.csv', report({ rejected: 1 })).message).toBe(
      'nothing imported from d.csv: 1 row rejected',
    );
  });
});

describe('importCsvFile', () => {
  let db: TestDatabase;
  let dir: string;
  const cleanups: Array<() => Promise<void>> = [];
  let rejectionListeners: Set<unknown>;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'broadcaster-csv-import-'));
    rejectionListeners = new Set(process.listeners('unhandledRejection'));
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  afterAll(async () => {
    for (const listener of process.listeners('unhandledRejection')) {
      if (!rejectionListeners.has(listener)) process.off('unhandledRejection', listener);
    }
    await rm(dir, { recursive: true, force: true });
    await db?.drop();
  });

  function command(): { ctx: CommandContext; printed: () => string } {
    const { context, runCleanups } = createContext('warn', { DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
    cleanups.push(runCleanups);
    let written = '';
    const stdout = new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    });
    return { ctx: { ...context, stdout }, printed: () => written };
  }

  async function csv(name: string, content: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, content);
    return file;
  }

  it('imports the file with the importer given and prints the report as JSON', async () => {
    const file = await csv('good.csv', 'phone,name\n+7 916 100-00-01,Anna\n79161000002,Boris\n');
    const { ctx, printed } = command();

    const result = await importCsvFile(ctx, {
      file,
      json: true,
      noun: 'contacts',
      importer: importContactsCsv,
    });

    expect(result).toMatchObject({ rows: 2, inserted: 2, rejected: 0 });
    expect(JSON.parse(printed())).toEqual(result);
    const rows = await db.sql<{ phone: string }[]>`select phone from contacts where phone like '7916100000%'`;
    expect(rows).toHaveLength(2);
  });

  it('writes every rejected row to the rejects file and names it in the report', async () => {
    const file = await csv('mixed.csv', 'phone,name\nnot-a-phone,Vera\n79162000003,Gleb\n');
    const rejects = join(dir, 'rejects.csv');
    const { ctx, printed } = command();

    await importCsvFile(ctx, { file, json: false, noun: 'contacts', importer: importContactsCsv, rejects });

    expect(printed()).toContain(`1 rejected row written to ${rejects}`);
    expect(await readFile(rejects, 'utf8')).toContain('not-a-phone');
  });

  it('fails when every row was rejected, after printing the report', async () => {
    const file = await csv('bad.csv', 'phone\nnope\n');
    const { ctx, printed } = command();

    const error = await importCsvFile(ctx, {
      file,
      json: false,
      noun: 'contacts',
      importer: importContactsCsv,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NothingImportedError);
    expect((error as NothingImportedError).message).toMatch(
      /^nothing imported from .*bad\.csv: 1 row rejected; line 2: /,
    );
    expect(printed()).toContain('Rejected rows:');
  });

  it('refuses a file it cannot read before touching the database', async () => {
    const { ctx } = command();
    const missing = join(dir, 'missing.csv');
    let called = false;

    const error = await importCsvFile(ctx, {
      file: missing,
      json: true,
      noun: 'contacts',
      importer: async () => {
        called = true;
        throw new Error('not reached');
      },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InputFileError);
    expect(called).toBe(false);
  });
});
