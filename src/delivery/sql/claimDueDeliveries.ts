import type { Sql } from '../../db/database.js';
import type { CampaignPurpose } from '../../messages/consent.js';
import type { SendWindow } from '../../messages/sendWindow.js';
import type { WhatsAppTemplate } from '../../messages/whatsappTemplate.js';

/** A delivery a worker holds, with what it needs of its contact and campaign to send it. */
export interface ClaimedDelivery {
  id: string;
  runId: number;
  campaignId: number;
  contactId: number;
  state: 'queued' | 'waiting' | 'sending';
  reason: string | null;
  /** This claim's fencing token: the worker's moves of this delivery require it. */
  leaseToken: string;
  attempts: number;
  dueAt: Date;
  transport: string;
  channelId: number | null;
  reminderKey: string;
  appointmentId: number | null;
  sendingAt: Date | null;
  renderedText: string | null;
  chat2deskClientId: string | null;
  phone: string;
  contactName: string | null;
  contactTimezone: string | null;
  attributes: Record<string, unknown>;
  optedInAt: Date | null;
  optedOutAt: Date | null;
  contactClientId: string | null;
  contactTransports: string[] | null;
  whatsappAddedAt: Date | null;
  campaignName: string;
  campaignKind: 'broadcast' | 'reminder';
  campaignStatus: string;
  campaignTimezone: string | null;
  /** null: the campaign sends at any hour. */
  sendWindow: SendWindow | null;
  templateSource: string;
  /** The campaign's own template values. */
  templateVariables: Record<string, unknown>;
  /** The approved WhatsApp template the campaign sends instead of templateSource; null for most. */
  whatsappTemplate: WhatsAppTemplate | null;
  /** The URL of the file sent with each message; null when none. */
  attachmentUrl: string | null;
  /** marketing needs a recorded opt-in; transactional does not (src/campaigns/consent.ts). */
  purpose: CampaignPurpose;
  rateLimitPerSecond: number | null;
  /** The appointment a reminder is for: null for broadcasts (and for a reminder whose appointment was deleted). */
  appointment: ClaimedAppointment | null;
}

export interface ClaimedAppointment {
  externalId: string;
  startsAt: Date;
  timezone: string | null;
  status: 'booked' | 'cancelled' | 'rescheduled';
  attributes: Record<string, unknown>;
}

const CLAIMED_COLUMNS = (sql: Sql) => sql`
  d.id, d.run_id as "runId", d.campaign_id as "campaignId", d.contact_id as "contactId", d.state, d.reason,
  d.lease_token::text as "leaseToken",
  d.attempts, d.due_at as "dueAt", d.transport, d.channel_id as "channelId", d.reminder_key as "reminderKey",
  d.appointment_id as "appointmentId", d.sending_at as "sendingAt", d.rendered_text as "renderedText",
  d.chat2desk_client_id as "chat2deskClientId",
  c.phone, c.name as "contactName", c.timezone as "contactTimezone", c.attributes,
  c.opted_in_at as "optedInAt", c.opted_out_at as "optedOutAt", c.chat2desk_client_id as "contactClientId",
  c.chat2desk_transports as "contactTransports", c.chat2desk_whatsapp_added_at as "whatsappAddedAt",
  k.name as "campaignName", k.kind as "campaignKind", k.status as "campaignStatus",
  k.timezone as "campaignTimezone", k.send_window as "sendWindow",
  k.template_source as "templateSource", k.template_variables as "templateVariables", k.purpose,
  k.whatsapp_template as "whatsappTemplate", k.attachment_url as "attachmentUrl",
  k.rate_limit_per_second as "rateLimitPerSecond",
  case when a.id is null then null else json_build_object(
    'externalId', a.external_id, 'startsAt', a.starts_at, 'timezone', a.timezone, 'status', a.status,
    'attributes', a.attributes) end as appointment`;

/** How claims respect each campaign's own pace (rateLimit.perSecond). */
export interface ClaimPacing {
  /** Real time, epoch ms: campaign limiters count real seconds (see SharedRateLimiter). */
  realNowMs: number;
  /** A campaign gets no more deliveries than its limiter has slots for within this horizon. */
  horizonMs: number;
  /** The limiters' spacing margin (CHAT2DESK_RATE_MARGIN_MS). */
  marginMs: number;
}

type ClaimOptions = { workerId: string; now: Date; limit: number; leaseMs: number; pacing?: ClaimPacing };

/** The name of a campaign's own limiter in rate_limiters. */
export const campaignLimiterName = (campaignId: number) => `campaign:${campaignId}`;

/**
 * Takes up to `limit` due deliveries of running campaigns for this worker. The lease (`locked_by`,
 * `locked_at`, and a new `lease_token` that the worker's moves must present) keeps other workers
 * off them; one that outlives `leaseMs` (a crashed worker) is taken over. SKIP LOCKED lets many
 * workers claim side by side without waiting on each other.
 *
 * Fair between campaigns: the claim walks the running campaigns that have due work and takes from
 * each at most its share of `limit`, and from a campaign with its own pace no more than its limiter
 * has slots for within the pacing horizon. So one big broadcast never holds back a reminder due now,
 * a slow campaign never fills the workers, and a paused campaign's deliveries are never read.
 *
 * Each campaign's part walks the claim index (campaign_id, next_attempt_at, id) in due order and
 * stops after its share. With statistics that underestimate the due rows (a large run just
 * inserted, a table never analyzed) the planner preferred reading every due delivery and sorting
 * them, for each claim of a hundred: so the claim runs with sorting disabled for its planner
 * (`enable_sort = off`, this transaction only). Likewise sequential scans: on a table still small (a
 * paused campaign's 10,000 due deliveries) the planner joined the hundred claimed ids by reading every
 * delivery, and the claim took 3× as long as without them (bench/history.mjs).
 */
export async function claimDueDeliveries(sql: Sql, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  return withAppointmentDates(await withoutSorting(sql, (tx) => claimStatement(tx, options)));
}

/** EXPLAIN of the claim as claimDueDeliveries plans it: for tests that the plan stays index-driven. */
export async function explainClaim(sql: Sql, options: ClaimOptions): Promise<string> {
  const plan = await withoutSorting(
    sql,
    (tx) => tx<{ 'QUERY PLAN': string }[]>`explain ${claimStatement(tx, options)}`,
  );
  return plan.map((row) => row['QUERY PLAN']).join('\n');
}

/** What the server spent on one claim: its execution time and the pages it touched. */
export interface ClaimCost {
  executionMs: number;
  /** Shared buffers found in PostgreSQL's cache, and read from outside it. */
  sharedHit: number;
  sharedRead: number;
}

/**
 * Runs the claim under EXPLAIN ANALYZE and undoes it (the transaction is rolled back: nothing stays
 * claimed). The server's own figures, without the round trips that make a client's timing of a
 * few-millisecond statement noisy: for benchmarks (bench/history.mjs).
 */
export async function measureClaim(sql: Sql, options: ClaimOptions): Promise<ClaimCost> {
  const undone = new Error('rolled back on purpose');
  let cost: ClaimCost | undefined;
  try {
    await withoutSorting(sql, async (tx) => {
      const [row] = await tx<{ 'QUERY PLAN': ExplainedPlan[] }[]>`
        explain (analyze, buffers, format json) ${claimStatement(tx, options)}`;
      const explained = row?.['QUERY PLAN'][0];
      if (!explained) throw new Error('EXPLAIN gave no plan');
      cost = {
        executionMs: explained['Execution Time'],
        sharedHit: explained.Plan['Shared Hit Blocks'],
        sharedRead: explained.Plan['Shared Read Blocks'],
      };
      throw undone;
    });
  } catch (error) {
    if (error !== undone) throw error;
  }
  if (!cost) throw new Error('the claim was not measured');
  return cost;
}

interface ExplainedPlan {
  'Execution Time': number;
  Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number };
}

/** One statement in a transaction whose planner may neither sort nor scan a whole table (see claimDueDeliveries). */
async function withoutSorting<T>(sql: Sql, statement: (tx: Sql) => Promise<T>): Promise<T> {
  const result = await sql.begin(async (tx) => {
    // Both in one round trip: `set local` for this transaction.
    await tx`select set_config('enable_sort', 'off', true), set_config('enable_seqscan', 'off', true)`;
    return statement(tx as unknown as Sql);
  });
  return result as T;
}

function claimStatement(sql: Sql, options: ClaimOptions) {
  const { now, limit } = options;
  const leaseExpired = new Date(now.getTime() - options.leaseMs);
  const pacing = options.pacing ?? { realNowMs: Date.now(), horizonMs: 1000, marginMs: 10 };
  const realNow = Math.floor(pacing.realNowMs);
  const claimable = (alias: string) => sql`
    ${sql(alias)}.state in ('queued', 'waiting') and ${sql(alias)}.next_attempt_at <= ${now}
    and (${sql(alias)}.locked_at is null or ${sql(alias)}.locked_at < ${leaseExpired})`;
  return sql<ClaimedDelivery[]>`
    with running as (
      select k.id, k.rate_limit_per_second as rate, coalesce(rl.theoretical_arrival_ms, 0) as next_slot_ms,
             first_due.next_attempt_at as first_due_at
      from campaigns k
      left join rate_limiters rl on rl.name = 'campaign:' || k.id
      -- In due order, so the claim index is walked from its head (a plain exists was planned as
      -- a sequential scan, which reads every delivery already sent before it finds a due one).
      cross join lateral (
        select x.next_attempt_at from deliveries x where x.campaign_id = k.id and ${claimable('x')}
        order by x.next_attempt_at, x.id limit 1
      ) first_due
      where k.status = 'running'
    ),
    ranked as (
      -- Ranked by counting, not by a window's sort: the running campaigns are few, and the claim's plan
      -- stays free of sorts (see withoutSorting).
      select r.*,
             (select count(*) from running o where (o.first_due_at, o.id) < (r.first_due_at, r.id)) + 1 as rank,
             (select count(*) from running) as campaigns
      from running r
    ),
    shares as (
      -- The limit split exactly: each campaign floor(limit / n), one more for the (limit mod n)
      -- longest-waiting; with more campaigns than the limit, the longest-waiting take one each.
      select r.id, least(
        (${limit}::int / r.campaigns)::int + case when r.rank <= ${limit}::int % r.campaigns then 1 else 0 end,
        case when r.rate is null or r.rate <= 0 then ${limit}::int
             else least(${limit}::numeric, greatest(0, floor(
               (${realNow + Math.ceil(pacing.horizonMs)}::numeric - greatest(r.next_slot_ms::numeric, ${realNow}::numeric))
               * r.rate::numeric / (1000 + ${pacing.marginMs}::numeric)) + 1))::int
        end) as take
      from ranked r
    ),
    due as (
      select picked.id, picked.run_id, picked.appointment_id from shares s
      cross join lateral (
        select d.id, d.run_id, d.appointment_id from deliveries d
        where d.campaign_id = s.id and ${claimable('d')}
        order by d.next_attempt_at, d.id
        limit s.take
        for update of d skip locked
      ) picked
      where s.take > 0
      -- Never more than the limit anyway (the shares add up to it); said here, the planner knows the
      -- update joins a hundred rows by id, and probes the primary key instead of reading every delivery.
      limit ${limit}
    ),
    token as (select nextval('delivery_lease_tokens') as value)
    update deliveries d set locked_by = ${options.workerId}, locked_at = ${now}, lease_token = token.value
    from due left join appointments a on a.id = due.appointment_id, contacts c, campaigns k, token
    where d.id = due.id and d.run_id = due.run_id and c.id = d.contact_id and k.id = d.campaign_id
    returning ${CLAIMED_COLUMNS(sql)}`;
}

/**
 * Takes over deliveries left in `sending` by a worker that stopped between recording the send and
 * recording its outcome. They must be reconciled with Chat2Desk before anything is sent again.
 */
export async function claimStaleSending(
  sql: Sql,
  options: { workerId: string; now: Date; limit: number; leaseMs: number },
): Promise<ClaimedDelivery[]> {
  const leaseExpired = new Date(options.now.getTime() - options.leaseMs);
  return sql<ClaimedDelivery[]>`
    with stale as (
      select d.id, d.run_id, d.appointment_id from deliveries d
      where d.state = 'sending' and d.locked_at < ${leaseExpired}
      order by d.locked_at
      limit ${options.limit}
      for update skip locked
    ),
    token as (select nextval('delivery_lease_tokens') as value)
    update deliveries d set locked_by = ${options.workerId}, locked_at = ${options.now}, lease_token = token.value
    from stale left join appointments a on a.id = stale.appointment_id, contacts c, campaigns k, token
    where d.id = stale.id and d.run_id = stale.run_id and c.id = d.contact_id and k.id = d.campaign_id
    returning ${CLAIMED_COLUMNS(sql)}`.then(withAppointmentDates);
}

/**
 * Takes back this worker's own claims whose processing broke off (the database went away mid-way),
 * as they are now, to finish them without waiting for the lease. Claims another worker took over
 * meanwhile are not returned; `sending` ones come back `sending`, to be reconciled.
 */
export async function reclaimOwnDeliveries(
  sql: Sql,
  options: { workerId: string; now: Date; ids: string[] },
): Promise<ClaimedDelivery[]> {
  if (options.ids.length === 0) return [];
  return sql<ClaimedDelivery[]>`
    with own as (
      select d.id, d.run_id, d.appointment_id from deliveries d
      where d.id = any(${options.ids}::bigint[]) and d.locked_by = ${options.workerId}
        and d.state in ('queued', 'waiting', 'sending')
      for update skip locked
    )
    update deliveries d set locked_at = ${options.now}
    from own left join appointments a on a.id = own.appointment_id, contacts c, campaigns k
    where d.id = own.id and d.run_id = own.run_id and c.id = d.contact_id and k.id = d.campaign_id
    returning ${CLAIMED_COLUMNS(sql)}`.then(withAppointmentDates);
}

/** The appointment travels as JSON (one column, null for broadcasts): its start back to a Date. */
function withAppointmentDates(rows: readonly ClaimedDelivery[]): ClaimedDelivery[] {
  return rows.map((row) =>
    row.appointment
      ? { ...row, appointment: { ...row.appointment, startsAt: new Date(row.appointment.startsAt) } }
      : row,
  );
}

/** A delivery a worker holds: its id (and run: the partition it is in) and the token of its claim. */
export interface HeldClaim {
  id: string;
  runId: number;
  leaseToken: string;
}

/** Gives deliveries back without changing their state (their campaign was paused meanwhile, say). */
export async function releaseDeliveries(
  sql: Sql,
  claims: readonly HeldClaim[],
  workerId: string,
): Promise<void> {
  if (claims.length === 0) return;
  await sql`
    update deliveries d set locked_by = null, locked_at = null
    from unnest(${claims.map((c) => c.id)}::bigint[], ${claims.map((c) => c.runId)}::int[],
                ${claims.map((c) => c.leaseToken)}::bigint[]) as h(id, run_id, token)
    where d.id = h.id and d.run_id = h.run_id and d.lease_token = h.token and d.locked_by = ${workerId}
      and d.state in ('queued', 'waiting')`;
}

/**
 * Renews the leases a live worker still holds (claimed and not yet settled, `sending` ones too), so
 * no wait of its own — for a rate-limit slot, a reply check, an answer — lets another worker take a
 * delivery over. Returns the ids still held; a claim taken over meanwhile is not renewed.
 */
export async function renewLeases(
  sql: Sql,
  claims: readonly HeldClaim[],
  options: { workerId: string; now: Date },
): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const rows = await sql<{ id: string }[]>`
    update deliveries d set locked_at = ${options.now}
    from unnest(${claims.map((c) => c.id)}::bigint[], ${claims.map((c) => c.runId)}::int[],
                ${claims.map((c) => c.leaseToken)}::bigint[]) as h(id, run_id, token)
    where d.id = h.id and d.run_id = h.run_id and d.lease_token = h.token and d.locked_by = ${options.workerId}
      and d.state in ('queued', 'waiting', 'sending')
    returning d.id::text`;
  return new Set(rows.map((r) => r.id));
}
