import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import type { Sql } from '../../src/db/database.js';
import type { Logger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

export interface CampaignSeed {
  kind?: 'broadcast' | 'reminder';
  status?: 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
  transport?: string;
  channelId?: number | null;
  listId?: number | null;
  scheduleAt?: Date | null;
  scheduleCron?: string | null;
  timezone?: string | null;
  nextRunAt?: Date | null;
  purpose?: 'marketing' | 'transactional';
  /** The document as written (campaigns.definition); default {}. */
  definition?: Record<string, unknown>;
}

/** A campaign row as the campaigns module would store it; defaults: a scheduled WhatsApp broadcast. */
export async function insertCampaign(sql: Sql, seed: CampaignSeed = {}): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into campaigns (
      name, kind, status, transport, channel_id, definition, template_source, list_id,
      schedule_at, schedule_cron, timezone, next_run_at, purpose)
    values (
      ${'test campaign'}, ${seed.kind ?? 'broadcast'}, ${seed.status ?? 'scheduled'},
      ${seed.transport ?? 'whatsapp'}, ${seed.channelId === undefined ? 7 : seed.channelId},
      ${sql.json((seed.definition ?? {}) as never)}, ${'Hi {{name}}'}, ${seed.listId ?? null},
      ${seed.scheduleAt ?? null}, ${seed.scheduleCron ?? null}, ${seed.timezone ?? null},
      ${seed.nextRunAt === undefined ? (seed.scheduleAt ?? null) : seed.nextRunAt},
      ${seed.purpose ?? 'marketing'})
    returning id`;
  return row!.id;
}

export async function insertRun(
  sql: Sql,
  campaignId: number,
  scheduledFor: Date,
  status: 'pending' | 'expanding' | 'running' | 'completed' | 'cancelled' = 'pending',
): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for, status)
    values (${campaignId}, ${scheduledFor}, ${status})
    returning id`;
  return row!.id;
}

export interface ContactSeed {
  phone: string;
  opted_in_at: Date | null;
  opted_out_at: Date | null;
}

export async function insertContacts(sql: Sql, contacts: ContactSeed[]): Promise<number[]> {
  if (contacts.length === 0) return [];
  const rows = await sql<{ id: number }[]>`
    insert into contacts ${sql(contacts, 'phone', 'opted_in_at', 'opted_out_at')}
    returning id`;
  return rows.map((row) => row.id);
}

export async function insertList(sql: Sql, name: string, contactIds: number[]): Promise<number> {
  const [list] = await sql<{ id: number }[]>`insert into lists (name) values (${name}) returning id`;
  await sql`
    insert into list_members (list_id, contact_id)
    select ${list!.id}, unnest(${contactIds}::int[])`;
  return list!.id;
}

/** A logger whose JSON lines the test can read back. */
export function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** The database of the test running now; `sql` is readable from the test's first hook on. */
export interface PerTestDatabase {
  readonly sql: Sql;
}

/** A fresh test database for each test of this file: made before it, dropped after it. */
export function useTestDatabasePerTest(): PerTestDatabase {
  let db: TestDatabase | undefined;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });
  return {
    get sql(): Sql {
      if (!db) throw new Error('the test database is made in beforeEach: read it inside a hook or a test');
      return db.sql;
    },
  };
}
