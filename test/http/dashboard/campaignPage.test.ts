import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignPage, duration } from '../../../src/http/dashboard/campaignPage.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';
import { type CampaignReport, campaignReport } from '../../../src/reports/campaignReport.js';
import { insertCampaign, insertDelivery, insertRun } from '../../reports/seedReport.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/** The console as a browser asking for nothing gets it: English, times in UTC. */
const EN = uiFor({});

const DUE = '2026-11-27T10:00:00.000Z';
const CSRF = 'csrf-token-123';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function reportOf(
  status: string,
  options: { kind?: 'broadcast' | 'reminder'; deliveries?: boolean } = {},
) {
  const id = await insertCampaign(db.sql, {
    name: `A ${status} campaign`,
    transport: 'viber',
    status,
    ...options,
  });
  if (options.deliveries) {
    const run = await insertRun(db.sql, id, DUE);
    const phone = (n: number) => `7904${String(id).padStart(3, '0')}${String(n).padStart(4, '0')}`;
    await insertDelivery(db.sql, id, run, {
      phone: phone(1),
      state: 'sent',
      dueAt: DUE,
      sentAt: '2026-11-27T10:05:00Z',
    });
    await insertDelivery(db.sql, id, run, {
      phone: phone(2),
      state: 'failed',
      reason: 'undeliverable',
      dueAt: DUE,
      failedAt: '2026-11-27T10:06:00Z',
    });
  }
  return campaignReport(db.sql, id);
}

/** The actions the page's forms post to. */
function actionsOf(page: string): string[] {
  return [...page.matchAll(/<form method="post" action="\/campaigns\/\d+\/(\w+)">/g)].map((m) => m[1]!);
}

describe('campaignPage', () => {
  it('offers the buttons the campaign’s status allows, each form carrying the CSRF token', async () => {
    const cases: Array<[string, string[]]> = [
      ['draft', ['cancel']],
      ['scheduled', ['pause', 'cancel']],
      ['running', ['pause', 'cancel']],
      ['paused', ['resume', 'cancel']],
      ['completed', []],
      ['cancelled', []],
    ];
    for (const [status, expected] of cases) {
      const page = campaignPage(EN, await reportOf(status), CSRF).value;
      expect(actionsOf(page), status).toEqual(expected);
      expect([...page.matchAll(/name="csrf" value="([^"]*)"/g)].map((m) => m[1])).toEqual(
        expected.map(() => CSRF),
      );
    }
  });

  it('asks before cancelling by folding the cancel button away', async () => {
    const page = campaignPage(EN, await reportOf('running'), CSRF).value;
    expect(page).toMatch(
      /<details class="confirm"><summary>Cancel…<\/summary>[\s\S]*action="\/campaigns\/\d+\/cancel"[\s\S]*<\/details>/,
    );
  });

  it('shows a campaign without deliveries with dashes and no table of runs', async () => {
    const report = await reportOf('scheduled');
    const page = campaignPage(EN, report, CSRF).value;
    expect(page).toContain('data-total="deliveries">0<');
    expect(page).toContain('data-total="latencyP50">—<');
    expect(page).toContain('No delivery carries a reason.');
    expect(page).toContain('Nothing failed or was skipped.');
    expect(page).not.toContain('<h2>Runs</h2>');
    expect(page).toContain(`href="/campaigns/${report.campaignId}/recipients.csv" download`);
  });

  it('labels latency as lateness for a reminder campaign', async () => {
    const page = campaignPage(
      EN,
      await reportOf('running', { kind: 'reminder', deliveries: true }),
      CSRF,
    ).value;
    expect(page).toContain('Late by (p50)');
    // 5 minutes late, read from the kept histogram (within 2 %).
    expect(page).toMatch(/data-total="latencyP50">(4m 5\d(\.\d)?s|5m( [0-5](\.\d)?s)?)</);
  });

  it('on one run, links back to every run and exports only that run', async () => {
    const all = await reportOf('running', { deliveries: true });
    const run = all.runs[0]!.runId;
    const report = await campaignReport(db.sql, all.campaignId, { runId: run });
    const page = campaignPage(EN, report, CSRF).value;
    expect(page).toContain(` / run #${run}`);
    expect(page).toContain(`<a href="/campaigns/${all.campaignId}">Show every run</a>`);
    expect(page).toContain(`href="/campaigns/${all.campaignId}/recipients.csv?run=${run}" download`);
  });

  it('says how many failures it does not list, pointing at the CSV', async () => {
    const report: CampaignReport = {
      ...(await reportOf('running', { deliveries: true })),
      failuresTotal: 250,
    };
    const page = campaignPage(EN, report, CSRF).value;
    expect(page).toContain('The first 1 of 250; the CSV export lists them all.');
  });
});

describe('duration', () => {
  it('writes the report’s durations in the viewer’s units', () => {
    const ru = uiFor({ 'accept-language': 'ru' });
    expect([950, 61_500, 7_260_000].map((ms) => duration(EN, ms))).toEqual(['950 ms', '1m 1.5s', '2h 1m']);
    expect([950, 61_500, 7_260_000].map((ms) => duration(ru, ms))).toEqual([
      '950 мс',
      '1 мин 1,5 с',
      '2 ч 1 мин',
    ]);
  });
});
