import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importAppointmentsCsv } from '../../src/appointments/importAppointments.js';
import { CsvImportError } from '../../src/csv/csvImportError.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-27T07:00:00Z');
const fixture = (name: string) => createReadStream(new URL(`../fixtures/csv/${name}`, import.meta.url));
const csv = (text: string) => Readable.from([Buffer.from(text)]);

describe('importAppointmentsCsv', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`truncate appointments, contacts cascade`;
  });

  const appointments = () => db.sql`
    select a.external_id, c.phone, a.starts_at, a.status, a.timezone, a.attributes
    from appointments a join contacts c on c.id = a.contact_id
    order by a.external_id`;

  it('stores appointments with their time, status, zone and attribute columns, creating contacts without consent', async () => {
    const report = await importAppointmentsCsv(db.sql, fixture('appointments.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({
      rows: 3,
      inserted: 3,
      updated: 0,
      rejected: 0,
      warned: 0,
      repeated: 0,
      errors: [],
      warnings: [],
      repeats: [],
    });
    expect(await appointments()).toEqual([
      {
        external_id: 'A-1',
        phone: '79990010001',
        starts_at: new Date('2026-12-01T07:00:00Z'),
        status: 'booked',
        timezone: 'Europe/Moscow',
        attributes: { doctor: 'Dr. House', room: '12' },
      },
      {
        external_id: 'A-2',
        phone: '79990010002',
        starts_at: new Date('2026-12-02T15:30:00Z'),
        status: 'booked',
        timezone: null,
        attributes: { doctor: 'Dr. Wilson' },
      },
      {
        external_id: 'A-3',
        phone: '79990010003',
        starts_at: new Date('2026-12-03T04:00:00Z'),
        status: 'cancelled',
        timezone: 'Asia/Almaty',
        attributes: { doctor: 'Dr. Cuddy', room: '3' },
      },
    ]);
    const contacts = await db.sql`select phone, name, opted_in_at from contacts order by phone`;
    expect(contacts).toEqual([
      { phone: '79990010001', name: 'Anna', opted_in_at: null },
      { phone: '79990010002', name: null, opted_in_at: null },
      { phone: '79990010003', name: null, opted_in_at: null },
    ]);
  });

  it('reports each bad row with its line and column, and a repeated external id takes the later row', async () => {
    const report = await importAppointmentsCsv(db.sql, fixture('appointments-bad.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({
      rows: 8,
      inserted: 1,
      updated: 1,
      rejected: 6,
      repeated: 1,
      repeats: [{ line: 9, key: 'B-1', earlierLine: 2 }],
      repeatRule: "the later row wins; what it leaves empty keeps the earlier row's value",
      errorsTruncated: false,
      errors: [
        { line: 3, column: 'external_id', reason: 'the external id is empty' },
        {
          line: 4,
          column: 'phone',
          value: '123',
          reason: 'not a phone number: as a number of Russia (+7) it has too few digits (+7 123)',
        },
        {
          line: 5,
          column: 'starts_at',
          value: '2026-12-01 10:00',
          reason: 'not an ISO time such as 2026-12-01T10:00:00+03:00',
        },
        {
          line: 6,
          column: 'starts_at',
          value: '2026-12-01T10:00:00',
          reason: 'the time needs its UTC offset, e.g. 2026-12-01T10:00:00+03:00',
        },
        {
          line: 7,
          column: 'status',
          value: 'postponed',
          reason: 'expected one of booked, cancelled, rescheduled',
        },
        {
          line: 8,
          column: 'starts_at',
          value: '2026-02-30T10:00:00Z',
          reason: 'not an ISO time such as 2026-12-01T10:00:00+03:00',
        },
      ],
    });
    expect(await appointments()).toMatchObject([
      { external_id: 'B-1', starts_at: new Date('2026-12-01T08:00:00Z'), status: 'rescheduled' },
    ]);
  });

  it('keeps the stored status, zone and attributes when a re-import leaves them empty', async () => {
    await importAppointmentsCsv(db.sql, fixture('appointments.csv'), { now: NOW, phoneRegion: 'RU' });

    const report = await importAppointmentsCsv(
      db.sql,
      csv(
        'external_id,phone,starts_at,status,timezone,doctor\nA-3,79990010003,2026-12-03T09:00:00+05:00,,,\n',
      ),
      { now: NOW, phoneRegion: 'RU' },
    );

    expect(report).toMatchObject({ rows: 1, inserted: 0, updated: 1 });
    expect((await appointments()).find((a) => a.external_id === 'A-3')).toMatchObject({
      status: 'cancelled',
      timezone: 'Asia/Almaty',
      attributes: { doctor: 'Dr. Cuddy', room: '3' },
    });
  });

  it('rejects a value upsertAppointments would refuse on its row alone, not the batch', async () => {
    const text = `external_id,phone,starts_at\n${'X'.repeat(201)},79990010001,2026-12-01T10:00:00Z\nOK,79990010002,2026-12-01T10:00:00Z\n`;

    const report = await importAppointmentsCsv(db.sql, csv(text), { now: NOW, phoneRegion: 'RU' });

    expect(report).toMatchObject({ rows: 2, inserted: 1, rejected: 1 });
    expect(report.errors).toEqual([
      {
        line: 2,
        column: 'external_id',
        value: `${'X'.repeat(99)}…`,
        reason: 'externalId is longer than 200 characters',
      },
    ]);
  });

  it('imports in batches, reporting progress after each', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => `E-${i},7999001100${i},2026-12-01T10:00:00Z`);
    const progress: number[] = [];

    const report = await importAppointmentsCsv(
      db.sql,
      csv(`external_id,phone,starts_at\n${rows.join('\n')}\n`),
      {
        now: NOW,
        phoneRegion: 'RU',
        batchSize: 2,
        onProgress: (p) => progress.push(p.rows),
      },
    );

    expect(report).toMatchObject({ rows: 5, inserted: 5 });
    expect(progress).toEqual([2, 4, 5]);
    expect(await appointments()).toHaveLength(5);
  });

  it('refuses a file without a starts_at column, naming it', async () => {
    const error = await importAppointmentsCsv(db.sql, fixture('appointments-no-starts-at.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CsvImportError);
    expect(error).toMatchObject({ code: 'csv_missing_column', line: 1, column: 'starts_at' });
    expect(await appointments()).toEqual([]);
  });

  it("reads Russian headers (Номер записи, Телефон, Начало, Статус), sharing the contacts import's aliases", async () => {
    const report = await importAppointmentsCsv(
      db.sql,
      csv(
        'Номер записи,Телефон,Начало,Статус,Врач\nR-1,+7 999 001 00 77,2026-12-01T10:00:00+03:00,booked,Иванова\n',
      ),
      { now: NOW, phoneRegion: 'RU' },
    );

    expect(report).toMatchObject({ rows: 1, inserted: 1, rejected: 0 });
    expect(await appointments()).toEqual([
      {
        external_id: 'R-1',
        phone: '79990010077',
        starts_at: new Date('2026-12-01T07:00:00Z'),
        status: 'booked',
        timezone: null,
        attributes: { Врач: 'Иванова' },
      },
    ]);
  });
});
