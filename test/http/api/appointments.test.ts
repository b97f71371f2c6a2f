import { beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, useApiServerOnTestDatabase } from '../apiServer.js';

const { db, server } = useApiServerOnTestDatabase();
let reminderCampaignId: number;

beforeAll(async () => {
  const campaign = await server.call<{ id: number; status: string }>('POST', '/api/v1/campaigns', {
    json: {
      name: 'Day-before reminder',
      kind: 'reminder',
      transport: 'sms',
      template: 'See you on {{formatDate appointment.startsAt "d MMMM"}}, {{appointment.doctor}}',
      offsets: ['-24h'],
      requireOptIn: false,
    },
  });
  expect(campaign.body.status).toBe('running');
  reminderCampaignId = campaign.body.id;
});

interface Appointment {
  id: number;
  externalId: string;
  contactId: number;
  phone: string;
  startsAt: string;
  status: string;
  attributes: Record<string, unknown>;
}
interface ErrorAnswer {
  error: { code: string; message: string; details: Record<string, unknown> & { issues?: unknown[] } };
}

async function reminders(appointmentId: number) {
  return db.sql<{ state: string; reason: string | null; due_at: Date }[]>`
    select state, reason, due_at from deliveries
    where appointment_id = ${appointmentId} and campaign_id = ${reminderCampaignId}`;
}

describe('appointments', () => {
  it('creates an appointment, making its contact, and schedules its reminder', async () => {
    const answer = await server.call<Appointment>('POST', '/api/v1/appointments', {
      json: {
        externalId: 'visit-1',
        phone: '+7 999 700-00-01',
        startsAt: '2026-12-03T12:00:00+03:00',
        attributes: { doctor: 'Dr. Ivanova' },
        contactName: 'Pavel',
      },
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(`/api/v1/appointments/${answer.body.id}`);
    expect(answer.body).toMatchObject({
      externalId: 'visit-1',
      phone: '79997000001',
      startsAt: '2026-12-03T09:00:00.000Z',
      status: 'booked',
      attributes: { doctor: 'Dr. Ivanova' },
    });
    const [contact] =
      await db.sql`select name, opted_in_at from contacts where id = ${answer.body.contactId}`;
    expect(contact).toEqual({ name: 'Pavel', opted_in_at: null });
    expect(await reminders(answer.body.id)).toEqual([
      { state: 'queued', reason: null, due_at: new Date('2026-12-02T09:00:00Z') },
    ]);

    const read = await server.call<Appointment>('GET', `/api/v1/appointments/${answer.body.id}`);
    expect(read.body).toEqual(answer.body);
  });

  it('updates the appointment with the same externalId instead of duplicating it (200)', async () => {
    const first = await server.call<Appointment>('POST', '/api/v1/appointments', {
      json: { externalId: 'visit-2', phone: '79997000002', startsAt: '2026-12-04T10:00:00Z' },
    });
    const again = await server.call<Appointment>('POST', '/api/v1/appointments', {
      json: {
        externalId: 'visit-2',
        phone: '79997000002',
        startsAt: '2026-12-04T10:00:00Z',
        attributes: { room: 5 },
      },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, attributes: { room: 5 } });
  });

  it('reschedules through PATCH, moving the reminder, and cancels, skipping it', async () => {
    const created = await server.call<Appointment>('POST', '/api/v1/appointments', {
      json: { externalId: 'visit-3', phone: '79997000003', startsAt: '2026-12-05T10:00:00Z' },
    });
    const moved = await server.call<Appointment>('PATCH', `/api/v1/appointments/${created.body.id}`, {
      json: { startsAt: '2026-12-06T15:00:00Z' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ startsAt: '2026-12-06T15:00:00.000Z', status: 'rescheduled' });
    const pending = (await reminders(created.body.id)).filter((r) => ['queued', 'waiting'].includes(r.state));
    expect(pending.map((r) => r.due_at)).toEqual([new Date('2026-12-05T15:00:00Z')]);

    const cancelled = await server.call<Appointment>('PATCH', `/api/v1/appointments/${created.body.id}`, {
      json: { status: 'cancelled' },
    });
    expect(cancelled.body.status).toBe('cancelled');
    const after = await reminders(created.body.id);
    expect(after.filter((r) => ['queued', 'waiting'].includes(r.state))).toEqual([]);
    expect(after.some((r) => r.state === 'skipped')).toBe(true);
  });

  it('lists appointments in start order with filters and paging', async () => {
    const all = await server.call<{ items: Appointment[]; total: number }>(
      'GET',
      '/api/v1/appointments?limit=200',
    );
    expect(all.body.total).toBe(all.body.items.length);
    const starts = all.body.items.map((a) => a.startsAt);
    expect(starts).toEqual([...starts].sort());
    const cancelled = await server.call<{ items: Appointment[] }>(
      'GET',
      '/api/v1/appointments?status=cancelled',
    );
    expect(cancelled.body.items.map((a) => a.externalId)).toEqual(['visit-3']);
    const window = await server.call<{ items: Appointment[] }>(
      'GET',
      `/api/v1/appointments?from=${encodeURIComponent('2026-12-04T00:00:00Z')}&to=${encodeURIComponent('2026-12-05T00:00:00Z')}`,
    );
    expect(window.body.items.map((a) => a.externalId)).toEqual(['visit-2']);
  });

  it('refuses a start without an offset, a bad phone and an unknown status, at their fields', async () => {
    const noOffset = await server.call<ErrorAnswer>('POST', '/api/v1/appointments', {
      json: { externalId: 'bad-1', phone: '79997000009', startsAt: '2026-12-05T10:00:00' },
    });
    expect(noOffset.status).toBe(400);
    expect(noOffset.body.error.details.issues).toEqual([expect.objectContaining({ path: 'startsAt' })]);
    const badPhone = await server.call<ErrorAnswer>('POST', '/api/v1/appointments', {
      json: { externalId: 'bad-2', phone: '555', startsAt: '2026-12-05T10:00:00Z' },
    });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error.details.issues).toEqual([expect.objectContaining({ path: 'phone' })]);
    const badStatus = await server.call<ErrorAnswer>('PATCH', '/api/v1/appointments/1', {
      json: { status: 'gone' },
    });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.details.issues).toEqual([expect.objectContaining({ path: 'status' })]);
    const badZone = await server.call<ErrorAnswer>('PATCH', '/api/v1/appointments/1', {
      json: { timezone: 'Nowhere/City' },
    });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.details.issues).toEqual([expect.objectContaining({ path: 'timezone' })]);
  });

  it('answers 404 appointment_not_found for an appointment that does not exist', async () => {
    const read = await server.call<ErrorAnswer>('GET', '/api/v1/appointments/777777');
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('appointment_not_found');
    const patch = await server.call<ErrorAnswer>('PATCH', '/api/v1/appointments/777777', {
      json: { status: 'cancelled' },
    });
    expect(patch.status).toBe(404);
  });

  it('imports appointments from a streamed CSV and answers the report', async () => {
    const csv = [
      'external_id,phone,starts_at,status,doctor',
      'csv-1,79997100001,2026-12-10T09:00:00+03:00,booked,Dr. Smirnov',
      'csv-2,79997100002,tomorrow,booked,Dr. Smirnov',
    ].join('\n');
    const answer = await server.call<{ rows: number; inserted: number; rejected: number; errors: unknown[] }>(
      'POST',
      '/api/v1/appointments/import',
      { body: csv, contentType: 'text/csv' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ rows: 2, inserted: 1, rejected: 1 });
    expect(answer.body.errors).toEqual([expect.objectContaining({ line: 3, column: 'starts_at' })]);
    const imported = await server.call<{ items: Appointment[] }>('GET', '/api/v1/appointments?limit=200');
    expect(imported.body.items.find((a) => a.externalId === 'csv-1')?.attributes).toMatchObject({
      doctor: 'Dr. Smirnov',
    });
  });

  it('imports appointments from the file of a multipart/form-data form', async () => {
    const body = new FormData();
    const csv = 'external_id,phone,starts_at,status\nform-1,79997100003,2026-12-11T09:00:00+03:00,booked\n';
    body.append('file', new Blob([csv], { type: 'text/csv' }), 'appointments.csv');

    const response = await fetch(`${server.url}/api/v1/appointments/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}` },
      body,
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ rows: 1, inserted: 1, rejected: 0 });
  });

  it('reads offset-less times of an import in its timezone parameter, and refuses a zone it cannot read, naming it', async () => {
    const csv = 'external_id,phone,starts_at\ntz-1,79997200001,2026-12-11T09:00:00\n';
    const answer = await server.call<{ inserted: number; rejected: number }>(
      'POST',
      '/api/v1/appointments/import?timezone=Asia%2FYekaterinburg',
      { body: csv, contentType: 'text/csv' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ inserted: 1, rejected: 0 });
    const imported = await server.call<{ items: Appointment[] }>('GET', '/api/v1/appointments?limit=200');
    expect(imported.body.items.find((a) => a.externalId === 'tz-1')?.startsAt).toBe(
      '2026-12-11T04:00:00.000Z',
    );

    const refused = await server.call<ErrorAnswer>('POST', '/api/v1/appointments/import?timezone=Mars', {
      body: csv,
      contentType: 'text/csv',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/^invalid query: timezone: /);
  });
});
