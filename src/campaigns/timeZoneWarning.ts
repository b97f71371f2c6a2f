import type { Sql } from '../db/database.js';
import { audienceCondition } from './forecast.js';

export interface TimeZoneWarningInput {
  kind: 'broadcast' | 'reminder';
  listId: number | null;
  where: string | null;
  hasSendWindow: boolean;
  /** The campaign's own zone (`timezone`, or its cron's), if any. */
  campaignTimezone: string | null;
  /** DEFAULT_TIMEZONE: where a window is evaluated when neither contact nor campaign has a zone. */
  defaultTimezone: string;
  now: Date;
}

/**
 * A send window is evaluated in each recipient's own zone; a recipient without one gets the
 * campaign's (else the engine's), which may be hours off their day: "1,204 recipients have no time
 * zone: their window is evaluated in Europe/Moscow (the campaign's timezone)". Counted set-based;
 * null when there is no window or everyone has a zone. A reminder's recipients are the contacts of
 * upcoming appointments, whose own zone stands in for the contact's.
 */
export async function timeZoneWarning(sql: Sql, input: TimeZoneWarningInput): Promise<string | null> {
  if (!input.hasSendWindow) return null;
  const noZone = sql`nullif(btrim(c.timezone), '') is null`;
  const [row] =
    input.kind === 'reminder'
      ? await sql<{ n: number }[]>`
          select count(distinct c.id)::int as n
          from appointments a join contacts c on c.id = a.contact_id
          where a.starts_at > ${input.now} and a.status <> 'cancelled' and ${noZone}
            and nullif(btrim(a.timezone), '') is null
            and ${audienceCondition(sql, { listId: input.listId, where: null, now: input.now })}`
      : await sql<{ n: number }[]>`
          select count(*)::int as n from contacts c
          where ${noZone} and ${audienceCondition(sql, { listId: input.listId, where: input.where, now: input.now })}`;
  const n = row?.n ?? 0;
  if (n === 0) return null;
  const zone = input.campaignTimezone
    ? `${input.campaignTimezone} (the campaign's timezone)`
    : `${input.defaultTimezone} (the campaign has no timezone)`;
  return (
    `${n.toLocaleString('en-US')} recipient${n === 1 ? ' has' : 's have'} no time zone: ` +
    `their window is evaluated in ${zone}`
  );
}
