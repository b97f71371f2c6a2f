import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteImport,
  getImport,
  ImportNotFoundError,
  listImportIssues,
  listImports,
  rejectedRowsCsv,
} from '../../src/contacts/importQueries.js';
import {
  finishImport,
  recordImportBatch,
  recordImportHeader,
  startImport,
} from '../../src/contacts/importRecord.js';
import type { ImportCounts } from '../../src/contacts/importReport.js';
import { BroadcasterError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';

const COUNTS: ImportCounts = {
  rows: 3,
  inserted: 1,
  updated: 0,
  rejected: 2,
  warned: 1,
  repeated: 0,
  consentWithdrawn: 0,
};

let db: TestDatabase;
/** Three imports: a contacts import with problems, an appointments import, a contacts import running. */
let withProblems: number;
let appointments: number;
let running: number;

beforeAll(async () => {
  db = await createTestDatabase();
  withProblems = await startImport(db.sql, {
    kind: 'contacts',
    source: 'clients.csv',
    listName: 'vip',
    now: START,
  });
  await recordImportHeader(db.sql, withProblems, ['phone', 'name, full']);
  await recordImportBatch(db.sql, withProblems, {
    issues: [
      { line: 4, kind: 'rejected', column: 'phone', value: '12', reason: 'not a phone number' },
      { line: 2, kind: 'warning', column: 'name, full', value: 'x', reason: 'left out' },
      { line: 3, kind: 'rejected', reason: 'the line cannot be read' },
    ],
    rejectedRows: [
      { line: 4, cells: ['12', 'Ann "the" Smith'], reason: 'phone: not a phone number' },
      { line: 3, cells: [], reason: 'the line cannot be read' },
    ],
    counts: COUNTS,
  });
  await finishImport(db.sql, withProblems, { now: new Date(START.getTime() + 1_000), counts: COUNTS });
  appointments = await startImport(db.sql, {
    kind: 'appointments',
    source: 'api',
    listName: undefined,
    now: START,
  });
  running = await startImport(db.sql, {
    kind: 'contacts',
    source: undefined,
    listName: undefined,
    now: START,
  });
});
afterAll(async () => {
  await db.drop();
});

async function csvOf(importId: number): Promise<string> {
  let text = '';
  for await (const chunk of rejectedRowsCsv(db.sql, importId)) text += chunk;
  return text;
}

describe('getImport', () => {
  it('returns the record with its counts, header and times', async () => {
    expect(await getImport(db.sql, withProblems)).toEqual({
      id: withProblems,
      kind: 'contacts',
      source: 'clients.csv',
      listName: 'vip',
      status: 'completed',
      error: null,
      header: ['phone', 'name, full'],
      ...COUNTS,
      startedAt: START,
      finishedAt: new Date(START.getTime() + 1_000),
    });
  });

  it('refuses an id that does not exist, naming it', async () => {
    const error = await getImport(db.sql, 987_654).catch((e) => e);

    expect(error).toBeInstanceOf(ImportNotFoundError);
    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error.code).toBe('import_not_found');
    expect(error.message).toBe('import 987654 does not exist');
    expect(error.details).toEqual({ importId: 987_654 });
  });
});

describe('listImports', () => {
  it('lists the most recent first, a page at a time, with the total', async () => {
    const first = await listImports(db.sql, { limit: 2, offset: 0 });
    const second = await listImports(db.sql, { limit: 2, offset: 2 });

    expect(first.items.map((i) => i.id)).toEqual([running, appointments]);
    expect(second.items.map((i) => i.id)).toEqual([withProblems]);
    expect(first.total).toBe(3);
    expect(second.total).toBe(3);
  });

  it('lists one kind, counting only that kind', async () => {
    const page = await listImports(db.sql, { limit: 10, offset: 0, kind: 'appointments' });

    expect(page).toMatchObject({
      total: 1,
      items: [{ id: appointments, status: 'running', finishedAt: null }],
    });
  });
});

describe('listImportIssues', () => {
  it('lists an import’s problems in line order, optionally of one kind', async () => {
    const all = await listImportIssues(db.sql, withProblems, { limit: 10, offset: 0 });
    const rejected = await listImportIssues(db.sql, withProblems, { limit: 1, offset: 1, kind: 'rejected' });

    expect(all.items).toEqual([
      { line: 2, kind: 'warning', column: 'name, full', value: 'x', reason: 'left out' },
      { line: 3, kind: 'rejected', column: null, value: null, reason: 'the line cannot be read' },
      { line: 4, kind: 'rejected', column: 'phone', value: '12', reason: 'not a phone number' },
    ]);
    expect(all.total).toBe(3);
    expect(rejected).toEqual({ items: [all.items[2]], total: 2 });
  });

  it('says when the import does not exist rather than listing nothing', async () => {
    await expect(listImportIssues(db.sql, 987_654, { limit: 10, offset: 0 })).rejects.toBeInstanceOf(
      ImportNotFoundError,
    );
    expect(await listImportIssues(db.sql, running, { limit: 10, offset: 0 })).toEqual({
      items: [],
      total: 0,
    });
  });
});

describe('rejectedRowsCsv', () => {
  it('writes the rejected rows in line order after the file’s own header, quoted as CSV needs', async () => {
    expect(await csvOf(withProblems)).toBe(
      'rejected_line,rejected_reason,phone,"name, full"\r\n' +
        '3,the line cannot be read\r\n' +
        '4,phone: not a phone number,12,"Ann ""the"" Smith"\r\n',
    );
  });

  it('reads past a page of a thousand rows', async () => {
    await db.sql`
      insert into import_rejected_rows (import_id, line, cells, reason)
      select ${running}, line, array['x' || line], 'bad' from generate_series(2, 2502) as line`;

    const lines = (await csvOf(running)).trimEnd().split('\r\n');

    expect(lines).toHaveLength(2502);
    expect(lines[0]).toBe('rejected_line,rejected_reason');
    expect(lines[1]).toBe('2,bad,x2');
    expect(lines.at(-1)).toBe('2502,bad,x2502');
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('refuses an import that does not exist', async () => {
    await expect(csvOf(987_654)).rejects.toBeInstanceOf(ImportNotFoundError);
  });
});

describe('deleteImport', () => {
  it('deletes the record with its problems and rejected rows, and refuses a second time', async () => {
    await deleteImport(db.sql, withProblems);

    await expect(getImport(db.sql, withProblems)).rejects.toBeInstanceOf(ImportNotFoundError);
    const [left] = await db.sql<{ n: number }[]>`
      select (select count(*) from import_issues where import_id = ${withProblems})
           + (select count(*) from import_rejected_rows where import_id = ${withProblems}) as n`;
    expect(Number(left!.n)).toBe(0);
    await expect(deleteImport(db.sql, withProblems)).rejects.toThrow(`import ${withProblems} does not exist`);
  });
});
