import type { Sql } from '../../src/db/database.js';
import type { DeliveryState } from '../../src/delivery/states.js';
import { START } from './engineHarness.js';

/** A running SMS broadcast with one run: the home of deliveries seeded one by one. */
export async function seedRunningCampaign(sql: Sql): Promise<{ campaignId: number; runId: number }> {
  const [campaign] = await sql<{ id: number }[]>`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values ('seeded', 'broadcast', 'running', 'sms', 1, '{}', 'Hi') returning id`;
  const [run] = await sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaign!.id}, ${START}) returning id`;
  return { campaignId: campaign!.id, runId: run!.id };
}

export async function seedContact(
  sql: Sql,
  phone: string,
  options: { chat2deskClientId?: number } = {},
): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into contacts (phone, opted_in_at, opt_in_source, chat2desk_client_id)
    values (${phone}, ${START}, 'test', ${options.chat2deskClientId ?? null}) returning id`;
  return row!.id;
}

/** One delivery of the campaign in `state`, holding `messageId` when given. */
export async function seedDelivery(
  sql: Sql,
  home: { campaignId: number; runId: number },
  options: {
    contactId: number;
    state?: DeliveryState;
    messageId?: number | null;
    reason?: string | null;
    lockedBy?: string | null;
    leaseToken?: number | null;
  },
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport,
                            chat2desk_message_id, locked_by, locked_at, lease_token)
    values (${home.runId}, ${home.campaignId}, ${options.contactId}, ${options.state ?? 'queued'},
            ${options.reason ?? null}, ${START}, ${START}, 'sms', ${options.messageId ?? null},
            ${options.lockedBy ?? null}, ${options.lockedBy ? START : null}, ${options.leaseToken ?? null})
    returning id::text`;
  return row!.id;
}

export async function deliveryRow(
  sql: Sql,
  id: string,
): Promise<{ state: DeliveryState; reason: string | null }> {
  const [row] = await sql<{ state: DeliveryState; reason: string | null }[]>`
    select state, reason from deliveries where id = ${id}`;
  return row!;
}

export async function deliveryEvents(
  sql: Sql,
  id: string,
): Promise<{ from_state: string; to_state: string; reason: string | null; details: unknown }[]> {
  return sql<{ from_state: string; to_state: string; reason: string | null; details: unknown }[]>`
    select from_state, to_state, reason, details from delivery_events where delivery_id = ${id} order by id`;
}
