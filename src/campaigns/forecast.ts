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
}

export async function forecastCampaign(sql: Sql, input: ForecastInput): Promise<CampaignForecast> {
  const marketing = input.purpose === 'marketing';
  const [counts] = await sql<AudienceCounts[]>`
    select count(*)::int as audience,
           count(*) filter (where c.opted_out_at is not null)::int as "optedOut",
           count(*) filter (where c.opted_out_at is null and c.opted_in_at is null and ${marketing})::int as "noConsent",
           count(*) filter (
             where c.opted_out_at is null and (c.opted_in_at is not null or not ${marketing})
               and (c.chat2desk_client_id is null or not (${input.transport} = any(coalesce(c.chat2desk_transports, '{}'))))
           )::int as "newClients"
    from contacts c
    where ${
      input.listId === null
        ? sql`true`
        : sql`exists (select 1 from list_members m where m.list_id = ${input.listId} and m.contact_id = c.id)`
    } and ${input.where === null ? sql`true` : segmentCondition(sql, parseSegmentFilter(input.where), { alias: 'c', now: input.now })}`;
  const { audience, optedOut, noConsent, newClients } = counts!;
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
