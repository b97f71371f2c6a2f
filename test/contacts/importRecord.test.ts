import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  finishImport,
  recordImportBatch,
  recordImportHeader,
  startImport,
} from '../../src/contacts/importRecord.js';
import type { ImportCounts } from '../../src/contacts/importReport.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';

const LATER = new Date(START.getTime() + 5_000);
const ZERO: ImportCounts = {
  rows: 0,
  inserted: 0,
  updated: 0,
  rejected: 0,
  warned: 0,
  repeated: 0,
  consentWithdrawn: 0,
};

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

async function theImport(id: number) {
  const [row] = await db.sql`
    select kind, source, list_name, status, error, header, rows, inserted, updated, rejected, warned, repeated,
           consent_withdrawn as "consentWithdrawn", started_at, finished_at
    from imports where id = ${id}`;
  return row!;
}

async function issues(id: number) {
  return db.sql`
    select line, kind, column_name, value, reason from import_issues where import_id = ${id} order by id`;
}

async function rejectedRows(id: number) {
  return db.sql`select line, cells, reason from import_rejected_rows where import_id = ${id} order by line`;
}

describe('the record of an import', () => {
  it('starts running, with what is imported from where into which list', async () => {
    const id = await startImport(db.sql, {
      kind: 'contacts',
      source: 'clients.csv',
      listName: 'vip',
      now: START,
    });

    expect(await theImport(id)).toEqual({
      kind: 'contacts',
      source: 'clients.csv',
      list_name: 'vip',
      status: 'running',
      error: null,
      header: [],
      ...ZERO,
      started_at: START,
      finished_at: null,
    });
  });

  it('may name no source and no list', async () => {
    const id = await startImport(db.sql, {
      kind: 'appointments',
      source: undefined,
      listName: undefined,
      now: START,
    });

    expect(await theImport(id)).toMatchObject({ kind: 'appointments', source: null, list_name: null });
  });

  it('keeps the header as the file spells it', async () => {
    const id = await startImport(db.sql, {
      kind: 'contacts',
      source: 'a.csv',
      listName: undefined,
      now: START,
    });

    await recordImportHeader(db.sql, id, ['Phone', ' Имя ', '', 'a,"b"', 'x\ny']);

    expect((await theImport(id)).header).toEqual(['Phone', ' Имя ', '', 'a,"b"', 'x\ny']);
  });

  it('writes each batch’s problems and rejected rows, and keeps the counts current', async () => {
    const id = await startImport(db.sql, {
      kind: 'contacts',
      source: 'a.csv',
      listName: undefined,
      now: START,
    });

    await recordImportBatch(db.sql, id, {
      issues: [
        { line: 3, kind: 'rejected', column: 'phone', value: 'abc', reason: 'not a phone' },
        { line: 4, kind: 'warning', column: 'timezone', reason: 'left out' },
        { line: 5, kind: 'repeated', reason: 'the phone of line 2' },
      ],
      rejectedRows: [
        { line: 3, cells: ['abc', 'Ann, "the first"', ''], reason: 'not a phone' },
        { line: 9, cells: [], reason: 'broken quoting' },
      ],
      counts: { rows: 5, inserted: 3, updated: 0, rejected: 1, warned: 1, repeated: 1, consentWithdrawn: 0 },
    });
    await recordImportBatch(db.sql, id, {
      issues: [{ line: 12, kind: 'warning', reason: 'a note' }],
      rejectedRows: [],
      counts: { rows: 10, inserted: 6, updated: 2, rejected: 1, warned: 2, repeated: 1, consentWithdrawn: 0 },
    });

    expect(await issues(id)).toEqual([
      { line: 3, kind: 'rejected', column_name: 'phone', value: 'abc', reason: 'not a phone' },
      { line: 4, kind: 'warning', column_name: 'timezone', value: null, reason: 'left out' },
      { line: 5, kind: 'repeated', column_name: null, value: null, reason: 'the phone of line 2' },
      { line: 12, kind: 'warning', column_name: null, value: null, reason: 'a note' },
    ]);
    expect(await rejectedRows(id)).toEqual([
      { line: 3, cells: ['abc', 'Ann, "the first"', ''], reason: 'not a phone' },
      { line: 9, cells: [], reason: 'broken quoting' },
    ]);
    expect(await theImport(id)).toMatchObject({
      status: 'running',
      rows: 10,
      inserted: 6,
      updated: 2,
      rejected: 1,
      warned: 2,
      repeated: 1,
    });
  });

  it('keeps the first record of a rejected line written twice', async () => {
    const id = await startImport(db.sql, {
      kind: 'contacts',
      source: 'a.csv',
      listName: undefined,
      now: START,
    });
    const batch = (reason: string) => ({
      issues: [],
      rejectedRows: [{ line: 3, cells: [reason], reason }],
      counts: ZERO,
    });

    await recordImportBatch(db.sql, id, batch('first'));
    await recordImportBatch(db.sql, id, batch('second'));

    expect(await rejectedRows(id)).toEqual([{ line: 3, cells: ['first'], reason: 'first' }]);
  });

  it('finishes completed with its final counts, or failed with why', async () => {
    const done = await startImport(db.sql, {
      kind: 'contacts',
      source: 'a.csv',
      listName: undefined,
      now: START,
    });
    const broken = await startImport(db.sql, {
      kind: 'contacts',
      source: 'b.csv',
      listName: undefined,
      now: START,
    });
    const counts = {
      rows: 4,
      inserted: 1,
      updated: 2,
      rejected: 1,
      warned: 0,
      repeated: 0,
      consentWithdrawn: 0,
    };

    await finishImport(db.sql, done, { now: LATER, counts });
    await finishImport(db.sql, broken, { now: LATER, counts: ZERO, error: 'the file is not UTF-8' });

    expect(await theImport(done)).toMatchObject({
      status: 'completed',
      error: null,
      finished_at: LATER,
      ...counts,
    });
    expect(await theImport(broken)).toMatchObject({
      status: 'failed',
      error: 'the file is not UTF-8',
      finished_at: LATER,
      ...ZERO,
    });
  });

  it('touches only its own import', async () => {
    const mine = await startImport(db.sql, {
      kind: 'contacts',
      source: 'a.csv',
      listName: undefined,
      now: START,
    });
    const other = await startImport(db.sql, {
      kind: 'contacts',
      source: 'b.csv',
      listName: undefined,
      now: START,
    });

    await recordImportBatch(db.sql, mine, {
      issues: [{ line: 2, kind: 'warning', reason: 'mine' }],
      rejectedRows: [],
      counts: { ...ZERO, rows: 1 },
    });
    await finishImport(db.sql, mine, { now: LATER, counts: { ...ZERO, rows: 1 } });

    expect(await theImport(other)).toMatchObject({ status: 'running', rows: 0, finished_at: null });
    expect(await issues(other)).toEqual([]);
  });
});
