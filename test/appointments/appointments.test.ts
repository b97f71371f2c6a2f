import { describe, expect, it } from 'vitest';
import {
  AppointmentInputError,
  cancelAppointment,
  getAppointment,
  getAppointmentByExternalId,
  listAppointments,
  upsertAppointments,
} from '../../src/appointments/appointments.js';
import { fileTestDatabase } from './seedReminders.js';

const db = fileTestDatabase(['appointments', 'contacts']);

const now = new Date('2026-11-27T07:00:00.000Z');
const inHours = (hours: number) => new Date(now.getTime() + hours * 3_600_000);

describe('upsertAppointments', () => {
  it('creates the appointment and, for an unknown phone, a contact without consent', async () => {
    const [result] = await upsertAppointments(
      db.sql,
      [
        {
          externalId: 'A-1',
          phone: '79990001122',
          startsAt: inHours(30),
          timezone: 'Europe/Moscow',
          attributes: { doctor: 'Dr. Ivanov' },
          contactName: 'Анна Петрова',
        },
      ],
      { now },
    );

    expect(result).toMatchObject({ externalId: 'A-1', created: true });
    const [contact] = await db.sql`select id, phone, name, opted_in_at from contacts`;
    expect(contact).toMatchObject({ phone: '79990001122', name: 'Анна Петрова', opted_in_at: null });
    expect(result?.contactId).toBe(contact?.id);
    expect(await getAppointment(db, result!.id)).toEqual({
      id: result!.id,
      externalId: 'A-1',
      contactId: contact!.id,
      phone: '79990001122',
      startsAt: inHours(30),
      timezone: 'Europe/Moscow',
      status: 'booked',
      attributes: { doctor: 'Dr. Ivanov' },
      createdAt: now,
      updatedAt: now,
    });
  });

  it('uses the existing contact of a known phone, filling in its name only when it has none', async () => {
    await db.sql`insert into contacts (phone, name) values ('79990000001', 'Boris'), ('79990000002', null)`;

    await upsertAppointments(
      db.sql,
      [
        { externalId: 'A-1', phone: '79990000001', startsAt: inHours(5), contactName: 'Someone Else' },
        { externalId: 'A-2', phone: '79990000002', startsAt: inHours(6), contactName: 'Vera' },
      ],
      { now },
    );

    const contacts = await db.sql`select phone, name from contacts order by phone`;
    expect(contacts).toEqual([
      { phone: '79990000001', name: 'Boris' },
      { phone: '79990000002', name: 'Vera' },
    ]);
  });

  it('updates by external id on a re-import instead of duplicating, and says which were created', async () => {
    await upsertAppointments(db.sql, [{ externalId: 'A-1', phone: '79990000001', startsAt: inHours(5) }], {
      now,
    });

    const results = await upsertAppointments(
      db.sql,
      [
        { externalId: 'A-1', phone: '79990000001', startsAt: inHours(7), status: 'booked' },
        { externalId: 'A-2', phone: '79990000001', startsAt: inHours(8) },
      ],
      { now: inHours(1) },
    );

    expect(results.map((r) => [r.externalId, r.created])).toEqual([
      ['A-1', false],
      ['A-2', true],
    ]);
    const rows =
      await db.sql`select external_id, starts_at, updated_at from appointments order by external_id`;
    expect(rows).toEqual([
      { external_id: 'A-1', starts_at: inHours(7), updated_at: inHours(1) },
      { external_id: 'A-2', starts_at: inHours(8), updated_at: inHours(1) },
    ]);
    expect((await db.sql`select count(*)::int as n from contacts`)[0]?.n).toBe(1);
  });

  it('leaves an appointment that did not change untouched', async () => {
    const input = { externalId: 'A-1', phone: '79990000001', startsAt: inHours(5), attributes: { room: 3 } };
    await upsertAppointments(db.sql, [input], { now });

    const [again] = await upsertAppointments(db.sql, [input], { now: inHours(1) });

    expect(again?.created).toBe(false);
    expect((await getAppointmentByExternalId(db, 'A-1'))?.updatedAt).toEqual(now);
  });

  it('keeps what an update leaves out, and marks an active appointment whose time changed as rescheduled', async () => {
    await upsertAppointments(
      db.sql,
      [
        {
          externalId: 'A-1',
          phone: '79990000001',
          startsAt: inHours(5),
          timezone: 'Asia/Almaty',
          attributes: { room: 3 },
        },
      ],
      { now },
    );

    await upsertAppointments(db.sql, [{ externalId: 'A-1', phone: '79990000001', startsAt: inHours(9) }], {
      now,
    });

    expect(await getAppointmentByExternalId(db, 'A-1')).toMatchObject({
      startsAt: inHours(9),
      timezone: 'Asia/Almaty',
      status: 'rescheduled',
      attributes: { room: 3 },
    });
  });

  it('counts a repeated external id once in a batch, its last occurrence winning', async () => {
    const results = await upsertAppointments(
      db.sql,
      [
        { externalId: 'A-1', phone: '79990000001', startsAt: inHours(5) },
        { externalId: 'A-2', phone: '79990000001', startsAt: inHours(6) },
        { externalId: 'A-1', phone: '79990000001', startsAt: inHours(7) },
      ],
      { now },
    );

    expect(results.map((r) => r.externalId)).toEqual(['A-1', 'A-2']);
    expect((await getAppointmentByExternalId(db, 'A-1'))?.startsAt).toEqual(inHours(7));
  });

  it('refuses a batch with invalid appointments, naming each problem, and stores none of it', async () => {
    const error = await upsertAppointments(
      db.sql,
      [
        { externalId: 'ok', phone: '79990000001', startsAt: inHours(5) },
        { externalId: '', phone: '+7 999', startsAt: new Date('nope'), timezone: 'Mars/Olympus' },
      ],
      { now },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AppointmentInputError);
    expect((error as AppointmentInputError).issues.map((i) => [i.index, i.field])).toEqual([
      [1, 'externalId'],
      [1, 'phone'],
      [1, 'startsAt'],
      [1, 'timezone'],
    ]);
    expect((error as AppointmentInputError).code).toBe('appointment_invalid');
    expect((await db.sql`select count(*)::int as n from appointments`)[0]?.n).toBe(0);
  });

  it('stores a thousand appointments in one call', async () => {
    const inputs = Array.from({ length: 1000 }, (_, i) => ({
      externalId: `bulk-${i}`,
      phone: String(79_000_000_000 + (i % 400)),
      startsAt: inHours(24 + (i % 48)),
    }));

    const results = await upsertAppointments(db.sql, inputs, { now });

    expect(results).toHaveLength(1000);
    expect(results.every((r) => r.created)).toBe(true);
    expect((await db.sql`select count(*)::int as n from contacts`)[0]?.n).toBe(400);
  });
});

describe('reading and cancelling appointments', () => {
  it('lists appointments in start order with filters and the total', async () => {
    const [first] = await upsertAppointments(
      db.sql,
      [
        { externalId: 'A-3', phone: '79990000001', startsAt: inHours(30) },
        { externalId: 'A-1', phone: '79990000001', startsAt: inHours(10) },
        { externalId: 'A-2', phone: '79990000002', startsAt: inHours(20), status: 'cancelled' },
      ],
      { now },
    );

    const all = await listAppointments(db, { limit: 2, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items.map((a) => a.externalId)).toEqual(['A-1', 'A-2']);
    const ofContact = await listAppointments(db, { contactId: first!.contactId, limit: 10, offset: 0 });
    expect(ofContact.items.map((a) => a.externalId)).toEqual(['A-1', 'A-3']);
    const cancelled = await listAppointments(db, { status: 'cancelled', limit: 10, offset: 0 });
    expect(cancelled).toMatchObject({ total: 1, items: [{ externalId: 'A-2' }] });
    const window = await listAppointments(db, {
      from: inHours(10),
      to: inHours(30),
      limit: 10,
      offset: 0,
    });
    expect(window.items.map((a) => a.externalId)).toEqual(['A-1', 'A-2']);
    expect(await getAppointmentByExternalId(db, 'nope')).toBeUndefined();
  });

  it('cancels an appointment, and cancelling it again changes nothing', async () => {
    const [booked] = await upsertAppointments(
      db.sql,
      [{ externalId: 'A-1', phone: '79990000001', startsAt: inHours(5) }],
      { now },
    );

    expect(await cancelAppointment(db, booked!.id, { now: inHours(1) })).toMatchObject({
      status: 'cancelled',
      updatedAt: inHours(1),
    });
    expect(await cancelAppointment(db, booked!.id, { now: inHours(2) })).toMatchObject({
      status: 'cancelled',
      updatedAt: inHours(1),
    });
    expect(await cancelAppointment(db, 999_999, { now })).toBeUndefined();
  });
});
