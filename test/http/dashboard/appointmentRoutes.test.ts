import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAppointments } from '../../../src/appointments/appointments.js';
import { createCampaign } from '../../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../../src/campaigns/definition.js';
import { publishCampaign } from '../../../src/campaigns/lifecycle.js';
import { ManualClock } from '../../../src/clock.js';
import { shiftDay, startOfDay } from '../../../src/http/dashboard/appointmentRoutes.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startDashboardServer } from '../apiServer.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const clock = new ManualClock('2026-11-27T07:00:00.000Z');
let db: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
let appointmentId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ app, url: baseUrl } = await startDashboardServer({
    sql: db.sql,
    clock,
    apiToken: undefined,
    editor: { db, templatesDir: join(ROOT, 'templates'), phoneRegion: 'RU' },
  }));
  const definition = validateCampaignDefinition(
    {
      name: 'Visit reminders',
      kind: 'reminder',
      transport: 'viber',
      template: 'See you at {{formatDate appointment.startsAt "HH:mm"}}',
      offsets: ['-24h', '-2h'],
      draft: true,
    },
    { now: clock.now() },
  );
  const campaign = await createCampaign(db, definition, {
    now: clock.now(),
    templatesDir: join(ROOT, 'templates'),
  });
  await publishCampaign(db.sql, campaign.id, { now: clock.now() });
  const [booked] = await upsertAppointments(
    db.sql,
    [
      {
        externalId: 'V-1',
        phone: '79161234567',
        startsAt: new Date('2026-11-29T12:00:00Z'),
        attributes: { doctor: 'Иванова' },
      },
    ],
    { now: clock.now() },
  );
  appointmentId = booked!.id;
  // Moved to the next day: the first reminders are skipped `rescheduled`, new ones planned.
  await upsertAppointments(
    db.sql,
    [{ externalId: 'V-1', phone: '79161234567', startsAt: new Date('2026-11-30T12:00:00Z') }],
    {
      now: clock.now(),
    },
  );
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${baseUrl}${path}`, { headers });

describe('the appointments pages', () => {
  it('list a day’s appointments in the viewer’s zone, with their reminders at a glance', async () => {
    const moscow = { cookie: 'broadcaster_tz=Europe%2FMoscow' };
    const day = await (await get('/appointments?day=2026-11-30', moscow)).text();
    expect(day).toContain('<a href="/appointments/1">V-1</a>');
    expect(day).toContain('>2026-11-30 15:00</time>');
    expect(day).toContain('1 appointment');
    expect(day).toContain('href="/appointments?day=2026-11-29"');
    expect(await (await get('/appointments?day=2026-11-29', moscow)).text()).toContain(
      'No appointment starts on this day.',
    );
  });

  it('show an appointment’s timeline after a reschedule: each reminder’s offset, planned time, state, reason and what moved it', async () => {
    const page = await (await get(`/appointments/${appointmentId}`)).text();
    expect(page).toContain('Appointment V-1');
    expect(page).toContain('<dt>doctor</dt><dd>Иванова</dd>');
    const rows = [...page.matchAll(/<tr data-reminder="\d+" data-state="(\w+)">([\s\S]*?)<\/tr>/g)].map(
      (m) => ({
        state: m[1],
        offset: /<td class="mono">([^<]+)<\/td>/.exec(m[2]!)![1],
        planned: /<time datetime="([^"]+)"/.exec(m[2]!)![1],
        reason: /<span class="mono">(\w+)<\/span>/.exec(m[2]!)?.[1] ?? null,
      }),
    );
    // A reschedule moves each pending reminder to the new time, in place: it waits, reason rescheduled.
    expect(rows).toEqual([
      { state: 'waiting', offset: '-24h', planned: '2026-11-29T12:00:00.000Z', reason: 'rescheduled' },
      { state: 'waiting', offset: '-2h', planned: '2026-11-30T10:00:00.000Z', reason: 'rescheduled' },
    ]);
    // And says what it did: from which planned time to which.
    const events = [...page.matchAll(/<tr class="event" data-event-of="\d+">([\s\S]*?)<\/tr>/g)].map((m) =>
      m[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    expect(events).toEqual([
      '2026-11-27 07:00 · queued → waiting · rescheduled · moved from 2026-11-28 12:00 to 2026-11-29 12:00',
      '2026-11-27 07:00 · queued → waiting · rescheduled · moved from 2026-11-29 10:00 to 2026-11-30 10:00',
    ]);
  });

  it('answer 404 for an appointment there is none of and 400 for a day that is no date', async () => {
    expect((await get('/appointments/99999')).status).toBe(404);
    expect((await get('/appointments?day=2026-02-30')).status).toBe(400);
    expect((await get('/appointments?day=tomorrow')).status).toBe(400);
  });
});

describe('startOfDay and shiftDay', () => {
  it('find a day’s first instant in a zone, across a clock change, and step days by the calendar', () => {
    expect(startOfDay('2026-11-30', 'Europe/Moscow').toISOString()).toBe('2026-11-29T21:00:00.000Z');
    // Santiago skips midnight on its spring-forward day: the day starts at 01:00.
    expect(startOfDay('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(shiftDay('2026-12-31', 1)).toBe('2027-01-01');
    expect(shiftDay('2026-03-01', -1)).toBe('2026-02-28');
  });
});
