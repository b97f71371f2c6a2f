import type { Queryable, ReportScope } from './reportScope.js';

/** A client reply that holds a STOP word among others ("стоп спам"): not applied as an opt-out. */
export interface NearStopReply {
  contactId: number;
  phone: string;
  text: string;
  /** When the engine received it, UTC ISO. */
  at: string;
}

export interface NearStopReplies {
  /** Every such reply from the scope's recipients since its first run was due. */
  count: number;
  /** The earliest `limit` of them, for a person to read. */
  replies: NearStopReply[];
}

/**
 * Replies that look like a STOP but are not one (webhook_events.looks_like_stop), written by the
 * scope's recipients since its first run was due: a person should read them and opt out whoever
 * meant it. Driven from the few flagged replies (a partial index), each matched to its contact by
 * Chat2Desk client id and checked against the scope's deliveries (one probe per run), so a campaign of
 * a million recipients reads no more than a handful of rows.
 */
export async function nearStopReplies(
  sql: Queryable,
  scope: ReportScope,
  limit: number,
): Promise<NearStopReplies> {
  const runs =
    scope.runId === undefined
      ? sql`select id, scheduled_for from campaign_runs where campaign_id = ${scope.campaignId}`
      : sql`select id, scheduled_for from campaign_runs where campaign_id = ${scope.campaignId} and id = ${scope.runId}`;
  const rows = await sql<{ contactId: number; phone: string; text: string; at: Date; total: number }[]>`
    with runs as (${runs}),
    replies as (
      select c.id as "contactId", c.phone, coalesce(e.payload->>'text', '') as text, e.received_at as at, e.id
      from webhook_events e
      join contacts c on c.chat2desk_client_id = e.chat2desk_client_id
      where e.looks_like_stop
        and e.received_at >= (select min(scheduled_for) from runs)
        and exists (
          select 1 from runs r join deliveries d on d.run_id = r.id and d.contact_id = c.id
        )
    )
    select "contactId", phone, text, at, count(*) over ()::int as total
    from replies order by at, id limit ${limit}`;
  return {
    count: rows[0]?.total ?? 0,
    replies: rows.map(({ total: _total, at, ...reply }) => ({ ...reply, at: at.toISOString() })),
  };
}
