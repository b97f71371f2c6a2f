import type { Overview } from '../../reports/overview.js';
import { html, type SafeHtml } from './html.js';
import { STATE_COLOURS, statusBadge } from './layout.js';
import type { Ui } from './ui.js';

/** Every campaign over the last 30 days: sends and opt-outs per day, and each campaign's share. */
export function overviewPage(ui: Ui, overview: Overview, options: { periodDays: number }): SafeHtml {
  const { t } = ui;
  const max = Math.max(1, ...overview.days.map((d) => d.sent));
  const stat = (key: string, label: string, value: number) =>
    html`<div class="stat"><div class="label">${label}</div><div class="value" data-overview="${key}">${ui.number(value)}</div></div>`;
  return html`<h1>${t('overview.title')}</h1>
<p class="sub">${t('overview.intro', { days: options.periodDays, zone: ui.zone })}</p>
<div class="grid">
${stat('sent', t('campaign.sent'), overview.totals.sent)}
${stat('failed', t('campaign.failed'), overview.totals.failed)}
${stat('skipped', t('campaign.skipped'), overview.totals.skipped)}
${stat('optOuts', t('overview.optOuts'), overview.totals.optOuts)}
</div>
<section class="panel"><h2>${t('overview.byDay')}</h2>
${
  overview.days.length === 0
    ? html`<p class="muted">${t('overview.nothing')}</p>`
    : html`<table><thead><tr><th>${t('overview.day')}</th><th class="num">${t('campaign.sent')}</th><th></th><th class="num">${t('overview.optOuts')}</th></tr></thead><tbody>${overview.days.map(
        (d) => html`<tr data-day="${d.day}"><td>${d.day}</td><td class="num">${ui.number(d.sent)}</td>
<td style="width:50%"><div class="bar"><span style="width:${((d.sent / max) * 100).toFixed(2)}%;background:${STATE_COLOURS.sent!}"></span></div></td>
<td class="num">${ui.number(d.optOuts)}</td></tr>`,
      )}</tbody></table>`
}
</section>
<section class="panel"><h2>${t('overview.campaigns')}</h2>
${
  overview.campaigns.length === 0
    ? html`<p class="muted">${t('overview.nothing')}</p>`
    : html`<table><thead><tr><th>${t('list.campaign')}</th><th>${t('list.status')}</th><th class="num">${t('campaign.sent')}</th><th class="num">${t('campaign.failed')}</th><th class="num">${t('campaign.skipped')}</th><th class="num">${t('overview.optedOut')}</th></tr></thead><tbody>${overview.campaigns.map(
        (
          c,
        ) => html`<tr data-campaign-id="${c.id}"><td><a href="/campaigns/${c.id}">${c.name}</a> <span class="muted">${t(`kind.${c.kind}`, { defaultValue: c.kind })}</span></td>
<td>${statusBadge(ui, c.status)}</td><td class="num">${ui.number(c.sent)}</td><td class="num">${ui.number(c.failed)}</td>
<td class="num">${ui.number(c.skipped)}</td><td class="num">${ui.number(c.optedOut)}</td></tr>`,
      )}</tbody></table>`
}
</section>`;
}
