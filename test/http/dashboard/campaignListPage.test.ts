import { describe, expect, it } from 'vitest';
import { campaignListPage } from '../../../src/http/dashboard/campaignListPage.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';
import type { CampaignProgress } from '../../../src/reports/campaignProgress.js';

function campaign(overrides: Partial<CampaignProgress> = {}): CampaignProgress {
  return {
    id: 7,
    name: 'Autumn sale',
    kind: 'broadcast',
    status: 'running',
    statusReason: null,
    transport: 'viber',
    nextRunAt: null,
    createdAt: new Date('2026-11-27T07:00:00Z'),
    total: 0,
    counts: {},
    ...overrides,
  };
}

function render(items: CampaignProgress[], total = items.length, page = 1, pageSize = 50): string {
  return campaignListPage(EN, { items, total, page, pageSize }).value;
}

/** The console as a browser asking for nothing gets it: English, times in UTC. */
const EN = uiFor({});

describe('campaignListPage', () => {
  it('says how to make a campaign when there is none', () => {
    const out = render([]);
    expect(out).toContain('0 campaigns;');
    expect(out).toContain('No campaigns yet.');
    expect(out).not.toContain('<table>');
  });

  it('counts one campaign in the singular', () => {
    expect(render([campaign()])).toContain('1 campaign;');
  });

  it('shows settled progress, sent and failed-or-skipped counts per campaign', () => {
    const counts = { queued: 1, waiting: 1, sent: 2, delivered: 1, read: 1, failed: 1, skipped: 2 };
    const out = render([campaign({ id: 12, total: 9, counts })]);
    expect(out).toContain('<tr data-campaign-id="12">');
    expect(out).toContain('<a href="/campaigns/12">Autumn sale</a>');
    expect(out).toContain('7 of 9 settled (77%)');
    expect(out).toContain('<td class="num">4</td>\n<td class="num">3</td>');
  });

  it('shows 0% for a campaign without deliveries, and its next run in UTC', () => {
    const out = render([campaign({ nextRunAt: new Date('2026-12-01T10:00:00Z') })]);
    expect(out).toContain('0 of 0 settled (0%)');
    expect(out).toContain(
      '<td><time datetime="2026-12-01T10:00:00.000Z" title="2026-12-01 10:00 UTC">2026-12-01 10:00</time></td>',
    );
  });

  it('shows why the engine changed a status, escaped', () => {
    const out = render([campaign({ status: 'paused', statusReason: '<quota_guard>' })]);
    expect(out).toContain('data-status="paused"');
    expect(out).toContain('&lt;quota_guard&gt;');
  });

  it('has no pager while everything fits on one page', () => {
    expect(render([campaign()], 50, 1, 50)).not.toContain('class="pager"');
  });

  it('links to newer and older pages from a middle page, and only newer from the last', () => {
    const middle = render([campaign()], 120, 2, 50);
    expect(middle).toContain('<a href="/?page=1" rel="prev">← Newer</a>');
    expect(middle).toContain('Page 2 of 3');
    expect(middle).toContain('<a href="/?page=3" rel="next">Older →</a>');
    const last = render([campaign()], 120, 3, 50);
    expect(last).toContain('<a href="/?page=2" rel="prev">');
    expect(last).not.toContain('Older');
  });
});
