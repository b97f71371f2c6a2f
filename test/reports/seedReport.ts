import { afterAll, beforeAll } from 'vitest';
import type { Sql } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** A campaign written straight into the tables, so a report test controls every timestamp. */
export async function insertCampaign(
  sql: Sql,
  campaign: { name: string; transport: string; kind?: 'broadcast' | 'reminder'; status?: string },
): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values (${campaign.name}, ${campaign.kind ?? 'broadcast'}, ${campaign.status ?? 'running'},
            ${campaign.transport}, 1, '{}', 'Hi')
    returning id`;
  return row!.id;
}

export async function insertRun(sql: Sql, campaignId: number, scheduledFor: string): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for, status) values (${campaignId}, ${scheduledFor}, 'running')
    returning id`;
  return row!.id;
}

export interface DeliveryRow {
  phone: string;
  name?: string | null;
  state: string;
  reason?: string | null;
  dueAt: string;
  sentAt?: string;
  deliveredAt?: string;
  readAt?: string;
  failedAt?: string;
  skippedAt?: string;
  transport?: string;
  channelId?: number | null;
  messageId?: number | string;
  attempts?: number;
}

/** One delivery (and its contact, made when the phone is new). */
export async function insertDelivery(
  sql: Sql,
  campaignId: number,
  runId: number,
  d: DeliveryRow,
): Promise<string> {
  const [contact] = await sql<{ id: number }[]>`
    insert into contacts (phone, name) values (${d.phone}, ${d.name ?? null})
    on conflict (phone) do update set name = excluded.name
    returning id`;
  const [row] = await sql<{ id: string }[]>`
    insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport,
                            channel_id, sent_at, delivered_at, read_at, failed_at, skipped_at, chat2desk_message_id, attempts)
    values (${runId}, ${campaignId}, ${contact!.id}, ${d.state}, ${d.reason ?? null}, ${d.dueAt}, ${d.dueAt},
            ${d.transport ?? 'viber'}, ${d.channelId === undefined ? 1 : d.channelId}, ${d.sentAt ?? null},
            ${d.deliveredAt ?? null}, ${d.readAt ?? null}, ${d.failedAt ?? null}, ${d.skippedAt ?? null},
            ${d.messageId ?? null}, ${d.attempts ?? 0})
    returning id`;
  return row!.id;
}

/** The database a test file shares; `sql` is readable from the file's first hook on. */
export interface FileTestDatabase {
  readonly sql: Sql;
}

/** A fresh test database for this file: made before its first test, dropped after its last. */
export function useTestDatabasePerFile(): FileTestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get sql(): Sql {
      if (!db) throw new Error('the test database is made in beforeAll: read it inside a hook or a test');
      return db.sql;
    },
  };
}

/** A delivery of a seeded run; due at the run's `dueAt` unless the row gives its own. */
export type RunDeliverySeed = Omit<DeliveryRow, 'dueAt'> & { dueAt?: string };

export interface ReportRunSeed {
  scheduledFor: string;
  /** The due_at of the run's deliveries that give none; default: scheduledFor. */
  dueAt?: string;
  deliveries?: RunDeliverySeed[];
}

export interface SeededReportCampaign {
  campaign: number;
  /** The runs' ids, in the order given. */
  runs: number[];
  /** Each run's delivery ids, in the order given. */
  deliveries: string[][];
}

/** A campaign with its runs (all inserted first, in the order given), then each run's deliveries. */
export async function seedReportCampaign(
  sql: Sql,
  campaign: Parameters<typeof insertCampaign>[1],
  runs: ReportRunSeed[],
): Promise<SeededReportCampaign> {
  const campaignId = await insertCampaign(sql, campaign);
  const runIds: number[] = [];
  for (const run of runs) runIds.push(await insertRun(sql, campaignId, run.scheduledFor));
  const deliveries: string[][] = [];
  for (const [i, run] of runs.entries()) {
    const ids: string[] = [];
    for (const row of run.deliveries ?? [])
      ids.push(
        await insertDelivery(sql, campaignId, runIds[i]!, { dueAt: run.dueAt ?? run.scheduledFor, ...row }),
      );
    deliveries.push(ids);
  }
  return { campaign: campaignId, runs: runIds, deliveries };
}

/** The campaign 'Other' (running, viber) with one run at `scheduledFor` holding `deliveries`: rows a report must leave out. */
export async function seedOtherCampaign(
  sql: Sql,
  scheduledFor: string,
  deliveries: RunDeliverySeed[] = [],
): Promise<{ campaign: number; run: number }> {
  const other = await seedReportCampaign(sql, { name: 'Other', transport: 'viber' }, [
    { scheduledFor, deliveries },
  ]);
  return { campaign: other.campaign, run: other.runs[0]! };
}

export interface ApiUsageSeed {
  month: string;
  requestsCounted: number;
  monthlyQuota: number | null;
}

/** api_usage rows, one a month, as the Chat2Desk request counter keeps them. */
export async function insertApiUsage(sql: Sql, months: ApiUsageSeed[]): Promise<void> {
  for (const m of months)
    await sql`
      insert into api_usage (month, requests_counted, monthly_quota)
      values (${m.month}, ${m.requestsCounted}, ${m.monthlyQuota})`;
}

export interface TwoRunReportSeed {
  /** The first run's scheduled time, and the due_at of every delivery that gives none. */
  due: string;
  /** The second run's scheduled time; default: a day after `due`. */
  secondRunAt?: string;
  firstRun: RunDeliverySeed[];
  secondRun: RunDeliverySeed[];
}

export interface TwoRunReportCampaign {
  campaign: number;
  runA: number;
  runB: number;
  /** The delivery ids of the first run, then of the second, in the order given. */
  deliveries: [string[], string[]];
}

/** A campaign with two runs (both inserted before their deliveries), as most report queries are tested on. */
export async function seedTwoRunReportCampaign(
  sql: Sql,
  campaign: Parameters<typeof insertCampaign>[1],
  seed: TwoRunReportSeed,
): Promise<TwoRunReportCampaign> {
  const secondRunAt = seed.secondRunAt ?? new Date(Date.parse(seed.due) + 86_400_000).toISOString();
  const seeded = await seedReportCampaign(sql, campaign, [
    { scheduledFor: seed.due, deliveries: seed.firstRun },
    { scheduledFor: secondRunAt, dueAt: seed.due, deliveries: seed.secondRun },
  ]);
  return {
    campaign: seeded.campaign,
    runA: seeded.runs[0]!,
    runB: seeded.runs[1]!,
    deliveries: [seeded.deliveries[0]!, seeded.deliveries[1]!],
  };
}
