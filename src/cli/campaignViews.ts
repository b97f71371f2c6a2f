import type { MissedTicksOnResume } from '../campaigns/lifecycle.js';
import type { CampaignDetails, CampaignSummary } from '../campaigns/queries.js';
import { MISSED_INSTANTS_COUNT_LIMIT } from '../campaigns/schedule.js';
import { CONSENT_RULES } from '../messages/consent.js';
import { formatInstant } from '../time/formatInstant.js';
import { formatFields, formatTable } from './table.js';

/** `campaign list` for people: one line per campaign with its delivery counts, and where the page is. */
export function formatCampaignList(
  page: { items: CampaignSummary[]; total: number },
  offset: number,
): string {
  const n = (count: number | undefined) => count ?? 0;
  const table = formatTable(
    [
      { header: 'ID', align: 'right' },
      'NAME',
      'KIND',
      'STATUS',
      'TRANSPORT',
      'SCHEDULE',
      'NEXT RUN',
      { header: 'TOTAL', align: 'right' },
      { header: 'PENDING', align: 'right' },
      { header: 'SENT', align: 'right' },
      { header: 'FAILED', align: 'right' },
      { header: 'SKIPPED', align: 'right' },
    ],
    page.items.map((c) => {
      const counts = c.counts;
      const pending = n(counts.queued) + n(counts.waiting) + n(counts.sending);
      const sent = n(counts.sent) + n(counts.delivered) + n(counts.read);
      const total = Object.values(counts).reduce((sum, v) => sum + v, 0);
      return [
        c.id,
        c.name,
        c.kind,
        c.status,
        c.transport,
        formatSchedule(c),
        formatNextRun(c),
        total,
        pending,
        sent,
        counts.failed,
        counts.skipped,
      ];
    }),
  );
  const shown = `${offset + 1}–${offset + page.items.length}`;
  const footer = page.total > page.items.length ? `\n(${shown} of ${page.total}; --offset for more)` : '';
  return `${table}${footer}`;
}

/** `campaign show` for people: the fields, the counts per state, the template and the latest runs. */
export function formatCampaignDetails(c: CampaignDetails): string {
  const counts = Object.entries(c.counts);
  const total = counts.reduce((sum, [, v]) => sum + v, 0);
  const lines = [
    `Campaign ${c.id} "${c.name}"`,
    formatFields([
      ['kind', c.kind],
      ['status', c.statusReason ? `${c.status} (${c.statusReason})` : c.status],
      ['transport', c.channelId === null ? c.transport : `${c.transport}, channel ${c.channelId}`],
      ['consent', CONSENT_RULES[c.purpose]],
      ['schedule', formatSchedule(c)],
      ['next run', formatNextRun(c)],
      ['created', c.createdAt],
      ['updated', c.updatedAt],
      [
        'deliveries',
        total === 0
          ? 'none yet'
          : `${total}: ${counts
              .filter(([, v]) => v > 0)
              .map(([state, v]) => `${state} ${v}`)
              .join(', ')}`,
      ],
    ]),
    ...messageContentLines(c),
  ];
  if (c.runs.length > 0) {
    lines.push(
      '',
      'Runs:',
      formatTable(
        [{ header: 'RUN', align: 'right' }, 'SCHEDULED FOR', 'STATUS', 'EXPANDED', 'COMPLETED'],
        c.runs.map((r) => [r.id, r.scheduledFor, r.status, r.expandedAt, r.completedAt]),
      ),
    );
  }
  return lines.join('\n');
}

/** The message as written: its template, the WhatsApp template and its variables, the attachment. */
function messageContentLines(c: CampaignDetails): string[] {
  const lines: string[] = [];
  if (c.templateSource !== '') {
    lines.push('', 'Template:', ...c.templateSource.split('\n').map((line) => `  ${line}`));
  }
  const t = c.whatsappTemplate;
  if (t) {
    lines.push('', `WhatsApp template: ${t.name} (${t.language})`);
    if (t.header) lines.push(`  header: ${t.header.type === 'text' ? t.header.text : t.header.type}`);
    for (const [i, source] of t.body.entries()) lines.push(`  body {{${i + 1}}}: ${source}`);
    for (const [i, source] of t.buttons.entries()) lines.push(`  button ${i + 1}: ${source}`);
  }
  if (c.attachment) lines.push('', `Attachment: ${c.attachment}`);
  return lines;
}

/** An instant as a person reads it in a zone: "Mon 14 Dec 2026 10:00 Europe/Moscow". */
export function formatInZone(instant: Date, zone: string): string {
  return `${formatInstant(instant, 'EEE d MMM yyyy HH:mm', zone, 'en')} ${zone}`;
}

type ScheduledCampaign = Pick<CampaignSummary, 'kind' | 'status' | 'nextRunAt' | 'schedule' | 'timezone'>;

/** The zone a campaign's times are told in: its cron's, else its own, else UTC. */
function zoneOf(c: Pick<CampaignSummary, 'schedule' | 'timezone'>): string {
  return c.schedule && 'cron' in c.schedule ? c.schedule.timezone : (c.timezone ?? 'UTC');
}

/** The schedule as written: the cron and its zone, or the one-shot time. */
export function formatSchedule(c: Pick<CampaignSummary, 'kind' | 'schedule' | 'timezone'>): string {
  if (c.kind === 'reminder') return 'before each appointment';
  if (!c.schedule) return '-';
  if ('cron' in c.schedule) return `cron ${c.schedule.cron} ${c.schedule.timezone}`;
  return `once ${formatInZone(c.schedule.at, zoneOf(c))}`;
}

/**
 * The next run in the campaign's zone. A paused campaign's stored next_run_at is stale (resuming
 * decides again, src/campaigns/lifecycle.ts), so it says "paused"; a finished one has none.
 */
export function formatNextRun(c: ScheduledCampaign): string {
  if (c.status === 'paused') return 'paused';
  if (c.status === 'draft') return 'draft (none until published)';
  if (c.status === 'cancelled' || c.status === 'completed' || c.nextRunAt === null) return '-';
  return formatInZone(c.nextRunAt, zoneOf(c));
}

/**
 * What `resume` did with a recurring campaign's missed ticks: "2 ticks missed while paused are skipped
 * (missedTicks: skip); next run Mon 14 Dec 2026 10:00 Europe/Moscow." or that the latest runs now.
 */
export function formatMissedTicks(m: MissedTicksOnResume): string {
  const next = m.nextRunAt ? `next run ${formatInZone(m.nextRunAt, m.timezone)}` : 'no run after it';
  if (m.missed === 0) return `No tick was missed while paused; ${next}.`;
  const count = m.missed >= MISSED_INSTANTS_COUNT_LIMIT ? `At least ${m.missed}` : String(m.missed);
  const ticks = `${count} tick${m.missed === 1 ? '' : 's'} missed while paused`;
  if (m.runsNow) {
    return (
      `${ticks}: the latest (${formatInZone(m.runsNow, m.timezone)}) runs now (missedTicks: runLatest); ` +
      `then ${next}.`
    );
  }
  return `${ticks} ${m.missed === 1 ? 'is' : 'are'} skipped (missedTicks: ${m.policy}); ${next}.`;
}
