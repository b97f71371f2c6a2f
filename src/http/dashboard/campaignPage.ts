import { type CampaignStatus, canChangeCampaignStatus } from '../../campaigns/lifecycle.js';
import type { CampaignReport } from '../../reports/campaignReport.js';
import { formatDuration, formatPercent } from '../../reports/formatCampaignReport.js';
import { type CampaignSetup, campaignSetupActions, campaignSetupPanel } from './campaignSetup.js';
import { html, type SafeHtml } from './html.js';
import { STATE_COLOURS, stateBar, statusBadge } from './layout.js';
import { sendsChart } from './sendsChart.js';
import type { Ui } from './ui.js';

/** A rate as the viewer's language writes "not known". */
function percent(ui: Ui, rate: number | null): string {
  return rate === null ? ui.t('unknownValue') : formatPercent(rate);
}

/** 61_500 → "1m 1.5s" / "1 мин 1,5 с": the report's durations in the viewer's units. */
export function duration(ui: Ui, ms: number): string {
  const text = formatDuration(ms);
  const decimal = (n: string) => (ui.lang === 'ru' ? n.replace('.', ',') : n);
  if (text.endsWith(' ms')) return ui.t('duration.ms', { n: decimal(text.slice(0, -3)) });
  return text
    .split(' ')
    .map((part) => {
      const match = /^([\d.]+)(h|m|s)$/.exec(part);
      return match ? ui.t(`duration.${match[2]}`, { n: decimal(match[1]!) }) : part;
    })
    .join(' ');
}

function stat(label: string, value: string, field: string, note?: string): SafeHtml {
  return html`<div class="stat"><div class="label">${label}</div><div class="value" data-total="${field}">${value}</div>${
    note ? html`<div class="note">${note}</div>` : ''
  }</div>`;
}

/** A rate tile that says "unknown / pending" rather than 0 % while statuses have not been fetched. */
function rateStat(
  ui: Ui,
  label: string,
  rate: number | null,
  field: string,
  report: CampaignReport,
): SafeHtml {
  const { t } = ui;
  if (!report.transportReportsDelivery) {
    return stat(label, percent(ui, rate), field, t('campaign.notReported', { transport: report.transport }));
  }
  if (report.ratesFinal) return stat(label, percent(ui, rate), field);
  const awaiting = t('campaign.awaiting', { count: report.totals.awaitingStatus ?? 0 });
  if (rate === null) return stat(label, t('campaign.unknownPending'), field, awaiting);
  return stat(label, percent(ui, rate), field, t('campaign.soFar', { awaiting }));
}

function actionButton(
  campaignId: number,
  action: string,
  csrf: string,
  label: string,
  style: string,
): SafeHtml {
  return html`<form method="post" action="/campaigns/${campaignId}/${action}">
<input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="${style}">${label}</button></form>`;
}

function actions(ui: Ui, report: CampaignReport, csrf: string | undefined, setup?: CampaignSetup): SafeHtml {
  if (csrf === undefined) return html``;
  const { t } = ui;
  const status = report.status as CampaignStatus;
  const id = report.campaignId;
  const buttons: SafeHtml[] = [];
  if (canChangeCampaignStatus(status, 'paused'))
    buttons.push(actionButton(id, 'pause', csrf, t('campaign.pause'), 'warn'));
  if (status === 'paused') buttons.push(actionButton(id, 'resume', csrf, t('campaign.resume'), 'primary'));
  // A draft is deleted rather than cancelled, when the set-up's buttons are there to do it.
  if (canChangeCampaignStatus(status, 'cancelled') && !(setup && status === 'draft')) {
    // Cancelling, which cannot be undone, asks first by unfolding (no script needed).
    buttons.push(html`<details class="confirm"><summary>${t('campaign.cancel')}</summary>
<p class="muted" style="margin:0 0 8px;font-size:13px">${t('campaign.cancelWarning')}</p>
${actionButton(id, 'cancel', csrf, t('campaign.cancelConfirm'), 'danger')}</details>`);
  }
  if (setup) buttons.unshift(campaignSetupActions(ui, setup));
  return buttons.length ? html`<div class="actions">${buttons}</div>` : html``;
}

function stateTable(ui: Ui, report: CampaignReport): SafeHtml {
  const { t } = ui;
  const rows = Object.entries(report.counts).map(
    ([
      state,
      n,
    ]) => html`<tr${n === 0 ? html` class="zero"` : ''}><td><span class="swatch" style="background:${STATE_COLOURS[state] ?? '#94a3b8'}"></span>${t(`state.${state}`, { defaultValue: state })}</td>
<td class="num" data-count="${state}">${ui.number(n)}</td>
<td class="num muted">${report.total ? `${((n / report.total) * 100).toFixed(1)}%` : '—'}</td></tr>`,
  );
  return html`${stateBar(ui, report.counts, report.total, true)}<table><thead><tr><th>${t('campaign.state')}</th><th class="num">${t('campaign.deliveries')}</th><th class="num">${t('campaign.share')}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function reasonTable(ui: Ui, report: CampaignReport): SafeHtml {
  const { t } = ui;
  // Per state, most frequent first: a failure never reads as a skip.
  const reasons = Object.entries(report.reasonsByState).flatMap(([state, byReason]) =>
    Object.entries(byReason)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => [state, reason, n] as const),
  );
  const rule = html`<p class="muted" data-field="consent">${t('campaign.consent', {
    rule: t(`consent.${report.consent.purpose}`, { defaultValue: report.consent.rule }),
  })}</p>`;
  if (reasons.length === 0) return html`${rule}<p class="muted">${t('campaign.noReasons')}</p>`;
  return html`${rule}<table><thead><tr><th>${t('campaign.state')}</th><th>${t('campaign.reason')}</th><th class="num">${t('campaign.deliveries')}</th><th>${t('campaign.meaning')}</th></tr></thead><tbody>${reasons.map(
    ([state, reason, n]) =>
      html`<tr><td>${t(`state.${state}`, { defaultValue: state })}</td><td class="mono">${reason}</td><td class="num" data-state="${state}" data-reason="${reason}">${ui.number(n)}</td><td class="muted">${t(`reason.${reason}`, { defaultValue: '' })}</td></tr>`,
  )}</tbody></table>`;
}

function breakdownTable(ui: Ui, report: CampaignReport): SafeHtml {
  const { t } = ui;
  const row = (label: string, b: { total: number; counts: Record<string, number> }) => {
    const accepted = (b.counts.sent ?? 0) + (b.counts.delivered ?? 0) + (b.counts.read ?? 0);
    return html`<tr><td>${label}</td><td class="num">${ui.number(b.total)}</td><td class="num">${ui.number(accepted)}</td>
<td class="num">${ui.number(b.counts.failed ?? 0)}</td><td class="num">${ui.number(b.counts.skipped ?? 0)}</td><td>${stateBar(ui, b.counts, b.total)}</td></tr>`;
  };
  return html`<table><thead><tr><th></th><th class="num">${t('campaign.total')}</th><th class="num">${t('campaign.sent')}</th><th class="num">${t('campaign.failed')}</th><th class="num">${t('campaign.skipped')}</th><th></th></tr></thead><tbody>
${report.byTransport.map((b) =>
  row(
    t(b.reportsDelivery ? 'campaign.transport' : 'campaign.transportNoReports', { transport: b.transport }),
    b,
  ),
)}
${report.byChannel.map((c) =>
  row(c.channelId === null ? t('campaign.noChannel') : t('campaign.channel', { channel: c.channelId }), c),
)}
</tbody></table>`;
}

function runTable(ui: Ui, report: CampaignReport): SafeHtml {
  const { t } = ui;
  const base = `/campaigns/${report.campaignId}`;
  return html`<table><thead><tr><th>${t('campaign.runHeader')}</th><th>${t('campaign.scheduledFor')}</th><th>${t('campaign.status')}</th><th class="num">${t('campaign.deliveries')}</th><th class="num">${t('campaign.sent')}</th><th class="num">${t('campaign.pending')}</th></tr></thead><tbody>
${report.runs.map(
  (
    r,
  ) => html`<tr><td><a href="${base}?run=${r.runId}">#${r.runId}</a></td><td>${ui.time(r.scheduledFor)}</td><td>${t(`runStatus.${r.status}`, { defaultValue: r.status })}</td>
<td class="num">${ui.number(r.total)}</td><td class="num">${ui.number(r.accepted)}</td><td class="num">${ui.number(r.pending)}</td></tr>`,
)}</tbody></table>
${report.runId === null ? '' : html`<p style="margin:10px 0 0"><a href="${base}">${t('campaign.everyRun')}</a></p>`}`;
}

function failureTable(ui: Ui, report: CampaignReport): SafeHtml {
  const { t } = ui;
  if (report.failures.length === 0) return html`<p class="muted">${t('campaign.nothingFailed')}</p>`;
  const more = report.failuresTotal - report.failures.length;
  return html`<table><thead><tr><th>${t('campaign.when')}</th><th>${t('campaign.phone')}</th><th>${t('campaign.name')}</th><th>${t('campaign.state')}</th><th>${t('campaign.reason')}</th></tr></thead><tbody>
${report.failures.map(
  (
    f,
  ) => html`<tr data-failure="${f.deliveryId}"><td class="mono">${ui.time(f.at)}</td><td class="mono">${f.phone}</td><td>${f.name ?? ''}</td>
<td><span class="swatch" style="background:${STATE_COLOURS[f.state]!}"></span>${t(`state.${f.state}`, { defaultValue: f.state })}</td><td class="mono">${f.reason}${f.detail ? html`<div class="muted">${f.detail}</div>` : ''}</td></tr>`,
)}</tbody></table>
${
  more > 0
    ? html`<p class="muted" style="margin:10px 0 0">${t('campaign.firstFailures', {
        shown: ui.number(report.failures.length),
        total: ui.number(report.failuresTotal),
      })}</p>`
    : ''
}`;
}

/**
 * The campaign's report as a page: numbers, states, a chart of sends, failures, and its buttons —
 * those only with `csrf`, the token of a login that may change things.
 */
export function campaignPage(
  ui: Ui,
  report: CampaignReport,
  csrf: string | undefined,
  setup?: CampaignSetup,
): SafeHtml {
  const { t } = ui;
  return html`<p class="sub" style="margin-bottom:6px"><a href="/">${t('nav.campaigns')}</a> / #${report.campaignId}${
    report.runId === null ? '' : html` / ${t('campaign.run', { run: report.runId })}`
  }</p>
<h1 data-field="name">${report.name}</h1>
<p class="sub">${statusBadge(ui, report.status)} ${report.statusReason ? html`<span class="muted">(${report.statusReason})</span>` : ''} · ${t(`kind.${report.kind}`, { defaultValue: report.kind })} · ${report.transport}</p>
${actions(ui, report, csrf, setup)}
${setup ? campaignSetupPanel(ui, setup) : ''}
${report.status === 'draft' ? '' : reportSections(ui, report)}`;
}

/** What the campaign did: numbers, rates, the chart, states, reasons, runs, failures and the download. */
function reportSections(ui: Ui, report: CampaignReport): SafeHtml {
  const { t } = ui;
  const csvHref = (excel: boolean) => {
    const query = [report.runId === null ? '' : `run=${report.runId}`, excel ? 'excel=1' : ''].filter(
      Boolean,
    );
    return `/campaigns/${report.campaignId}/recipients.csv${query.length ? `?${query.join('&')}` : ''}`;
  };
  const latency = report.latencyMs;
  return html`${
    report.transportReportsDelivery
      ? ''
      : html`<div class="notice" data-notice="no-delivery-reports">${t('campaign.noDeliveryReports', { transport: report.transport })}</div>`
  }
<div class="grid">
${stat(t('campaign.recipients'), ui.number(report.total), 'deliveries')}
${stat(t('campaign.sent'), ui.number(report.totals.accepted), 'accepted', t('campaign.sentNote'))}
${stat(t('campaign.pending'), ui.number(report.totals.pending), 'pending', t('campaign.pendingNote'))}
${stat(t('campaign.failed'), ui.number(report.totals.failed), 'failed')}
${stat(t('campaign.skipped'), ui.number(report.totals.skipped), 'skipped')}
${rateStat(ui, t('campaign.deliveryRate'), report.deliveryRate, 'deliveryRate', report)}
${rateStat(ui, t('campaign.readRate'), report.readRate, 'readRate', report)}
${
  report.totals.awaitingStatus === null
    ? ''
    : stat(
        t('campaign.awaitingStatus'),
        ui.number(report.totals.awaitingStatus),
        'awaitingStatus',
        t('campaign.awaitingStatusNote'),
      )
}
${stat(
  report.kind === 'reminder' ? t('campaign.lateBy') : t('campaign.dueToSent'),
  latency ? duration(ui, latency.p50) : '—',
  'latencyP50',
  latency
    ? t('campaign.latencyNote', { p95: duration(ui, latency.p95), max: duration(ui, latency.max) })
    : undefined,
)}
</div>
<section class="panel"><h2>${t('campaign.sendsOverTime')}</h2>${sendsChart(ui, report.sendRate)}</section>
<div class="two">
<section class="panel"><h2>${t('campaign.byState')}</h2>${stateTable(ui, report)}</section>
<section class="panel"><h2>${t('campaign.byReason')}</h2>${reasonTable(ui, report)}</section>
</div>
<section class="panel"><h2>${t('campaign.byTransport')}</h2>${breakdownTable(ui, report)}</section>
${report.runs.length ? html`<section class="panel"><h2>${t('campaign.runs')}</h2>${runTable(ui, report)}</section>` : ''}
<section class="panel"><h2>${t('campaign.failures')}</h2>${failureTable(ui, report)}</section>
<p><a href="${csvHref(true)}" download data-download="excel">${t('campaign.downloadExcel')}</a> · <a href="${csvHref(false)}" download data-download="csv">${t('campaign.downloadCsv')}</a></p>`;
}
