import { describe, expect, it } from 'vitest';
import { overviewPage } from '../../../src/http/dashboard/overviewPage.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

describe('overviewPage', () => {
  it('shows the totals, each day with a bar, and each campaign', () => {
    const out = overviewPage(
      uiFor({}),
      {
        days: [
          { day: '2026-11-21', sent: 1200, optOuts: 3 },
          { day: '2026-11-22', sent: 600, optOuts: 0 },
        ],
        totals: { sent: 1800, failed: 4, skipped: 10, optOuts: 3 },
        campaigns: [
          {
            id: 9,
            name: '<Sale>',
            kind: 'broadcast',
            status: 'running',
            sent: 1800,
            failed: 4,
            skipped: 10,
            optedOut: 2,
          },
        ],
      },
      { periodDays: 30 },
    ).value;
    expect(out).toContain('<div class="value" data-overview="sent">1,800</div>');
    expect(out).toContain('<tr data-day="2026-11-22"><td>2026-11-22</td><td class="num">600</td>');
    expect(out).toContain('width:50.00%');
    expect(out).toContain('<a href="/campaigns/9">&lt;Sale&gt;</a>');
  });

  it('says when the period is empty', () => {
    const out = overviewPage(
      uiFor({}),
      { days: [], totals: { sent: 0, failed: 0, skipped: 0, optOuts: 0 }, campaigns: [] },
      { periodDays: 30 },
    ).value;
    expect(out).toContain('Nothing in this period.');
  });
});
