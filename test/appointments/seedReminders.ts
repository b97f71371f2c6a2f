import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { activeReminderCampaigns, type ReminderCampaign } from '../../src/appointments/reminderCampaigns.js';
import { insertReminderDeliveries } from '../../src/appointments/sql/insertReminderDeliveries.js';
import { type CreatedCampaign, createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import type { Database } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const HOUR = 3_600_000;

/** The tests' "now". */
export const T = new Date('2026-11-27T07:00:00.000Z');

/** The time `hours` after T (before it, when negative). */
export const at = (hours: number): Date => new Date(T.getTime() + hours * HOUR);

/**
 * A test database of the file's own, created before all its tests and dropped after them, with `tables`
 * emptied (in that order) before each test. Read its fields inside hooks and tests only.
 */
export function fileTestDatabase(tables: readonly string[] = []): TestDatabase {
  let current: TestDatabase | undefined;
  const opened = (): TestDatabase => {
    if (!current) throw new Error('the test database is created in beforeAll; read it in a hook or test');
    return current;
  };
  beforeAll(async () => {
    current = await createTestDatabase();
  });
  afterAll(async () => {
    await current?.drop();
  });
  if (tables.length) {
    beforeEach(async () => {
      const { sql } = opened();
      for (const table of tables) await sql`delete from ${sql(table)}`;
    });
  }
  return {
    get name() {
      return opened().name;
    },
    get url() {
      return opened().url;
    },
    get sql() {
      return opened().sql;
    },
    get prisma() {
      return opened().prisma;
    },
    close: () => opened().close(),
    drop: () => opened().drop(),
  };
}

/** Creates a reminder campaign (SMS "See you", 24 h and 2 h before) with `overrides`, at `now`. */
export function createReminderCampaign(
  db: Database,
  overrides: Record<string, unknown> = {},
  now = T,
): Promise<CreatedCampaign> {
  const definition = validateCampaignDefinition(
    {
      name: 'Visit reminder',
      kind: 'reminder',
      transport: 'sms',
      template: 'See you',
      offsets: ['-24h', '-2h'],
      ...overrides,
    },
    { now },
  );
  return createCampaign(db, definition, { now, templatesDir: TEMPLATES });
}

/** Creates a reminder campaign as createReminderCampaign does, read back as the reminder SQL takes it. */
export async function seedReminderCampaign(
  db: Database,
  overrides: Record<string, unknown> = {},
): Promise<ReminderCampaign> {
  const { id } = await createReminderCampaign(db, overrides);
  const [campaign] = await activeReminderCampaigns(db.sql, { campaignId: id });
  return campaign!;
}

/** A reminder campaign seeded (with `overrides`) before all the file's tests; read `.campaign` in tests. */
export function seedReminderCampaignBeforeAll(
  db: Database,
  overrides: Record<string, unknown> = {},
): { readonly campaign: ReminderCampaign } {
  let campaign: ReminderCampaign | undefined;
  beforeAll(async () => {
    campaign = await seedReminderCampaign(db, overrides);
  });
  return {
    get campaign() {
      if (!campaign) throw new Error('the reminder campaign is seeded in beforeAll; read it in a test');
      return campaign;
    },
  };
}

/**
 * An appointment written straight to the table, its contact made (or found) by phone, so no reminder is
 * made for it on the way. Answers its id.
 */
export async function seedAppointment(
  db: Database,
  externalId: string,
  startsAt: Date,
  { phone = '79990000001', status = 'booked' }: { phone?: string; status?: string } = {},
): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`
    with c as (
      insert into contacts (phone) values (${phone})
      on conflict (phone) do update set phone = excluded.phone returning id)
    insert into appointments (external_id, contact_id, starts_at, status)
    select ${externalId}, c.id, ${startsAt}, ${status}::appointment_status from c returning id`;
  return row!.id;
}

/** Runs insertReminderDeliveries in a transaction of its own, answering what it counted. */
export function insertReminders(
  db: Database,
  campaigns: readonly ReminderCampaign[],
  appointments: readonly number[] | 'upcoming',
  now = T,
): Promise<{ queued: number; skipped: number }> {
  return db.sql.begin((tx) => insertReminderDeliveries(tx, { campaigns, appointments, now }));
}

/** An appointment written straight to the table (as seedAppointment does), then given its reminders of `campaign`. */
export async function seedAppointmentWithReminders(
  db: Database,
  campaign: ReminderCampaign,
  externalId: string,
  startsAt: Date,
  phone: string,
): Promise<number> {
  const id = await seedAppointment(db, externalId, startsAt, { phone });
  await insertReminders(db, [campaign], [id]);
  return id;
}
