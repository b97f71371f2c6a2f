import type { CampaignProgress } from '../../reports/campaignProgress.js';
import { html, type SafeHtml } from './html.js';
import { formatUtc, stateBar, statusBadge } from './layout.js';

const SETTLED = ['sent', 'delivered', 'read', 'failed', 'skipped'];

function campaignRow(c: CampaignProgress): SafeHtml {
  const settled = SETTLED.reduce((n, s) => n + (c.counts[s] ?? 0), 0);
  const accepted = (c.counts.sent ?? 0) + (c.counts.delivered ?? 0) + (c.counts.read ?? 0);
  const percent = c.total === 0 ? 0 : Math.floor((settled / c.total) * 100);
  return html`<tr data-campaign-id="${c.id}">
<td><a href="/campaigns/${c.id}">${c.name}</a><div class="muted" style="font-size:12px">#${c.id} · ${c.kind} · ${c.transport}</div></td>
<td>${statusBadge(c.status)}${c.statusReason ? html`<div class="muted" style="font-size:12px">${c.statusReason}</div>` : ''}</td>
<td>${stateBar(c.counts, c.total)}<div class="muted" style="font-size:12px">${settled} of ${c.total} settled (${percent}%)</div></td>
<td class="num">${accepted}</td>
<td class="num">${(c.counts.failed ?? 0) + (c.counts.skipped ?? 0)}</td>
<td>${formatUtc(c.nextRunAt)}</td>
</tr>`;
}

export function campaignListPage(input: {
  items: CampaignProgress[];
  total: number;
  page: number;
  pageSize: number;
}): SafeHtml {
  const { items, total, page, pageSize } = input;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return html`<h1>Campaigns</h1>
<p class="sub">${total} campaign${total === 1 ? '' : 's'}; progress counts deliveries that have settled.</p>
<section class="panel">
${
  items.length === 0
    ? html`<p class="muted">No campaigns yet. Create one with <span class="mono">broadcaster campaign create FILE.json</span>.</p>`
    : html`<table>
<thead><tr><th>Campaign</th><th>Status</th><th>Progress</th><th class="num">Sent</th><th class="num">Failed / skipped</th><th>Next run</th></tr></thead>
<tbody>${items.map(campaignRow)}</tbody>
</table>`
}
${
  pages > 1
    ? html`<div class="pager">
${page > 1 ? html`<a href="/?page=${page - 1}">← Newer</a>` : ''}
<span class="muted">Page ${page} of ${pages}</span>
${page < pages ? html`<a href="/?page=${page + 1}">Older →</a>` : ''}
</div>`
    : ''
}
</section>`;
}
