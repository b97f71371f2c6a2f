import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelCampaign } from '../../../src/campaigns/lifecycle.js';
import { optOutContact } from '../../../src/delivery/optOut.js';
import {
  AUDIENCE_BLOCK_SIZE,
  DUE_AHEAD,
  materialiseAhead,
} from '../../../src/delivery/sql/audienceBlocks.js';
import { readDueQueue } from '../../../src/metrics/sql/readDueQueue.js';
import { writeRecipientsCsv } from '../../../src/reports/recipientsCsv.js';
import { countByStateAndReason } from '../../../src/reports/sql/countByStateAndReason.js';
import { findDeliveryCountDrift } from '../../../src/reports/sql/deliveryCountDrift.js';
import { completeFinishedRuns } from '../../../src/scheduler/completeFinishedRuns.js';
import { expandCampaignRun } from '../../../src/scheduler/expandCampaignRun.js';
import { insertCampaign, insertRun } from '../../scheduler/seed.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

const NOW = new Date('2026-03-01T09:00:00.000Z');
const SCHEDULED_FOR = new Date('2026-03-01T08:59:00.000Z');
/** Three blocks and a half: more than the expansion makes rows for (three, see the first test). */
const AUDIENCE = 3 * AUDIENCE_BLOCK_SIZE + AUDIENCE_BLOCK_SIZE / 2;
/** Every 10th member has no consent: skipped `no_consent` by a marketing campaign. */
const WITHOUT_CONSENT = AUDIENCE / 10;

describe('audience blocks: an expanded audience made into delivery rows as the workers need them', () => {
  let db: TestDatabase;
  let listId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql`
      insert into contacts (phone, opted_in_at)
      select (79000000000 + g)::text, case when g % 10 = 0 then null else now() end
      from generate_series(1, ${AUDIENCE}::int) g`;
    const [list] = await db.sql<{ id: number }[]>`insert into lists (name) values ('all') returning id`;
    listId = list!.id;
    await db.sql`insert into list_members (list_id, contact_id) select ${listId}, id from contacts`;
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
  });

  async function expandedRun(): Promise<{ campaignId: number; runId: number }> {
    const campaignId = await insertCampaign(db.sql, { status: 'running', listId });
    const runId = await insertRun(db.sql, campaignId, SCHEDULED_FOR);
    await expandCampaignRun(db.sql, runId, { now: NOW });
    return { campaignId, runId };
  }

  const rowsOf = async (runId: number) =>
    (await db.sql<{ n: number }[]>`select count(*)::int as n from deliveries where run_id = ${runId}`)[0]!.n;

  const countsOf = async (campaignId: number) =>
    Object.fromEntries(
      (await countByStateAndReason(db.sql, { campaignId })).map((c) => [
        `${c.state}${c.reason ? `:${c.reason}` : ''}`,
        c.n,
      ]),
    );

  /** The recipients CSV's lines, without its header. */
  async function recipients(campaignId: number): Promise<string[]> {
    let csv = '';
    const out = new Writable({
      write(chunk, _encoding, done) {
        csv += String(chunk);
        done();
      },
    });
    await writeRecipientsCsv(db.sql, campaignId, out);
    return csv.trim().split('\n').slice(1);
  }

  /** Marks `n` of the run's queued deliveries sent, as the workers would have. */
  async function send(runId: number, n: number) {
    await db.sql`
      update deliveries set state = 'sent', sent_at = ${NOW}, sending_at = ${NOW}
      where id in (select id from deliveries where run_id = ${runId} and state = 'queued' order by id limit ${n})`;
  }

  it('expansion decides the whole audience and counts it, and makes rows for the first blocks only', async () => {
    const { campaignId, runId } = await expandedRun();

    // Blocks are made until DUE_AHEAD are due: two hold 18,000 (a tenth skipped), three 27,000.
    expect(DUE_AHEAD).toBe(2 * AUDIENCE_BLOCK_SIZE);
    expect(await rowsOf(runId)).toBe(3 * AUDIENCE_BLOCK_SIZE);
    expect(await countsOf(campaignId)).toEqual({
      queued: AUDIENCE - WITHOUT_CONSENT,
      'skipped:no_consent': WITHOUT_CONSENT,
    });
    expect(await findDeliveryCountDrift(db.sql)).toEqual([]);
    // Every member is due: those with rows and those without.
    expect((await readDueQueue(db.sql, NOW)).depth).toBe(AUDIENCE - WITHOUT_CONSENT);
    await db.sql`update campaigns set status = 'completed' where id = ${campaignId}`;
  });

  it('makes the next block when the due rows run low, never while enough are due, and honours a STOP since expansion', async () => {
    const { campaignId, runId } = await expandedRun();
    expect(await materialiseAhead(db.sql, { now: NOW })).toBe(0);
    const [member] = await db.sql<{ id: number }[]>`
      select unnest(contact_ids) as id from run_audience_blocks
      where run_id = ${runId} and materialised_at is null order by block_no limit 1`;
    await optOutContact(db.sql, { contactId: member!.id }, { reason: 'STOP', now: NOW });

    // 27,000 due: 5,000 sent leave 22,000, enough; 5,000 more leave 17,000, and the last half block is made.
    await send(runId, AUDIENCE_BLOCK_SIZE / 2);
    expect(await materialiseAhead(db.sql, { now: NOW })).toBe(0);
    await send(runId, AUDIENCE_BLOCK_SIZE / 2);
    expect(await materialiseAhead(db.sql, { now: NOW })).toBe(AUDIENCE_BLOCK_SIZE / 2);
    expect(await materialiseAhead(db.sql, { now: NOW })).toBe(0);

    expect(await rowsOf(runId)).toBe(AUDIENCE);
    const [stopped] = await db.sql`
      select state, reason from deliveries where run_id = ${runId} and contact_id = ${member!.id}`;
    expect(stopped).toEqual({ state: 'skipped', reason: 'opted_out' });
    expect(await findDeliveryCountDrift(db.sql)).toEqual([]);
    const counts = await countsOf(campaignId);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(AUDIENCE);
    expect(counts['skipped:opted_out']).toBe(1);
    await db.sql`update campaigns set status = 'completed' where id = ${campaignId}`;
    await db.sql`update contacts set opted_out_at = null, opt_out_reason = null where id = ${member!.id}`;
  });

  it('lists every member in the recipients CSV, with and without a row, once each', async () => {
    const { campaignId } = await expandedRun();
    const lines = await recipients(campaignId);
    const phones = new Set(lines.map((line) => line.split(',')[0]));
    expect(lines).toHaveLength(AUDIENCE);
    expect(phones.size).toBe(AUDIENCE);
    expect(lines.filter((line) => line.includes(',skipped,no_consent,'))).toHaveLength(WITHOUT_CONSENT);
    await db.sql`update campaigns set status = 'completed' where id = ${campaignId}`;
  });

  it('does not complete a run while members wait in blocks, nor make rows of a paused campaign', async () => {
    const { campaignId, runId } = await expandedRun();
    await db.sql`update campaigns set status = 'paused' where id = ${campaignId}`;
    await db.sql`update deliveries set state = 'sent', sent_at = ${NOW} where run_id = ${runId} and state = 'queued'`;

    expect(await materialiseAhead(db.sql, { now: NOW })).toBe(0);
    expect(await completeFinishedRuns(db.sql, NOW)).toEqual([]);
    await db.sql`update campaigns set status = 'completed' where id = ${campaignId}`;
  });

  it('a cancel counts every member not yet in a row as cancelled at once; the scheduler makes their rows later', async () => {
    const { campaignId, runId } = await expandedRun();
    const madeAtExpansion = await rowsOf(runId);
    const cancelled = await cancelCampaign(db.sql, campaignId, { now: NOW });

    const counts = {
      'skipped:cancelled': AUDIENCE - WITHOUT_CONSENT,
      'skipped:no_consent': WITHOUT_CONSENT,
    };
    expect(cancelled.skippedDeliveries).toBe(AUDIENCE - WITHOUT_CONSENT);
    expect(await rowsOf(runId)).toBe(madeAtExpansion);
    expect(await countsOf(campaignId)).toEqual(counts);
    expect(await findDeliveryCountDrift(db.sql)).toEqual([]);
    expect(
      (await recipients(campaignId)).filter((line) => line.includes(',skipped,cancelled,')),
    ).toHaveLength(AUDIENCE - WITHOUT_CONSENT);

    expect(await materialiseAhead(db.sql, { now: NOW })).toBe(AUDIENCE - madeAtExpansion);
    expect(await rowsOf(runId)).toBe(AUDIENCE);
    expect(await countsOf(campaignId)).toEqual(counts);
    expect(await findDeliveryCountDrift(db.sql)).toEqual([]);
    const [queued] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from deliveries where run_id = ${runId} and state <> 'skipped'`;
    expect(queued!.n).toBe(0);
  });

  it('a campaign deleted with blocks not made takes their counts with it', async () => {
    const { campaignId } = await expandedRun();
    await db.sql`delete from deliveries where campaign_id = ${campaignId}`;
    await db.sql`delete from campaigns where id = ${campaignId}`;

    expect(await countsOf(campaignId)).toEqual({});
    expect(await findDeliveryCountDrift(db.sql)).toEqual([]);
  });
});
