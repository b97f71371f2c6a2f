import { describe, expect, it } from 'vitest';
import type { CampaignReport, FailedDelivery } from '../../src/reports/campaignReport.js';
import {
  formatCampaignReport,
  formatDuration,
  formatPercent,
  REASON_MEANINGS,
} from '../../src/reports/formatCampaignReport.js';

const counts = (over: Record<string, number> = {}) => ({
  queued: 0,
  waiting: 0,
  sending: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  skipped: 0,
  ...over,
});

/** A finished Viber broadcast of 10: 6 read or delivered, 2 still sent, 1 failed, 1 skipped. */
function viberReport(over: Partial<CampaignReport> = {}): CampaignReport {
  return {
    campaignId: 7,
    runId: null,
    name: 'Black Friday',
    kind: 'broadcast',
    status: 'completed',
    statusReason: null,
    transport: 'viber',
    consent: { purpose: 'marketing', rule: 'marketing: only contacts with a recorded opt-in' },
    counts: counts({ sent: 2, delivered: 4, read: 2, failed: 1, skipped: 1 }),
    reasons: { opted_out: 1, undeliverable: 1 },
    reasonsByState: { failed: { undeliverable: 1 }, skipped: { opted_out: 1 } },
    total: 10,
    transportReportsDelivery: true,
    totals: {
      deliveries: 10,
      pending: 0,
      accepted: 9,
      delivered: 6,
      read: 2,
      awaitingStatus: 2,
      failed: 1,
      skipped: 1,
    },
    nearStopReplies: { count: 0, replies: [] },
    byTransport: [],
    byChannel: [],
    sendRate: [],
    deliveryRate: 6 / 9,
    readRate: 2 / 9,
    ratesFinal: false,
    latencyMs: null,
    failures: [],
    failuresTotal: 0,
    runs: [],
    ...over,
  };
}

function failure(i: number): FailedDelivery {
  return {
    deliveryId: i,
    phone: `7900000000${i % 10}`,
    name: null,
    state: 'failed',
    reason: 'chat2desk:Invalid phone',
    detail: null,
    at: `2026-11-27T07:0${i % 10}:00.000Z`,
  };
}

describe('formatPercent', () => {
  it('gives one decimal, and n/a for a rate that does not apply', () => {
    expect(formatPercent(2 / 3)).toBe('66.7%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(null)).toBe('n/a');
  });
});

describe('formatDuration', () => {
  it('says milliseconds, seconds, minutes or hours as the length needs', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(950)).toBe('950 ms');
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(1250)).toBe('1.3s');
    expect(formatDuration(59_900)).toBe('59.9s');
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(61_500)).toBe('1m 1.5s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(7_260_000)).toBe('2h 1m');
  });

  // Bug: the seconds are rounded to one decimal after the minutes are taken off, so a time just short
  // of a whole minute rounds up to "60s" within the minute it is short of.
  it('rounds a time just short of a whole minute up to that minute', () => {
    expect(formatDuration(59_990)).toBe('1m');
    expect(formatDuration(119_990)).toBe('2m');
    expect(formatDuration(3_599_990)).toBe('1h');
  });
});

describe('formatCampaignReport', () => {
  it('tells the campaign, its states, reasons with their meaning, and its rates so far', () => {
    expect(formatCampaignReport(viberReport()).split('\n')).toEqual([
      'Campaign 7 "Black Friday" (viber): completed',
      '  10 recipients',
      '  consent: marketing: only contacts with a recorded opt-in',
      '  sent       2',
      '  delivered  4',
      '  read       2',
      '  failed     1',
      '  skipped    1',
      '  failed reasons:',
      `    undeliverable                     1  ${REASON_MEANINGS['undeliverable']}`,
      '  skipped reasons:',
      `    opted_out                         1  ${REASON_MEANINGS['opted_out']}`,
      '  accepted by Chat2Desk 9, pending 0, failed 1, skipped 1',
      '  delivery rate 66.7% so far, read rate 22.2% so far (2 of 9 awaiting a status)',
    ]);
  });

  it('lists reasons most frequent first, an unknown one without a meaning', () => {
    const text = formatCampaignReport(
      viberReport({ reasonsByState: { skipped: { opted_out: 2, something_new: 5, no_consent: 3 } } }),
    );

    const reasons = text.split('\n').filter((line) => line.startsWith('    '));
    expect(reasons.map((line) => line.trim().split(/\s+/)[0])).toEqual([
      'something_new',
      'no_consent',
      'opted_out',
    ]);
    expect(reasons[0]).toBe(`    ${'something_new'.padEnd(28)} ${'5'.padStart(6)}`);
  });

  it('gives final rates once no message awaits a status, and "unknown" while none has one', () => {
    const final = formatCampaignReport(viberReport({ ratesFinal: true }));
    const unknown = formatCampaignReport(
      viberReport({
        deliveryRate: null,
        readRate: null,
        totals: { ...viberReport().totals, awaitingStatus: 9 },
      }),
    );

    expect(final).toContain('\n  delivery rate 66.7%, read rate 22.2%');
    expect(final).not.toContain('so far');
    expect(unknown).toContain('\n  delivery rate unknown / pending (9 of 9 awaiting a status)');
  });

  it('says "sent" is final on a transport that reports no delivery, and gives no rates there', () => {
    const text = formatCampaignReport(
      viberReport({ transport: 'sms', transportReportsDelivery: false, deliveryRate: null, readRate: null }),
    );

    expect(text).not.toContain('delivery rate');
    expect(text.split('\n').at(-1)).toBe(
      '  note: Chat2Desk does not report delivery on sms; "sent" is final there',
    );
  });

  it('names the run, and why the campaign is in its status', () => {
    const first = formatCampaignReport(
      viberReport({ status: 'paused', statusReason: 'quota', runId: 12 }),
    ).split('\n')[0];

    expect(first).toBe('Campaign 7 "Black Friday" (viber): paused (quota), run 12');
  });

  it('gives the latency, calling a reminder’s lateness by its name', () => {
    const latencyMs = { p50: 950, p95: 61_500, max: 7_260_000 };

    expect(formatCampaignReport(viberReport({ latencyMs }))).toContain(
      '\n  due → sent: p50 950 ms, p95 1m 1.5s, max 2h 1m',
    );
    expect(formatCampaignReport(viberReport({ latencyMs, kind: 'reminder' }))).toContain(
      '\n  late by (due → sent): p50 950 ms, p95 1m 1.5s, max 2h 1m',
    );
  });

  it('gives the span of sending and its busiest minute', () => {
    const text = formatCampaignReport(
      viberReport({
        sendRate: [
          { minute: '2026-11-27T07:00:00.000Z', sent: 40 },
          { minute: '2026-11-27T07:01:00.000Z', sent: 55 },
          { minute: '2026-11-27T07:03:00.000Z', sent: 5 },
        ],
      }),
    );

    expect(text).toContain(
      '\n  sending: 2026-11-27T07:00:00.000Z to 2026-11-27T07:03:00.000Z, at most 55 a minute',
    );
  });

  it('breaks the counts down by transport and channel only when there is more than one', () => {
    const one = viberReport({
      byTransport: [{ transport: 'viber', reportsDelivery: true, total: 10, counts: counts() }],
      byChannel: [{ channelId: 1, total: 10, counts: counts() }],
    });
    const two = viberReport({
      byTransport: [
        { transport: 'viber', reportsDelivery: true, total: 6, counts: counts() },
        { transport: 'sms', reportsDelivery: false, total: 4, counts: counts() },
      ],
      byChannel: [
        { channelId: 1, total: 6, counts: counts() },
        { channelId: null, total: 4, counts: counts() },
      ],
    });

    expect(formatCampaignReport(one)).not.toContain('by transport');
    const lines = formatCampaignReport(two).split('\n');
    const start = lines.indexOf('  by transport:');
    expect(lines.slice(start, start + 6)).toEqual([
      '  by transport:',
      `    ${'viber'.padEnd(16)} 6`,
      `    ${'sms'.padEnd(16)} 4`,
      '  by channel:',
      `    ${'1'.padEnd(16)} 6`,
      `    ${'none'.padEnd(16)} 4`,
    ]);
  });

  it('lists the first ten failures with their detail, and says how many more the CSV holds', () => {
    const failures = Array.from({ length: 12 }, (_, i) => failure(i));
    failures[0] = {
      ...failures[0]!,
      state: 'skipped',
      reason: 'invalid_variable:visitAt',
      detail: 'read two ways',
    };

    const lines = formatCampaignReport(viberReport({ failures, failuresTotal: 30 })).split('\n');

    const start = lines.indexOf('  failures (30):');
    expect(start).toBeGreaterThan(0);
    expect(lines[start + 1]).toBe(
      `    2026-11-27T07:00:00.000Z  ${'79000000000'.padEnd(15)} skipped  invalid_variable:visitAt (read two ways)`,
    );
    expect(lines[start + 2]).toBe(
      `    2026-11-27T07:01:00.000Z  ${'79000000001'.padEnd(15)} failed   chat2desk:Invalid phone`,
    );
    expect(lines.slice(start + 1).filter((line) => line.startsWith('    2026'))).toHaveLength(10);
    expect(lines[start + 11]).toBe('    … 20 more in the CSV export');
  });

  it('asks for a review of replies that look like STOP, and says nothing of them when there are none', () => {
    const nearStopReplies = {
      count: 2,
      replies: [{ contactId: 1, phone: '79001112233', text: 'стоп спам', at: '2026-11-27T10:00:00.000Z' }],
    };
    const out = formatCampaignReport(viberReport({ nearStopReplies }));
    expect(out).toContain('  replies that look like STOP (not applied): 2 — review them');
    expect(out).toContain('    2026-11-27T10:00:00.000Z  79001112233  "стоп спам"');
    expect(formatCampaignReport(viberReport())).not.toContain('look like STOP');
  });

  it('says no more when every failure is listed', () => {
    const text = formatCampaignReport(viberReport({ failures: [failure(1)], failuresTotal: 1 }));

    expect(text).toContain('  failures (1):');
    expect(text).not.toContain('more in the CSV export');
  });
});
