import { describe, expect, it } from 'vitest';
import { bucketSends, sendsChart } from '../../../src/http/dashboard/sendsChart.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

/** The console as a browser asking for nothing gets it: English, times in UTC. */
const EN = uiFor({});

describe('the sends-over-time chart', () => {
  it('draws one bar per minute, with the empty minutes between sends kept on the time axis', () => {
    const { bucketMinutes, buckets } = bucketSends([
      { minute: '2026-11-27T10:00:00.000Z', sent: 3 },
      { minute: '2026-11-27T10:20:00.000Z', sent: 5 },
    ]);
    expect(bucketMinutes).toBe(1);
    expect(buckets).toHaveLength(21);
    expect(buckets.filter((b) => b.sent > 0).map((b) => [new Date(b.start).toISOString(), b.sent])).toEqual([
      ['2026-11-27T10:00:00.000Z', 3],
      ['2026-11-27T10:20:00.000Z', 5],
    ]);
  });

  it('widens the bars for a long span, so the chart keeps at most 90 of them', () => {
    const { bucketMinutes, buckets } = bucketSends([
      { minute: '2026-11-27T10:00:00.000Z', sent: 3 },
      { minute: '2026-11-27T10:01:00.000Z', sent: 2 },
      { minute: '2026-11-27T13:00:00.000Z', sent: 4 },
    ]);
    expect(bucketMinutes).toBe(5);
    expect(buckets).toHaveLength(37);
    expect(buckets[0]!.sent).toBe(5);
    expect(buckets[36]!.sent).toBe(4);
  });

  it('centres a single busy minute among empty ones rather than drawing a wall', () => {
    const { buckets } = bucketSends([{ minute: '2026-11-27T10:00:00.000Z', sent: 7 }]);
    expect(buckets).toHaveLength(12);
    expect(buckets.findIndex((b) => b.sent === 7)).toBe(5);
  });

  it('says nothing was sent instead of drawing an empty chart', () => {
    expect(sendsChart(EN, []).value).toContain('Nothing has been sent yet.');
  });

  it('scales the axis to a round number above the busiest minute', () => {
    const svg = sendsChart(EN, [{ minute: '2026-11-27T10:00:00.000Z', sent: 37 }]).value;
    expect(svg).toContain('text-anchor="end">40</text>');
    expect(svg).toContain('<title>2026-11-27 10:00: 37 sent</title>');
  });
});
