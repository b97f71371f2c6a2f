import type { MinuteSends } from '../../reports/campaignReport.js';
import { html, type SafeHtml } from './html.js';
import { STATE_COLOURS } from './layout.js';
import type { Ui } from './ui.js';

const MINUTE = 60_000;
/** Bars a chart holds at most; longer spans are drawn with wider buckets. */
const MAX_BARS = 90;
/** Bars a chart holds at least, so one busy minute is not drawn as a wall. */
const MIN_BARS = 12;
const BUCKET_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

const WIDTH = 1000;
const HEIGHT = 220;
const LEFT = 48;
const RIGHT = 12;
const TOP = 14;
const BOTTOM = 30;

interface Bucket {
  start: number;
  sent: number;
}

/** The per-minute counts laid out on a continuous time axis, empty minutes included. */
export function bucketSends(sendRate: readonly MinuteSends[]): { bucketMinutes: number; buckets: Bucket[] } {
  if (sendRate.length === 0) return { bucketMinutes: 1, buckets: [] };
  const first = Date.parse(sendRate[0]!.minute);
  const last = Date.parse(sendRate[sendRate.length - 1]!.minute);
  const spanMinutes = (last - first) / MINUTE + 1;
  const wanted = spanMinutes / MAX_BARS;
  const bucketMinutes = BUCKET_MINUTES.find((m) => m >= wanted) ?? Math.ceil(wanted / 1440) * 1440;
  const size = bucketMinutes * MINUTE;
  let start = Math.floor(first / size) * size;
  let count = Math.floor((last - start) / size) + 1;
  if (count < MIN_BARS) {
    start -= Math.floor((MIN_BARS - count) / 2) * size;
    count = MIN_BARS;
  }
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({ start: start + i * size, sent: 0 }));
  for (const m of sendRate) buckets[Math.floor((Date.parse(m.minute) - start) / size)]!.sent += m.sent;
  return { bucketMinutes, buckets };
}

/** 1, 2, 5, 10, 20, 50… : the smallest such step of at least `x`. */
function niceStep(x: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(x, 1)));
  return [1, 2, 5, 10].map((f) => f * power).find((s) => s >= x) ?? 10 * power;
}

/** Messages sent over time as an inline SVG bar chart, its times in the viewer's zone. */
export function sendsChart(ui: Ui, sendRate: readonly MinuteSends[]): SafeHtml {
  const { t } = ui;
  const { bucketMinutes, buckets } = bucketSends(sendRate);
  if (buckets.length === 0) {
    return html`<p class="muted" data-chart="empty">${t('chart.empty')}</p>`;
  }
  const timeLabel = (ms: number, withDate: boolean) => ui.timeText(ms, { date: withDate });
  const max = Math.max(...buckets.map((b) => b.sent));
  const step = niceStep(max / 4);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / buckets.length;
  const barW = Math.max(1, slot * 0.72);
  const y = (n: number) => TOP + plotH - (n / top) * plotH;

  const grid = [];
  for (let n = 0; n <= top; n += step) {
    grid.push(
      html`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" stroke="${n === 0 ? '#94a3b8' : '#e2e8f0'}"/>
<text x="${LEFT - 8}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end">${n}</text>`,
    );
  }
  const spansDays = buckets[buckets.length - 1]!.start - buckets[0]!.start >= 24 * 60 * MINUTE;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  const bars = buckets.map((b, i) => {
    const x = LEFT + i * slot + (slot - barW) / 2;
    const label =
      i % labelEvery === 0
        ? html`<text x="${(LEFT + i * slot + slot / 2).toFixed(1)}" y="${HEIGHT - 10}" text-anchor="middle">${timeLabel(b.start, spansDays)}</text>`
        : '';
    const bar =
      b.sent > 0
        ? html`<rect class="sends-bar" data-sent="${b.sent}" x="${x.toFixed(1)}" y="${y(b.sent).toFixed(1)}" width="${barW.toFixed(1)}" height="${(plotH + TOP - y(b.sent)).toFixed(1)}" rx="2" fill="${STATE_COLOURS.sent!}"><title>${t('chart.bar', { time: timeLabel(b.start, true), count: b.sent })}</title></rect>`
        : '';
    return html`${bar}${label}`;
  });
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${t('chart.label', { count: bucketMinutes })}" data-chart="sends" data-bucket-minutes="${bucketMinutes}">
${grid}${bars}
</svg>
<p class="muted" style="margin:6px 0 0;font-size:13px">${t('chart.caption', { count: bucketMinutes, zone: ui.zone })}</p>`;
}
