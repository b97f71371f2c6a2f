import { type CampaignStatus, canChangeCampaignStatus } from '../../campaigns/lifecycle.js';
import type { CampaignReport } from '../../reports/campaignReport.js';
import { formatDuration, formatPercent, REASON_MEANINGS } from '../../reports/formatCampaignReport.js';
import { html, type SafeHtml } from './html.js';
import { formatUtc, STATE_COLOURS, stateBar, statusBadge } from './layout.js';
import { sendsChart } from './sendsChart.js';

function stat(label: string, value: string | number, field: string, note?: string): SafeHtml {
  return html`<div class="stat"><div class="label">${label}</div><div class="value" data-total="${field}">${value}</div>${
    note ? html`<div class="note">${note}</div>` : ''
  }</div>`;
}

/** A rate tile that says "unknown / pending" rather than 0 % while statuses have not been fetched. */
function rateStat(label: string, rate: number | null, field: string, report: CampaignReport): SafeHtml {
  if (!report.transportReportsDelivery) {
    return stat(label, formatPercent(rate), field, `${report.transport} does not report it`);
  }
  if (report.ratesFinal) return stat(label, formatPercent(rate), field);
  const awaiting = `${report.totals.awaitingStatus} awaiting a status`;
  if (rate === null) return stat(label, 'unknown / pending', field, awaiting);
  return stat(label, formatPercent(rate), field, `so far · ${awaiting}`);
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

function actions(report: CampaignReport, csrf: string | undefined): SafeHtml {
  if (csrf === undefined) return html``;
  const status = report.status as CampaignStatus;
  const id = report.campaignId;
  const buttons: SafeHtml[] = [];
  if (canChangeCampaignStatus(status, 'paused'))
    buttons.push(actionButton(id, 'pause', csrf, 'Pause', 'warn'));
  if (status === 'paused') buttons.push(actionButton(id, 'resume', csrf, 'Resume', 'primary'));
  if (canChangeCampaignStatus(status, 'cancelled')) {
    // No script on these pages: cancelling, which cannot be undone, asks first by unfolding.
    buttons.push(html`<details class="confirm"><summary>Cancel…</summary>
<p class="muted" style="margin:0 0 8px;font-size:13px">Messages not yet sent will be skipped. This cannot be undone.</p>
${actionButton(id, 'cancel', csrf, 'Cancel the campaign', 'danger')}</details>`);
  }
  return buttons.length ? html`<div class="actions">${buttons}</div>` : html``;
}

function stateTable(report: CampaignReport): SafeHtml {
  const rows = Object.entries(report.counts).map(
    ([
      state,
      n,
    ]) => html`<tr${n === 0 ? html` class="zero"` : ''}><td><span class="swatch" style="background:${STATE_COLOURS[state] ?? '#94a3b8'}"></span>${state}</td>
<td class="num" data-count="${state}">${n}</td>
<td class="num muted">${report.total ? `${((n / report.total) * 100).toFixed(1)}%` : '—'}</td></tr>`,
  );
  return html`${stateBar(report.counts, report.total, true)}<table><thead><tr><th>State</th><th class="num">Deliveries</th><th class="num">Share</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function reasonTable(report: CampaignReport): SafeHtml {
  const reasons = Object.entries(report.reasons).sort((a, b) => b[1] - a[1]);
  const rule = html`<p class="muted" data-field="consent">Consent: ${report.consent.rule}.</p>`;
  if (reasons.length === 0) return html`${rule}<p class="muted">No delivery carries a reason.</p>`;
  return html`${rule}<table><thead><tr><th>Reason</th><th class="num">Deliveries</th><th>Meaning</th></tr></thead><tbody>${reasons.map(
    ([reason, n]) =>
      html`<tr><td class="mono">${reason}</td><td class="num" data-reason="${reason}">${n}</td><td class="muted">${REASON_MEANINGS[reason] ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

function breakdownTable(report: CampaignReport): SafeHtml {
  const row = (label: string, b: { total: number; counts: Record<string, number> }) => {
    const accepted = (b.counts.sent ?? 0) + (b.counts.delivered ?? 0) + (b.counts.read ?? 0);
    return html`<tr><td>${label}</td><td class="num">${b.total}</td><td class="num">${accepted}</td>
<td class="num">${b.counts.failed ?? 0}</td><td class="num">${b.counts.skipped ?? 0}</td><td>${stateBar(b.counts, b.total)}</td></tr>`;
  };
  return html`<table><thead><tr><th></th><th class="num">Total</th><th class="num">Sent</th><th class="num">Failed</th><th class="num">Skipped</th><th></th></tr></thead><tbody>
${report.byTransport.map((t) => row(`transport ${t.transport}${t.reportsDelivery ? '' : ' (no delivery reports)'}`, t))}
${report.byChannel.map((c) => row(c.channelId === null ? 'no channel' : `channel ${c.channelId}`, c))}
</tbody></table>`;
}

function runTable(report: CampaignReport): SafeHtml {
  const base = `/campaigns/${report.campaignId}`;
  return html`<table><thead><tr><th>Run</th><th>Scheduled for</th><th>Status</th><th class="num">Deliveries</th><th class="num">Sent</th><th class="num">Pending</th></tr></thead><tbody>
${report.runs.map(
  (
    r,
  ) => html`<tr><td><a href="${base}?run=${r.runId}">#${r.runId}</a></td><td>${formatUtc(r.scheduledFor)}</td><td>${r.status}</td>
<td class="num">${r.total}</td><td class="num">${r.accepted}</td><td class="num">${r.pending}</td></tr>`,
)}</tbody></table>
${report.runId === null ? '' : html`<p style="margin:10px 0 0"><a href="${base}">Show every run</a></p>`}`;
}

function failureTable(report: CampaignReport): SafeHtml {
  if (report.failures.length === 0) return html`<p class="muted">Nothing failed or was skipped.</p>`;
  const more = report.failuresTotal - report.failures.length;
  return html`<table><thead><tr><th>When</th><th>Phone</th><th>Name</th><th>State</th><th>Reason</th></tr></thead><tbody>
${report.failures.map(
  (
    f,
  ) => html`<tr data-failure="${f.deliveryId}"><td class="mono">${formatUtc(f.at)}</td><td class="mono">${f.phone}</td><td>${f.name ?? ''}</td>
<td><span class="swatch" style="background:${STATE_COLOURS[f.state]!}"></span>${f.state}</td><td class="mono">${f.reason}${f.detail ? html`<div class="muted">${f.detail}</div>` : ''}</td></tr>`,
)}</tbody></table>
${more > 0 ? html`<p class="muted" style="margin:10px 0 0">The first ${report.failures.length} of ${report.failuresTotal}; the CSV export lists them all.</p>` : ''}`;
}

/**
 * The campaign's report as a page: numbers, states, a chart of sends, failures, and its buttons —
 * those only with `csrf`, the token of a login that may change things.
 */
export function campaignPage(report: CampaignReport, csrf: string | undefined): SafeHtml {
  const csvHref = `/campaigns/${report.campaignId}/recipients.csv${report.runId === null ? '' : `?run=${report.runId}`}`;
  const latency = report.latencyMs;
  return html`<p class="sub" style="margin-bottom:6px"><a href="/">Campaigns</a> / #${report.campaignId}${
    report.runId === null ? '' : html` / run #${report.runId}`
  }</p>
<h1 data-field="name">${report.name}</h1>
<p class="sub">${statusBadge(report.status)} ${report.statusReason ? html`<span class="muted">(${report.statusReason})</span>` : ''} · ${report.kind} · ${report.transport}</p>
${actions(report, csrf)}
${
  report.transportReportsDelivery
    ? ''
    : html`<div class="notice" data-notice="no-delivery-reports">Chat2Desk does not report delivery on <strong>${report.transport}</strong>: “sent” is final there, and delivery and read rates are not known.</div>`
}
<div class="grid">
${stat('Recipients', report.total, 'deliveries')}
${stat('Sent', report.totals.accepted, 'accepted', 'accepted by Chat2Desk')}
${stat('Pending', report.totals.pending, 'pending', 'queued, waiting or sending')}
${stat('Failed', report.totals.failed, 'failed')}
${stat('Skipped', report.totals.skipped, 'skipped')}
${rateStat('Delivery rate', report.deliveryRate, 'deliveryRate', report)}
${rateStat('Read rate', report.readRate, 'readRate', report)}
${
  report.totals.awaitingStatus === null
    ? ''
    : stat('Awaiting status', report.totals.awaitingStatus, 'awaitingStatus', 'accepted, no status yet')
}
${stat(
  report.kind === 'reminder' ? 'Late by (p50)' : 'Due → sent (p50)',
  latency ? formatDuration(latency.p50) : '—',
  'latencyP50',
  latency ? `p95 ${formatDuration(latency.p95)} · max ${formatDuration(latency.max)}` : undefined,
)}
</div>
<section class="panel"><h2>Sends over time</h2>${sendsChart(report.sendRate)}</section>
<div class="two">
<section class="panel"><h2>By state</h2>${stateTable(report)}</section>
<section class="panel"><h2>By reason</h2>${reasonTable(report)}</section>
</div>
<section class="panel"><h2>By transport and channel</h2>${breakdownTable(report)}</section>
${report.runs.length ? html`<section class="panel"><h2>Runs</h2>${runTable(report)}</section>` : ''}
<section class="panel"><h2>Failures and skips</h2>${failureTable(report)}</section>
<p><a href="${csvHref}" download>Download every recipient as CSV</a></p>`;
}
