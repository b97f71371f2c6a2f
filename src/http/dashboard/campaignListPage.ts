import type { CampaignProgress } from '../../reports/campaignProgress.js';
import { html, type SafeHtml } from './html.js';
import { pager, stateBar, statusBadge } from './layout.js';
import type { Ui } from './ui.js';

const SETTLED = ['sent', 'delivered', 'read', 'failed', 'skipped'];

function campaignRow(ui: Ui, c: CampaignProgress): SafeHtml {
  const { t } = ui;
  const settled = SETTLED.reduce((n, s) => n + (c.counts[s] ?? 0), 0);
  const accepted = (c.counts.sent ?? 0) + (c.counts.delivered ?? 0) + (c.counts.read ?? 0);
  const percent = c.total === 0 ? 0 : Math.floor((settled / c.total) * 100);
  return html`<tr data-campaign-id="${c.id}">
<td><a href="/campaigns/${c.id}">${c.name}</a><div class="muted" style="font-size:12px">#${c.id} · ${t(`kind.${c.kind}`, { defaultValue: c.kind })} · ${c.transport}</div></td>
<td>${statusBadge(ui, c.status)}${c.statusReason ? html`<div class="muted" style="font-size:12px">${c.statusReason}</div>` : ''}</td>
<td>${stateBar(ui, c.counts, c.total)}<div class="muted" style="font-size:12px" data-settled>${t(
    'list.settled',
    {
      settled: ui.number(settled),
      total: ui.number(c.total),
      percent,
    },
  )}</div></td>
<td class="num">${ui.number(accepted)}</td>
<td class="num">${ui.number((c.counts.failed ?? 0) + (c.counts.skipped ?? 0))}</td>
<td>${ui.time(c.nextRunAt)}</td>
</tr>`;
}

export function campaignListPage(
  ui: Ui,
  input: {
    items: CampaignProgress[];
    total: number;
    page: number;
    pageSize: number;
    canCreate?: boolean;
    /** The archived campaigns are shown (instead of the others). */
    archived?: boolean;
  },
): SafeHtml {
  const { t } = ui;
  const { items, total, page, pageSize } = input;
  return html`${input.canCreate ? html`<div class="actions" style="float:right"><a class="button primary" href="/campaigns/new">${t('list.new')}</a></div>` : ''}<h1>${t('list.title')}</h1>
<p class="sub">${t('list.summary', { count: total })}</p>
<section class="panel">
${
  items.length === 0
    ? html`<p class="muted">${t('list.empty')} <span class="mono">broadcaster campaign create FILE.json</span>.</p>`
    : html`<table>
<thead><tr><th>${t('list.campaign')}</th><th>${t('list.status')}</th><th>${t('list.progress')}</th><th class="num">${t('list.sent')}</th><th class="num">${t('list.failedSkipped')}</th><th>${t('list.nextRun')}</th></tr></thead>
<tbody>${items.map((c) => campaignRow(ui, c))}</tbody>
</table>`
}
${pager(ui, {
  page,
  pages: Math.max(1, Math.ceil(total / pageSize)),
  href: (n) => `/?page=${n}${input.archived ? '&archived=1' : ''}`,
})}
<p style="margin:12px 0 0">${
    input.archived
      ? html`<a href="/">${t('list.showCurrent')}</a>`
      : html`<a href="/?archived=1" data-link="archived">${t('list.showArchived')}</a>`
  }</p>
</section>`;
}
