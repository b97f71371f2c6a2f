import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignNotFoundError } from '../../src/campaigns/errors.js';
import {
  CampaignNotFoundForReportError,
  campaignReport,
  formatCampaignReport,
  RunNotFoundForReportError,
} from '../../src/reports/campaignReport.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertCampaign, insertDelivery, insertRun } from './seedReport.js';

const DAY1 = '2026-11-27T10:00:00.000Z';
const DAY2 = '2026-11-28T10:00:00.000Z';
const at = (day: string, time: string) => `${day.slice(0, 10)}T${time}.000Z`;

/**
 * Latencies come from a kept histogram of buckets 2 % wide: each figure within 2 % of the exact one,
 * and the maximum an upper bound (no send took longer).
 */
function expectLatencyNear(
  actual: { p50: number; p95: number; max: number } | null,
  exact: { p50: number; p95: number; max: number },
): void {
  expect(actual).not.toBeNull();
  for (const key of ['p50', 'p95', 'max'] as const) {
    expect(Math.abs(actual![key] - exact[key]), key).toBeLessThanOrEqual(exact[key] * 0.02);
  }
  expect(actual!.max).toBeGreaterThanOrEqual(exact.max);
}

let db: TestDatabase;
let viber: number;
let firstRun: number;
let secondRun: number;

beforeAll(async () => {
  db = await createTestDatabase();
  const sql = db.sql;
  viber = await insertCampaign(sql, { name: 'Viber promo', transport: 'viber' });
  firstRun = await insertRun(sql, viber, DAY1);
  secondRun = await insertRun(sql, viber, DAY2);
  const d1 = (time: string) => at(DAY1, time);
  // First run, due 10:00: six accepted by Chat2Desk at known delays, and every way of not being.
  const rows = [
    { phone: '79001110001', state: 'sent', sentAt: d1('10:00:30') },
    { phone: '79001110002', state: 'delivered', sentAt: d1('10:01:00'), deliveredAt: d1('10:02:00') },
    {
      phone: '79001110003',
      state: 'read',
      sentAt: d1('10:01:10'),
      deliveredAt: d1('10:01:20'),
      readAt: d1('10:03:00'),
    },
    { phone: '79001110004', state: 'read', sentAt: d1('10:02:00'), readAt: d1('10:04:00') },
    {
      phone: '79001110005',
      state: 'failed',
      reason: 'undeliverable',
      sentAt: d1('10:02:30'),
      failedAt: d1('10:05:00'),
    },
    {
      phone: '79001110006',
      name: 'Ann',
      state: 'failed',
      reason: 'attempts_exhausted:timeout',
      failedAt: d1('10:03:00'),
    },
    { phone: '79001110007', name: 'Bob', state: 'skipped', reason: 'opted_out', skippedAt: d1('10:00:00') },
    {
      phone: '79001110008',
      state: 'skipped',
      reason: 'missing_variable:firstName',
      skippedAt: d1('10:00:05'),
    },
    { phone: '79001110009', state: 'queued', channelId: 2 },
    { phone: '79001110010', state: 'waiting', reason: 'rate_limited', transport: 'sms', channelId: 2 },
  ];
  for (const row of rows) await insertDelivery(sql, viber, firstRun, { dueAt: DAY1, ...row });
  await insertDelivery(sql, viber, secondRun, {
    phone: '79001110001',
    state: 'sent',
    dueAt: DAY2,
    sentAt: at(DAY2, '10:00:10'),
  });
  await insertDelivery(sql, viber, secondRun, { phone: '79001110002', state: 'sending', dueAt: DAY2 });
});
afterAll(async () => {
  await db?.drop();
});

/** 3 delivered, 1 read, 1 reported undeliverable (a status too), 5 still sent: rates "so far". */
const PARTLY_FETCHED = [...Array(3).fill('delivered'), 'read', 'failed', ...Array(5).fill('sent')];

describe('campaignReport for a whole campaign', () => {
  it('counts deliveries per state (every state present) and per reason prefix', async () => {
    const report = await campaignReport(db.sql, viber);
    expect(report.counts).toEqual({
      queued: 1,
      waiting: 1,
      sending: 1,
      sent: 2,
      delivered: 1,
      read: 2,
      failed: 2,
      skipped: 2,
    });
    expect(report.reasons).toEqual({
      undeliverable: 1,
      attempts_exhausted: 1,
      opted_out: 1,
      missing_variable: 1,
      rate_limited: 1,
    });
    expect(report.total).toBe(12);
    expect(report).toMatchObject({ campaignId: viber, runId: null, name: 'Viber promo', status: 'running' });
  });

  it('gives the reasons apart per state: failures, skips and waits never mixed', async () => {
    const report = await campaignReport(db.sql, viber);
    expect(report.reasonsByState).toEqual({
      waiting: { rate_limited: 1 },
      failed: { undeliverable: 1, attempts_exhausted: 1 },
      skipped: { opted_out: 1, missing_variable: 1 },
    });
    expect(Object.keys(report.reasonsByState)).toEqual(['waiting', 'failed', 'skipped']);
  });

  it('totals what Chat2Desk accepted, what was delivered and read, and what is still pending', async () => {
    const report = await campaignReport(db.sql, viber);
    expect(report.totals).toEqual({
      deliveries: 12,
      pending: 3,
      accepted: 6,
      delivered: 3,
      read: 2,
      awaitingStatus: 2,
      failed: 2,
      skipped: 2,
    });
  });

  it('gives delivery and read rates over the messages Chat2Desk accepted, where the transport reports them', async () => {
    const report = await campaignReport(db.sql, viber);
    expect(report.transportReportsDelivery).toBe(true);
    expect(report.deliveryRate).toBe(0.5);
    expect(report.readRate).toBeCloseTo(2 / 6, 10);
  });

  it('measures the time from due to sent with percentiles', async () => {
    // Latencies 10, 30, 60, 70, 120, 150 seconds: p50 between 60 and 70, p95 three quarters from 120 to 150.
    const report = await campaignReport(db.sql, viber);
    expectLatencyNear(report.latencyMs, { p50: 65_000, p95: 142_500, max: 150_000 });
  });

  it('counts sends per minute by the time Chat2Desk accepted them', async () => {
    const report = await campaignReport(db.sql, viber);
    expect(report.sendRate).toEqual([
      { minute: '2026-11-27T10:00:00.000Z', sent: 1 },
      { minute: '2026-11-27T10:01:00.000Z', sent: 2 },
      { minute: '2026-11-27T10:02:00.000Z', sent: 2 },
      { minute: '2026-11-28T10:00:00.000Z', sent: 1 },
    ]);
  });

  it('breaks the deliveries down per transport and per channel', async () => {
    const report = await campaignReport(db.sql, viber);
    const sms = report.byTransport.find((t) => t.transport === 'sms');
    const viberRow = report.byTransport.find((t) => t.transport === 'viber');
    expect(report.byTransport).toHaveLength(2);
    expect(sms).toMatchObject({ total: 1, reportsDelivery: false, counts: { waiting: 1, sent: 0 } });
    expect(viberRow).toMatchObject({
      total: 11,
      reportsDelivery: true,
      counts: { read: 2, failed: 2, waiting: 0 },
    });
    expect(report.byChannel.map((c) => [c.channelId, c.total])).toEqual([
      [1, 10],
      [2, 2],
    ]);
    expect(report.byChannel[1]!.counts).toMatchObject({ queued: 1, waiting: 1 });
  });

  it('lists failed and skipped deliveries earliest first, with phone, name, full reason, its detail and time', async () => {
    await db.sql`
      insert into delivery_events (delivery_id, run_id, from_state, to_state, reason, details, at)
      select d.id, d.run_id, 'queued', 'skipped', d.reason, ${db.sql.json({ detail: 'an object, not text' })}, d.skipped_at
      from deliveries d join contacts c on c.id = d.contact_id where c.phone = '79001110008'`;
    const report = await campaignReport(db.sql, viber);
    expect(report.failuresTotal).toBe(4);
    expect(report.failures.map(({ deliveryId: _, ...f }) => f)).toEqual([
      {
        phone: '79001110007',
        name: 'Bob',
        state: 'skipped',
        reason: 'opted_out',
        detail: null,
        at: '2026-11-27T10:00:00.000Z',
      },
      {
        phone: '79001110008',
        name: null,
        state: 'skipped',
        reason: 'missing_variable:firstName',
        detail: 'an object, not text',
        at: '2026-11-27T10:00:05.000Z',
      },
      {
        phone: '79001110006',
        name: 'Ann',
        state: 'failed',
        reason: 'attempts_exhausted:timeout',
        detail: null,
        at: '2026-11-27T10:03:00.000Z',
      },
      {
        phone: '79001110005',
        name: null,
        state: 'failed',
        reason: 'undeliverable',
        detail: null,
        at: '2026-11-27T10:05:00.000Z',
      },
    ]);
    expect(report.failures.every((f) => Number.isInteger(f.deliveryId))).toBe(true);
  });

  it('summarises each run, most recent first', async () => {
    const report = await campaignReport(db.sql, viber);
    expect(report.runs).toEqual([
      { runId: secondRun, scheduledFor: DAY2, status: 'running', total: 2, accepted: 1, pending: 1 },
      { runId: firstRun, scheduledFor: DAY1, status: 'running', total: 10, accepted: 5, pending: 2 },
    ]);
  });
});

describe('campaignReport for one run', () => {
  it('covers only that run’s deliveries', async () => {
    const report = await campaignReport(db.sql, viber, { runId: firstRun });
    expect(report.runId).toBe(firstRun);
    expect(report.total).toBe(10);
    expect(report.counts).toMatchObject({ sent: 1, sending: 0, read: 2 });
    expect(report.totals).toMatchObject({
      accepted: 5,
      delivered: 3,
      read: 2,
      awaitingStatus: 1,
      pending: 2,
    });
    expect(report.deliveryRate).toBe(0.6);
    expect(report.readRate).toBe(0.4);
    // 30, 60, 70, 120, 150 s: p95 four fifths of the way from 120 to 150.
    expectLatencyNear(report.latencyMs, { p50: 70_000, p95: 144_000, max: 150_000 });
    expect(report.sendRate.map((m) => m.sent)).toEqual([1, 2, 2]);
    expect(report.runs.map((r) => r.runId)).toEqual([firstRun]);
  });

  it('refuses a run of another campaign', async () => {
    const other = await insertCampaign(db.sql, { name: 'Other', transport: 'viber' });
    const otherRun = await insertRun(db.sql, other, DAY1);
    await expect(campaignReport(db.sql, viber, { runId: otherRun })).rejects.toBeInstanceOf(
      RunNotFoundForReportError,
    );
  });
});

describe('campaignReport where the transport does not report delivery', () => {
  it('gives no delivery or read rate rather than pretending, and says so', async () => {
    const whatsapp = await insertCampaign(db.sql, { name: 'WhatsApp news', transport: 'whatsapp' });
    const run = await insertRun(db.sql, whatsapp, DAY1);
    await insertDelivery(db.sql, whatsapp, run, {
      phone: '79002220001',
      state: 'sent',
      transport: 'whatsapp',
      dueAt: DAY1,
      sentAt: at(DAY1, '10:00:02'),
    });

    const report = await campaignReport(db.sql, whatsapp);

    expect(report.transportReportsDelivery).toBe(false);
    expect(report.deliveryRate).toBeNull();
    expect(report.readRate).toBeNull();
    expect(report.totals.awaitingStatus).toBeNull();
    expect(report.ratesFinal).toBe(true);
    expectLatencyNear(report.latencyMs, { p50: 2000, p95: 2000, max: 2000 });
    expect(formatCampaignReport(report)).toContain('does not report delivery on whatsapp');
    expect(formatCampaignReport(report)).not.toContain('awaiting a status');
  });
});

/** A viber campaign whose one run holds a delivery per state given, each accepted by Chat2Desk. */
async function acceptedCampaign(name: string, states: string[]): Promise<number> {
  const id = await insertCampaign(db.sql, { name, transport: 'viber' });
  const run = await insertRun(db.sql, id, DAY1);
  for (const [i, state] of states.entries()) {
    await insertDelivery(db.sql, id, run, {
      phone: `7904${String(id).padStart(3, '0')}${String(i).padStart(4, '0')}`,
      state,
      reason: state === 'failed' ? 'undeliverable' : null,
      dueAt: DAY1,
      sentAt: at(DAY1, '10:00:05'),
    });
  }
  return id;
}

describe('campaignReport while delivery statuses are still awaited', () => {
  it('gives no rate, rather than 0 %, when no accepted message has a status yet', async () => {
    const id = await acceptedCampaign('Not fetched yet', ['sent', 'sent', 'sent']);

    const report = await campaignReport(db.sql, id);

    expect(report.totals).toMatchObject({ accepted: 3, delivered: 0, awaitingStatus: 3 });
    expect(report.deliveryRate).toBeNull();
    expect(report.readRate).toBeNull();
    expect(report.ratesFinal).toBe(false);
  });

  it('gives the rates over every accepted message, as a lower bound, while some still await a status', async () => {
    const id = await acceptedCampaign('Partly fetched', PARTLY_FETCHED);

    const report = await campaignReport(db.sql, id);

    expect(report.totals).toMatchObject({ accepted: 10, delivered: 4, read: 1, awaitingStatus: 5 });
    expect(report.deliveryRate).toBe(0.4);
    expect(report.readRate).toBe(0.1);
    expect(report.ratesFinal).toBe(false);
  });

  it('calls the rates final once every accepted message has a status', async () => {
    const id = await acceptedCampaign('All fetched', ['delivered', 'read', 'failed']);

    const report = await campaignReport(db.sql, id);

    expect(report.totals.awaitingStatus).toBe(0);
    expect(report.deliveryRate).toBeCloseTo(2 / 3, 10);
    expect(report.readRate).toBeCloseTo(1 / 3, 10);
    expect(report.ratesFinal).toBe(true);
  });
});

describe('campaignReport edge cases', () => {
  it('reports a campaign with no deliveries as zeros, with no latency and no rates', async () => {
    const empty = await insertCampaign(db.sql, { name: 'Empty', transport: 'viber', status: 'scheduled' });
    const report = await campaignReport(db.sql, empty);
    expect(report.total).toBe(0);
    expect(Object.values(report.counts).every((n) => n === 0)).toBe(true);
    expect(report).toMatchObject({
      latencyMs: null,
      deliveryRate: null,
      readRate: null,
      ratesFinal: true,
      sendRate: [],
      failures: [],
    });
  });

  it('throws a campaign-not-found error for an unknown campaign', async () => {
    const error = await campaignReport(db.sql, 999_999).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CampaignNotFoundForReportError);
    expect(error).toBeInstanceOf(CampaignNotFoundError);
    expect((error as CampaignNotFoundError).code).toBe('campaign_not_found');
  });

  it('lists at most 100 failures while counting all of them', async () => {
    const busy = await insertCampaign(db.sql, { name: 'Many skips', transport: 'viber' });
    const run = await insertRun(db.sql, busy, DAY1);
    await db.sql`
      insert into contacts (phone) select (79003330000 + i)::text from generate_series(1, 130) i`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport, skipped_at)
      select ${run}, ${busy}, c.id, 'skipped', 'no_consent', ${DAY1}, ${DAY1}, 'viber',
             ${DAY1}::timestamptz + (c.phone::bigint - 79003330000) * interval '1 second'
      from contacts c where c.phone like '7900333%'`;

    const report = await campaignReport(db.sql, busy);

    expect(report.failuresTotal).toBe(130);
    expect(report.failures).toHaveLength(100);
    expect(report.failures[0]!.phone).toBe('79003330001');
    expect(report.failures[99]!.phone).toBe('79003330100');
  });
});

describe('formatCampaignReport', () => {
  it('prints counts, reasons, rates, latency, the send span and the first failures for a person', async () => {
    const text = formatCampaignReport(await campaignReport(db.sql, viber));
    expect(text).toMatch(/^Campaign \d+ "Viber promo" \(viber\): running/);
    expect(text).toContain('accepted by Chat2Desk 6, pending 3, failed 2, skipped 2');
    expect(text).toContain('delivery rate 50.0% so far, read rate 33.3% so far (2 of 6 awaiting a status)');
    // From the kept histogram: within 2 % of p50 1m 5s, p95 2m 22.5s, max 2m 30s.
    expect(text).toMatch(/due → sent: p50 1m [45](\.\d)?s, p95 2m 2[0-5](\.\d)?s, max 2m 3[0-3](\.\d)?s/);
    expect(text).toContain('at most 2 a minute');
    expect(text).toContain('79001110006     failed   attempts_exhausted:timeout');
  });

  it('says which consent rule applied, and what each reason means', async () => {
    const report = await campaignReport(db.sql, viber);
    expect(report.consent).toEqual({
      purpose: 'marketing',
      rule: 'marketing: only contacts with a recorded opt-in; an opt-out stops every message',
    });
    const text = formatCampaignReport(report);
    expect(text).toContain(
      '  consent: marketing: only contacts with a recorded opt-in; an opt-out stops every message',
    );
    expect(text).toMatch(/ {4}opted_out +1 {2}the contact opted out \(STOP, or by hand\)/);
    expect(text).toMatch(/ {4}missing_variable +1 {2}the contact lacks a value the template needs/);
    const lines = text.split('\n');
    const failedAt = lines.indexOf('  failed reasons:');
    const skippedAt = lines.indexOf('  skipped reasons:');
    expect(failedAt).toBeGreaterThan(0);
    expect(skippedAt).toBeGreaterThan(failedAt);
    expect(
      lines
        .slice(failedAt + 1, skippedAt)
        .map((l) => l.trim().split(/\s+/)[0])
        .sort(),
    ).toEqual(['attempts_exhausted', 'undeliverable']);
  });

  it('says the rates are unknown, with the count awaiting, when no status was fetched yet', async () => {
    const text = formatCampaignReport(
      await campaignReport(db.sql, await acceptedCampaign('Printed unknown', ['sent', 'sent'])),
    );
    expect(text).toContain('  delivery rate unknown / pending (2 of 2 awaiting a status)\n');
    expect(text).not.toContain('0.0%');
  });

  it('marks the rates "so far" while some messages await a status', async () => {
    const text = formatCampaignReport(
      await campaignReport(db.sql, await acceptedCampaign('Printed so far', PARTLY_FETCHED)),
    );
    expect(text).toContain(
      '  delivery rate 40.0% so far, read rate 10.0% so far (5 of 10 awaiting a status)\n',
    );
  });

  it('prints the plain rates once none awaits a status', async () => {
    const text = formatCampaignReport(
      await campaignReport(
        db.sql,
        await acceptedCampaign('Printed final', ['delivered', 'read', 'failed', 'read']),
      ),
    );
    expect(text).toContain('  delivery rate 75.0%, read rate 50.0%\n');
    expect(text).not.toContain('so far');
    expect(text).not.toContain('awaiting');
  });
});
