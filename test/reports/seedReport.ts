import type { Sql } from '../../src/db/database.js';

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
