import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchWritten,
  type CsvImportKind,
  type ImportProgress,
  type LinedRow,
  runCsvImport,
} from '../../src/contacts/csvImport.js';
import { CsvImportError } from '../../src/csv/csvImportError.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';

/**
 * A tiny import kind: rows of `code` (required, the key) and `note` (optional), kept in a map by
 * code, so each test sees exactly which batches the skeleton wrote and in which order.
 */
interface Row {
  code: string;
  note: string;
}

function codesKind(options: { failOnBatch?: number; refuseAtWrite?: string } = {}) {
  const stored = new Map<string, { note: string; importId: number }>();
  const batches: LinedRow<Row>[][] = [];
  const kind: CsvImportKind<'code' | 'note', Row> = {
    kind: 'contacts',
    columns: { required: ['code'], optional: ['note'] },
    keyColumn: 'code',
    readRow({ line, cells }, columns) {
      const code = cells[columns.known.code!]!;
      if (!/^[A-Z]+$/.test(code))
        return {
          ok: false,
          errors: [{ line, column: 'code', value: code, reason: 'must be capital letters' }],
        };
      const noteIndex = columns.known.note;
      return { ok: true, value: { code, note: noteIndex === undefined ? '' : cells[noteIndex]! } };
    },
    key: (row) => row.code,
    applyInOrder: (earlier, later) => ({ code: earlier.code, note: `${earlier.note}+${later.note}` }),
    repeatRule: 'the later note is added to the earlier one',
    async writeBatch(rows, importId): Promise<BatchWritten> {
      batches.push(rows);
      if (batches.length === options.failOnBatch) throw new Error('the disk is full');
      const written: BatchWritten = { inserted: 0, updated: 0, repeats: [], rejected: [] };
      for (const { line, row } of rows) {
        if (row.code === options.refuseAtWrite) {
          const error = { line, column: 'code', value: row.code, reason: 'known to the database as retired' };
          written.rejected!.push({ line, cells: [row.code, row.note], errors: [error] });
          continue;
        }
        const earlier = stored.get(row.code);
        if (earlier) written.updated++;
        else written.inserted++;
        if (earlier?.importId === importId) written.repeats.push({ line, key: row.code, earlierLine: 0 });
        stored.set(row.code, { note: row.note, importId });
      }
      return written;
    },
  };
  return { kind, stored, batches };
}

const csv = (...lines: string[]) => Readable.from([`${lines.join('\n')}\n`]);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function record(importId: number) {
  const [row] = await db.sql`
    select status, error, header, rows, inserted, updated, rejected, warned, repeated from imports
    where id = ${importId}`;
  return row;
}
const issues = (importId: number) =>
  db.sql`select line, kind, column_name, value, reason from import_issues where import_id = ${importId} order by line, id`;
const rejectedRows = (importId: number) =>
  db.sql`select line, cells, reason from import_rejected_rows where import_id = ${importId} order by line`;

describe('runCsvImport', () => {
  it('writes the rows in batches of the size asked, in file order, and records the import as completed', async () => {
    const { kind, batches } = codesKind();

    const report = await runCsvImport(db.sql, csv('code,note', 'A,1', 'B,2', 'C,3', 'D,4', 'E,5'), kind, {
      now: START,
      source: 'codes.csv',
      batchSize: 2,
    });

    expect(batches.map((batch) => batch.map(({ line, row }) => `${line}:${row.code}`))).toEqual([
      ['2:A', '3:B'],
      ['4:C', '5:D'],
      ['6:E'],
    ]);
    expect(report).toMatchObject({ rows: 5, inserted: 5, updated: 0, rejected: 0, warned: 0, repeated: 0 });
    expect(await record(report.importId)).toEqual({
      status: 'completed',
      error: null,
      header: ['code', 'note'],
      rows: 5,
      inserted: 5,
      updated: 0,
      rejected: 0,
      warned: 0,
      repeated: 0,
    });
  });

  it('folds a key repeated within a batch into one row, counted as an update, naming the column as the file spells it', async () => {
    const { kind, batches, stored } = codesKind();

    const report = await runCsvImport(db.sql, csv('Code,Note', 'A,first', 'B,x', 'A,second'), kind, {
      now: START,
    });

    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((r) => r.line)).toEqual([4, 3]);
    expect(stored.get('A')!.note).toBe('first+second');
    expect(report).toMatchObject({ rows: 3, inserted: 2, updated: 1, repeated: 1 });
    expect(report.repeats).toEqual([{ line: 4, key: 'A', earlierLine: 2 }]);
    expect(await issues(report.importId)).toEqual([
      {
        line: 4,
        kind: 'repeated',
        column_name: 'Code',
        value: 'A',
        reason: 'repeats line 2: the later note is added to the earlier one',
      },
    ]);
  });

  it('records the repeats the writer finds across batches', async () => {
    const { kind } = codesKind();

    const report = await runCsvImport(db.sql, csv('code', 'Q', 'R', 'Q'), kind, { now: START, batchSize: 2 });

    expect(report).toMatchObject({ rows: 3, inserted: 2, updated: 1, repeated: 1 });
    expect((await issues(report.importId)).map((i) => [i.line, i.kind])).toEqual([[4, 'repeated']]);
  });

  it('rejects a row the kind refuses, keeping its cells and why, and goes on', async () => {
    const { kind, stored } = codesKind();

    const report = await runCsvImport(db.sql, csv('code,note', 'a1,lower', 'B,fine'), kind, { now: START });

    expect(report).toMatchObject({ rows: 2, inserted: 1, rejected: 1 });
    expect(report.errors).toEqual([
      { line: 2, column: 'code', value: 'a1', reason: 'must be capital letters' },
    ]);
    expect([...stored.keys()]).toEqual(['B']);
    expect(await rejectedRows(report.importId)).toEqual([
      { line: 2, cells: ['a1', 'lower'], reason: 'code: must be capital letters' },
    ]);
    expect((await issues(report.importId)).map((i) => i.kind)).toEqual(['rejected']);
  });

  it('drops an overlong optional cell with a warning, and rejects the row when the cell is required', async () => {
    const { kind, stored } = codesKind();
    const long = 'x'.repeat(10_001);

    const report = await runCsvImport(db.sql, csv('code,note', `A,${long}`, `${long},short`), kind, {
      now: START,
    });

    expect(report).toMatchObject({ rows: 2, inserted: 1, warned: 1, rejected: 1 });
    expect(stored.get('A')!.note).toBe('');
    expect(report.warnings[0]!.reason).toBe(
      'the cell has 10001 characters; at most 10000 are allowed: the cell was left out',
    );
    expect(report.warnings[0]!.value!.length).toBeLessThanOrEqual(100);
    expect(report.errors.map((e) => [e.line, e.column])).toEqual([[3, 'code']]);
    const recorded = await issues(report.importId);
    expect(recorded.map((i) => [i.line, i.kind, i.column_name])).toEqual([
      [2, 'warning', 'note'],
      [3, 'rejected', 'code'],
    ]);
  });

  it('refuses a file without the required column, recording the import as failed', async () => {
    const { kind, batches } = codesKind();

    const error = await runCsvImport(db.sql, csv('name,note', 'A,1'), kind, { now: START }).catch((e) => e);

    expect(error).toBeInstanceOf(CsvImportError);
    expect(error).toMatchObject({ code: 'csv_missing_column', line: 1, column: 'code' });
    expect(batches).toEqual([]);
    const [failed] = await db.sql`select status, error from imports order by id desc limit 1`;
    expect(failed).toEqual({ status: 'failed', error: error.message });
  });

  it('passes on a failed write, keeping the batches written before it and the failure in the record', async () => {
    const { kind, stored } = codesKind({ failOnBatch: 2 });

    const error = await runCsvImport(db.sql, csv('code', 'A', 'B', 'C', 'D', 'E'), kind, {
      now: START,
      batchSize: 2,
    }).then(
      () => new Error('expected a failure'),
      (e: Error) => e,
    );

    expect(error.message).toBe('the disk is full');
    expect([...stored.keys()]).toEqual(['A', 'B']);
    const [failed] = await db.sql`select status, error, inserted from imports order by id desc limit 1`;
    expect(failed).toEqual({ status: 'failed', error: 'the disk is full', inserted: 2 });
  });

  it('tells its progress after every batch read and once at the end', async () => {
    const { kind } = codesKind();
    const heard: ImportProgress[] = [];
    const text = 'code\nA\nB\nC\n';

    await runCsvImport(db.sql, Readable.from([text]), kind, {
      now: START,
      batchSize: 2,
      onProgress: (progress) => heard.push(progress),
    });

    expect(heard.map((p) => p.rows)).toEqual([2, 3]);
    expect(heard.at(-1)!.bytes).toBe(Buffer.byteLength(text));
  });

  it('completes a file of only a header, writing nothing', async () => {
    const { kind, batches } = codesKind();

    const report = await runCsvImport(db.sql, csv('code,note'), kind, { now: START });

    expect(batches).toEqual([]);
    expect(report).toMatchObject({ rows: 0, inserted: 0, rejected: 0 });
    expect(await record(report.importId)).toMatchObject({
      status: 'completed',
      header: ['code', 'note'],
      rows: 0,
    });
  });
});

describe('rows the writer rejects', () => {
  it('counts them rejected and records them with their reason and cells, as a row rejected when read', async () => {
    const { kind, stored } = codesKind({ refuseAtWrite: 'OLD' });

    const report = await runCsvImport(db.sql, csv('code,note', 'NEW,a', 'OLD,b'), kind, { now: START });

    expect(report).toMatchObject({ rows: 2, inserted: 1, rejected: 1 });
    expect(report.errors).toEqual([
      { line: 3, column: 'code', value: 'OLD', reason: 'known to the database as retired' },
    ]);
    expect([...stored.keys()]).toEqual(['NEW']);
    expect(await rejectedRows(report.importId)).toEqual([
      { line: 3, cells: ['OLD', 'b'], reason: 'code: known to the database as retired' },
    ]);
  });
});
