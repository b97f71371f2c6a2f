import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importAppointmentsCsv } from '../../src/appointments/importAppointments.js';
import { CsvImportError } from '../../src/csv/csvImportError.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-27T07:00:00Z');
const fixture = (name: string) => createReadStream(new URL(`../fixtures/csv/${name}`, import.meta.url));
const csv = (text: string) => Readable.from([Buffer.from(text)]);
const noZone = (text: string) =>
  `${text} has no UTC offset and no time zone is known for it: add an offset (e.g. 2026-12-05T15:30:00+03:00), ` +
  "a timezone column, or a time zone for the whole import (--timezone; the API's ?timezone=)";

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

  it('reports each bad row with its line and column, and rejects a repeated external id naming the earlier line', async () => {
    const report = await importAppointmentsCsv(db.sql, fixture('appointments-bad.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({
      rows: 8,
      inserted: 1,
      updated: 0,
      rejected: 7,
      repeated: 0,
      repeats: [],
      repeatRule: 'the later row is rejected, naming the earlier line',
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
          line: 7,
          column: 'status',
          value: 'postponed',
          reason: 'expected one of booked, cancelled, rescheduled',
        },
        {
          line: 8,
          column: 'starts_at',
          value: '2026-02-30T10:00:00Z',
          reason:
            '"2026-02-30T10:00:00Z" is not a day of the calendar; expected an ISO time such as 2026-12-01T10:00:00+03:00',
        },
        {
          line: 9,
          column: 'external_id',
          value: 'B-1',
          reason: 'external_id B-1 repeats line 2 of this file',
        },
        // Times without an offset, and no zone for them: rejected once the contacts' zones are known.
        { line: 5, column: 'starts_at', value: '2026-12-01 10:00', reason: noZone('2026-12-01 10:00') },
        { line: 6, column: 'starts_at', value: '2026-12-01T10:00:00', reason: noZone('2026-12-01T10:00:00') },
      ],
    });
    expect(await appointments()).toMatchObject([
      { external_id: 'B-1', starts_at: new Date('2026-12-01T07:00:00Z'), status: 'booked' },
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

  it('rejects a repeated external_id in a later batch too, naming the earlier line, and keeps the first row', async () => {
    const text =
      'external_id,phone,starts_at\nA-17,79990010001,2026-12-01T10:00:00Z\nB,79990010002,2026-12-01T10:00:00Z\n' +
      'C,79990010003,2026-12-01T10:00:00Z\nA-17,79990010001,2026-12-02T10:00:00Z\n';

    const report = await importAppointmentsCsv(db.sql, csv(text), {
      now: NOW,
      phoneRegion: 'RU',
      batchSize: 2,
    });

    expect(report).toMatchObject({ rows: 4, inserted: 3, rejected: 1, repeated: 0 });
    expect(report.errors).toEqual([
      {
        line: 5,
        column: 'external_id',
        value: 'A-17',
        reason: 'external_id A-17 repeats line 2 of this file',
      },
    ]);
    expect((await appointments()).find((a) => a.external_id === 'A-17')?.starts_at).toEqual(
      new Date('2026-12-01T10:00:00Z'),
    );
  });

  it("reads a time without an offset in the row's zone, else the contact's stored zone, else the import's, and rejects it with none", async () => {
    await db.sql`insert into contacts (phone, timezone) values ('79990010002', 'Asia/Almaty')`;
    const text = [
      'external_id,phone,starts_at,timezone',
      'row,79990010001,2026-12-05T15:30:00,Asia/Vladivostok',
      'contact,79990010002,05.12.2026 15:30,',
      'import,79990010003,2026-12-05T15:30:00,',
      'offset,79990010004,2026-12-05T15:30:00+03:00,',
    ].join('\n');

    const report = await importAppointmentsCsv(db.sql, csv(text), {
      now: NOW,
      phoneRegion: 'RU',
      timezone: 'Europe/Moscow',
    });
    const without = await importAppointmentsCsv(
      db.sql,
      csv(text.replace(/row|contact|import|offset/g, '$&-2')),
      {
        now: NOW,
        phoneRegion: 'RU',
      },
    );

    expect(report).toMatchObject({ inserted: 4, rejected: 0 });
    const stored = Object.fromEntries(
      (await appointments()).map((a) => [a.external_id, [a.starts_at, a.timezone]]),
    );
    expect(stored).toMatchObject({
      row: [new Date('2026-12-05T05:30:00Z'), 'Asia/Vladivostok'],
      contact: [new Date('2026-12-05T10:30:00Z'), null],
      // The import's zone is kept as the appointment's: its reminder shows 15:30.
      import: [new Date('2026-12-05T12:30:00Z'), 'Europe/Moscow'],
      offset: [new Date('2026-12-05T12:30:00Z'), null],
    });
    expect(without).toMatchObject({ inserted: 3, rejected: 1 });
    expect(without.errors).toEqual([
      { line: 4, column: 'starts_at', value: '2026-12-05T15:30:00', reason: noZone('2026-12-05T15:30:00') },
    ]);
  });

  it('reads a time the clocks skip with the offset from before the change, and one shown twice at its first occurrence', async () => {
    const text = [
      'external_id,phone,starts_at,timezone',
      'gap,79990010001,2026-03-08T02:30:00,America/New_York',
      'twice,79990010002,2026-11-01T01:30:00,America/New_York',
    ].join('\n');

    await importAppointmentsCsv(db.sql, csv(text), { now: NOW, phoneRegion: 'RU' });

    const stored = Object.fromEntries((await appointments()).map((a) => [a.external_id, a.starts_at]));
    expect(stored).toEqual({
      gap: new Date('2026-03-08T07:30:00Z'), // 02:30 EST, i.e. 03:30 EDT
      twice: new Date('2026-11-01T05:30:00Z'), // 01:30 EDT, the first of the two
    });
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
