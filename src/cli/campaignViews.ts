import type { CampaignDetails, CampaignSummary } from '../campaigns/queries.js';
import { CONSENT_RULES } from '../messages/consent.js';
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
        c.nextRunAt,
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
      ['next run', c.nextRunAt],
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
