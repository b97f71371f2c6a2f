import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { DELIVERIES_CHANNEL } from '../../src/db/channels.js';
import { explainClaim } from '../../src/delivery/sql/claimDueDeliveries.js';
import { expandCampaignRun } from '../../src/scheduler/expandCampaignRun.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type ContactSeed, insertCampaign, insertContacts, insertList, insertRun } from './seed.js';

const NOW = new Date('2026-03-01T09:00:00.000Z');
const SCHEDULED_FOR = new Date('2026-03-01T08:59:00.000Z');
const CONSENT = new Date('2025-12-01T00:00:00.000Z');

interface DeliveryRow {
  contact_id: number;
  state: string;
  reason: string | null;
  queued_at: Date | null;
  skipped_at: Date | null;
  due_at: Date;
  next_attempt_at: Date;
  transport: string;
  channel_id: number | null;
  campaign_id: number;
}

/** The expected outcome for a contact, by the documented rule and order of reasons. */
function expectedReason(contact: ContactSeed, requireOptIn: boolean): string | null {
  if (contact.opted_out_at) return 'opted_out';
  if (requireOptIn && !contact.opted_in_at) return 'no_consent';
  if (!/^[1-9][0-9]{9,14}$/.test(contact.phone)) return 'invalid_phone';
  return null;
}

/**
 * 1,000 contacts mixing every case: every 3rd without consent, every 7th opted out, and phones
 * that are fine (11 digits), too short (9), national format (leading 0) or the longest (15).
 */
function mixedContacts(count: number): ContactSeed[] {
  return Array.from({ length: count }, (_, index) => {
    const n = index + 1;
    const serial = String(n).padStart(6, '0');
    const phone = [`79${serial}000`, `7${serial}00`, `0${serial}0000`, `4412${serial}00000`][n % 4]!;
    return {
      phone,
      opted_in_at: n % 3 === 0 ? null : CONSENT,
      opted_out_at: n % 7 === 0 ? new Date('2026-02-01T00:00:00.000Z') : null,
    };
  });
}

describe('expandCampaignRun', () => {
  let db: TestDatabase;
  let contacts: ContactSeed[];
  let contactIds: number[];

  beforeAll(async () => {
    db = await createTestDatabase();
    contacts = mixedContacts(1000);
    contactIds = await insertContacts(db.sql, contacts);
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`delete from campaigns`;
  });

  async function deliveriesOf(runId: number): Promise<DeliveryRow[]> {
    return db.sql<DeliveryRow[]>`
      select contact_id, state, reason, queued_at, skipped_at, due_at, next_attempt_at, transport,
             channel_id, campaign_id
      from deliveries where run_id = ${runId} order by contact_id`;
  }

  it('queues consenting contacts with a diallable phone and skips every other one with its reason', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running', transport: 'viber', channelId: 42 });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    const result = await expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 64 });

    const expected = contacts.map((contact) => expectedReason(contact, true));
    const expectedQueued = expected.filter((reason) => reason === null).length;
    expect(result).toEqual({ queued: expectedQueued, skipped: 1000 - expectedQueued });
    // Every case is represented, so the comparison below tests each rule.
    expect(new Set(expected)).toEqual(new Set([null, 'opted_out', 'no_consent', 'invalid_phone']));

    const rows = await deliveriesOf(runId);
    expect(rows.map((row) => row.contact_id)).toEqual(contactIds);
    rows.forEach((row, index) => {
      const reason = expected[index] ?? null;
      expect(row).toEqual({
        contact_id: contactIds[index],
        state: reason === null ? 'queued' : 'skipped',
        reason,
        queued_at: reason === null ? NOW : null,
        skipped_at: reason === null ? null : NOW,
        due_at: SCHEDULED_FOR,
        next_attempt_at: SCHEDULED_FOR,
        transport: 'viber',
        channel_id: 42,
        campaign_id: campaignId,
      });
    });
  });

  it('checks reasons in order: opted_out, then no_consent, then invalid_phone', async () => {
    const ids = await insertContacts(db.sql, [
      { phone: '0123456', opted_in_at: null, opted_out_at: NOW }, // all three
      { phone: '0123456789', opted_in_at: null, opted_out_at: null }, // no consent, bad phone
      { phone: '0123456780', opted_in_at: CONSENT, opted_out_at: null }, // bad phone only
    ]);
    const listId = await insertList(db.sql, 'order', ids);
    const campaignId = await insertCampaign(db.sql, { status: 'running', listId });
    // The other tests expect the 1,000 mixed contacts only.
    onTestFinished(async () => {
      await db.sql`delete from campaigns where id = ${campaignId}`;
      await db.sql`delete from contacts where id = any(${ids}::int[])`;
    });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    await expandCampaignRun(db.sql, runId, { now: NOW });

    const rows = await deliveriesOf(runId);
    expect(rows.map((row) => row.reason)).toEqual(['opted_out', 'no_consent', 'invalid_phone']);
  });

  it('queues contacts without consent when the campaign does not require opt-in', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running', purpose: 'transactional' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    const result = await expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 300 });

    const expected = contacts.map((contact) => expectedReason(contact, false));
    expect(expected).not.toContain('no_consent');
    const rows = await deliveriesOf(runId);
    expect(rows.map((row) => row.reason)).toEqual(expected);
    expect(result.queued).toBe(expected.filter((reason) => reason === null).length);
  });

  it("expands only the members of the campaign's list, once each", async () => {
    const members = contactIds.filter((_, index) => index % 5 === 0);
    const listId = await insertList(db.sql, 'every fifth', members);
    const campaignId = await insertCampaign(db.sql, { status: 'running', listId });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    const result = await expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 7 });

    const rows = await deliveriesOf(runId);
    expect(rows.map((row) => row.contact_id)).toEqual(members);
    expect(result.queued + result.skipped).toBe(members.length);
  });

  it('expands only the members its segment selects, batches with no match included', async () => {
    const members = contactIds.filter((_, index) => index % 5 === 0);
    const listId = await insertList(db.sql, 'segmented', members);
    // Only the last three members match: every batch of 7 before them matches nobody.
    const chosen = members.slice(-3);
    await db.sql`update contacts set attributes = attributes || '{"tier": "gold"}' where id = any(${chosen})`;
    const campaignId = await insertCampaign(db.sql, { status: 'running', listId });
    await db.sql`update campaigns set audience_where = ${'tier = "gold"'} where id = ${campaignId}`;
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    const result = await expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 7 });

    expect((await deliveriesOf(runId)).map((row) => row.contact_id)).toEqual(chosen);
    expect(result.queued + result.skipped).toBe(3);
    await db.sql`update contacts set attributes = attributes - 'tier' where id = any(${chosen})`;
  });

  it('applies a segment to every contact when the audience is all, skips and reasons as before', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    await db.sql`update campaigns set audience_where = ${'phone startswith "79"'} where id = ${campaignId}`;
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    await expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 50 });

    const rows = await deliveriesOf(runId);
    const expected = contacts.flatMap((c, i) => (c.phone.startsWith('79') ? [contactIds[i]!] : []));
    expect(rows.map((row) => row.contact_id)).toEqual(expected);
    expect(rows.some((row) => row.reason === 'no_consent')).toBe(true);
  });

  it('gives each contact exactly one delivery with the all-contacts audience', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    await expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 33 });

    const [counts] = await db.sql<{ rows: number; contacts: number; all: number }[]>`
      select count(*)::int as rows, count(distinct contact_id)::int as contacts,
             (select count(*)::int from contacts) as all
      from deliveries where run_id = ${runId}`;
    expect(counts).toEqual({ rows: counts!.all, contacts: counts!.all, all: counts!.all });
  });

  it('moves the run from pending through expanding to running, with expanded_at', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    await expandCampaignRun(db.sql, runId, { now: NOW });

    const [run] = await db.sql`select status, expanded_at from campaign_runs where id = ${runId}`;
    expect(run).toEqual({ status: 'running', expanded_at: NOW });
  });

  it('wakes idle workers with a notification once deliveries are queued', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);
    const listener = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      let notified!: () => void;
      const notification = new Promise<void>((resolve) => {
        notified = resolve;
      });
      await listener.listen(DELIVERIES_CHANNEL, () => notified());

      await expandCampaignRun(db.sql, runId, { now: NOW });

      await notification; // the test times out if no notification ever comes
    } finally {
      await listener.end({ timeout: 5 });
    }
  });

  it('is a no-op when the run is expanded again', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);
    await expandCampaignRun(db.sql, runId, { now: NOW });
    const before = await deliveriesOf(runId);

    const again = await expandCampaignRun(db.sql, runId, { now: new Date(NOW.getTime() + 60_000) });

    expect(again).toEqual({ queued: 0, skipped: 0 });
    expect(await deliveriesOf(runId)).toEqual(before);
    const [run] = await db.sql`select status, expanded_at from campaign_runs where id = ${runId}`;
    expect(run).toEqual({ status: 'running', expanded_at: NOW });
  });

  it('resumes a run left expanding by a crash, adding only the contacts not yet expanded', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);
    await expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 100 });
    const complete = await deliveriesOf(runId);
    // As after a crash that committed the batches up to the 400th contact and no further.
    const lastCommitted = contactIds[399]!;
    // Each batch of 100 is one audience block (src/delivery/sql/audienceBlocks.ts), its rows made at once.
    await db.sql`delete from deliveries where run_id = ${runId} and contact_id > ${lastCommitted}`;
    await db.sql`delete from run_audience_blocks where run_id = ${runId} and last_contact_id > ${lastCommitted}`;
    await db.sql`update campaign_runs set status = 'expanding', expanded_at = null where id = ${runId}`;

    const resumed = await expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 100 });

    const remaining = complete.filter((row) => row.contact_id > lastCommitted);
    expect(resumed).toEqual({
      queued: remaining.filter((row) => row.state === 'queued').length,
      skipped: remaining.filter((row) => row.state === 'skipped').length,
    });
    expect(await deliveriesOf(runId)).toEqual(complete);
    const [run] = await db.sql`select status from campaign_runs where id = ${runId}`;
    expect(run?.status).toBe('running');
  });

  it('two expanders of the same run together create each delivery once', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR, 'expanding');
    const other = postgres(db.url, { max: 2, onnotice: () => {} });
    try {
      const results = await Promise.all([
        expandCampaignRun(db.sql, runId, { now: NOW, batchSize: 50 }),
        expandCampaignRun(other, runId, { now: NOW, batchSize: 50 }),
      ]);
      const total = results.reduce((sum, r) => sum + r.queued + r.skipped, 0);
      const rows = await deliveriesOf(runId);
      expect(total).toBe(rows.length);
      expect(rows.map((row) => row.contact_id)).toEqual(contactIds);
    } finally {
      await other.end({ timeout: 5 });
    }
  });

  it('does not record the initial state in delivery_events', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    const result = await expandCampaignRun(db.sql, runId, { now: NOW });

    expect(result.queued).toBeGreaterThan(0);
    const [events] = await db.sql`
      select count(*)::int as n from delivery_events e join deliveries d on d.id = e.delivery_id
      where d.run_id = ${runId}`;
    expect(events?.n).toBe(0);
  });

  it('leaves a cancelled run without deliveries', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'cancelled' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR, 'cancelled');

    expect(await expandCampaignRun(db.sql, runId, { now: NOW })).toEqual({ queued: 0, skipped: 0 });
    expect(await deliveriesOf(runId)).toEqual([]);
  });

  it('refuses a run of a reminder campaign, and a run that does not exist', async () => {
    const campaignId = await insertCampaign(db.sql, { kind: 'reminder', status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);

    await expect(expandCampaignRun(db.sql, runId, { now: NOW })).rejects.toMatchObject({
      code: 'not_a_broadcast',
      details: { runId, campaignId },
    });
    await expect(expandCampaignRun(db.sql, runId + 1000, { now: NOW })).rejects.toMatchObject({
      code: 'run_not_found',
    });
    expect(await deliveriesOf(runId)).toEqual([]);
    const [run] = await db.sql`select status from campaign_runs where id = ${runId}`;
    expect(run?.status).toBe('pending');
  });
});

describe('expandCampaignRun on a large audience', () => {
  it('is followed by claims that walk the claim index, not a sort of every due delivery, whatever the statistics', async () => {
    const db = await createTestDatabase();
    onTestFinished(() => db.drop());
    await db.sql`
      insert into contacts (phone, opted_in_at)
      select (79000000000 + g)::text, ${CONSENT} from generate_series(1, 20000) g`;
    // Statistics from before the run, as a database that was analyzed while the table was small has.
    await db.sql`analyze deliveries`;
    const campaignId = await insertCampaign(db.sql, { status: 'running' });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);
    await expandCampaignRun(db.sql, runId, { now: NOW });

    const text = await explainClaim(db.sql, { workerId: 'w', now: NOW, limit: 100, leaseMs: 120_000 });
    // Each partition's copy of deliveries_claimable_idx, merged in order (a Merge Append), never a Sort node.
    expect(text, text).toMatch(/Index Scan using deliveries_\d+_campaign_id_next_attempt_at_id_idx/);
    expect(text, text).not.toMatch(/\bSort {2}\(cost/);
  });
});
