import type postgres from 'postgres';
import type { Sql } from '../db/database.js';
import { monthOf } from '../delivery/quotaGuard.js';
import { parseSegmentFilter } from '../lists/segmentFilter.js';
import { segmentCondition } from '../lists/segmentSql.js';
import type { CampaignPurpose } from '../messages/consent.js';
import { readMonthApiUsage } from '../metrics/sql/readMonthApiUsage.js';

/**
 * What a broadcast will come to before it goes out: its audience after consent, the Chat2Desk
 * requests it needs, their share of the month's quota, and when it would finish at the rate it may
 * send. Counted set-based over the audience (one pass over the list's members), never per contact.
 */
export interface CampaignForecast {
  /** The list's members (every contact for `all`). */
  audience: number;
  /** Skipped before any request: opted out, and (marketing) without a recorded opt-in. */
  optedOut: number;
  noConsent: number;
  /** Who would be written to. */
  recipients: number;
  /** Recipients without a time zone: a send window is read for them in the campaign's (else the default) zone. */
  noTimeZone: number;
  /** Recipients Chat2Desk does not know on the transport yet: a client request each before the message. */
  newClients: number;
  /** Messages plus client requests. */
  requests: number;
  quota: { month: string; used: number; limit: number | null; share: number | null };
  /** Messages a second at most: the campaign's own limit within the account's (null: no limit). */
  perSecond: number | null;
  startsAt: Date | null;
  /** At `perSecond`, plus WhatsApp's new-client delay when clients are created; null without a limit or a start. */
  finishesAt: Date | null;
}

export interface ForecastInput {
  listId: number | null;
  /** The campaign's segment filter (audience.where), if any. */
  where: string | null;
  purpose: CampaignPurpose;
  transport: string;
  /** The campaign's own limit, if any. */
  campaignPerSecond: number | null;
  /** CHAT2DESK_REQUESTS_PER_SECOND (0: none). */
  accountPerSecond: number;
  whatsappDelayMs: number;
  startsAt: Date | null;
  now: Date;
}

interface AudienceCounts {
  audience: number;
  optedOut: number;
  noConsent: number;
  newClients: number;
  noTimeZone: number;
}

/** A campaign's audience as a condition on `contacts c`: the list's members (everyone without one), narrowed by audience.where. */
export function audienceCondition(
  sql: Sql,
  audience: { listId: number | null; where: string | null; now: Date },
): postgres.PendingQuery<postgres.Row[]> {
  const members =
    audience.listId === null
      ? sql`true`
      : sql`exists (select 1 from list_members m where m.list_id = ${audience.listId} and m.contact_id = c.id)`;
  const segment =
    audience.where === null
      ? sql`true`
      : segmentCondition(sql, parseSegmentFilter(audience.where), { alias: 'c', now: audience.now });
  return sql`${members} and ${segment}`;
}

/** consentRefusal (src/messages/consent.ts) over `contacts c`: 'opted_out', 'no_consent' or null. */
export function consentRefusalSql(sql: Sql, purpose: CampaignPurpose): postgres.PendingQuery<postgres.Row[]> {
  return sql`case when c.opted_out_at is not null then 'opted_out'
                  when c.opted_in_at is null and ${purpose === 'marketing'} then 'no_consent' end`;
}

export async function forecastCampaign(sql: Sql, input: ForecastInput): Promise<CampaignForecast> {
  const [counts] = await sql<AudienceCounts[]>`
    select count(*)::int as audience,
           count(*) filter (where refusal = 'opted_out')::int as "optedOut",
           count(*) filter (where refusal = 'no_consent')::int as "noConsent",
           count(*) filter (where refusal is null and new_client)::int as "newClients",
           count(*) filter (where refusal is null and no_zone)::int as "noTimeZone"
    from (
      select ${consentRefusalSql(sql, input.purpose)} as refusal,
             (c.chat2desk_client_id is null
               or not (${input.transport} = any(coalesce(c.chat2desk_transports, '{}')))) as new_client,
             nullif(btrim(c.timezone), '') is null as no_zone
      from contacts c
      where ${audienceCondition(sql, { listId: input.listId, where: input.where, now: input.now })}
    ) a`;
  const { audience, optedOut, noConsent, newClients, noTimeZone } = counts!;
  const recipients = audience - optedOut - noConsent;
  const requests = recipients + newClients;
  const month = monthOf(input.now);
  const usage = await readMonthApiUsage(sql, month);
  const limits = [input.campaignPerSecond, input.accountPerSecond > 0 ? input.accountPerSecond : null].filter(
    (n): n is number => n !== null && n > 0,
  );
  const perSecond = limits.length ? Math.min(...limits) : null;
  let finishesAt: Date | null = null;
  if (input.startsAt && perSecond !== null) {
    // Requests share the account's budget; messages also wait for the campaign's own limit.
    const accountSeconds = input.accountPerSecond > 0 ? requests / input.accountPerSecond : 0;
    const messageSeconds = recipients / perSecond;
    const delay = input.transport === 'whatsapp' && newClients > 0 ? input.whatsappDelayMs : 0;
    finishesAt = new Date(input.startsAt.getTime() + Math.max(accountSeconds, messageSeconds) * 1000 + delay);
  }
  return {
    audience,
    optedOut,
    noConsent,
    recipients,
    noTimeZone,
    newClients,
    requests,
    quota: {
      month,
      used: usage.used,
      limit: usage.limit,
      share: usage.limit ? requests / usage.limit : null,
    },
    perSecond,
    startsAt: input.startsAt,
    finishesAt,
  };
}

/** The forecast of a stored broadcast, from its list, purpose, transport and own limit. */
export async function forecastStoredCampaign(
  sql: Sql,
  campaignId: number,
  options: Pick<ForecastInput, 'accountPerSecond' | 'whatsappDelayMs' | 'startsAt' | 'now'>,
): Promise<CampaignForecast | null> {
  const [campaign] = await sql<
    {
      listId: number | null;
      where: string | null;
      purpose: CampaignPurpose;
      transport: string;
      perSecond: number | null;
      kind: string;
    }[]
  >`
    select list_id as "listId", audience_where as "where", purpose, transport,
           rate_limit_per_second as "perSecond", kind
    from campaigns where id = ${campaignId}`;
  if (campaign?.kind !== 'broadcast') return null;
  return forecastCampaign(sql, {
    listId: campaign.listId,
    where: campaign.where,
    purpose: campaign.purpose,
    transport: campaign.transport,
    campaignPerSecond: campaign.perSecond,
    ...options,
  });
}
