import type { CampaignReport } from './campaignReport.js';

/** What each reason a report groups by means, for a person reading it. */
export const REASON_MEANINGS: Readonly<Record<string, string>> = {
  opted_out: 'the contact opted out (STOP, or by hand)',
  no_consent: 'no recorded opt-in, and the campaign is marketing',
  invalid_phone: 'the phone is no number in use',
  missing_variable: 'the contact lacks a value the template needs',
  invalid_variable: 'a value the template needs cannot be used (e.g. a date read two ways)',
  render_limit: 'the template would loop over too much of this contact’s data',
  message_too_long: 'longer than the transport takes',
  attachment_not_supported: 'the transport does not carry this kind of file',
  client_not_in_chat2desk: 'not a Chat2Desk client, and the account may not create clients',
  cancelled: 'the campaign was cancelled first',
  appointment_cancelled: 'the appointment was cancelled',
  too_late: 'its appointment had started by the time it could go',
  booked_late: 'the appointment was booked after this reminder’s time (one catch-up at most)',
  window_earlier: 'going earlier: the send window is closed at its planned time',
  rescheduled: 'its appointment moved; the reminder for the new time stands',
  undeliverable: 'Chat2Desk reported it could not be delivered',
  attempts_exhausted: 'failed on every attempt',
  chat2desk: 'refused by Chat2Desk',
  outside_send_window: 'waiting for the send window to open',
  whatsapp_new_client_delay: 'waiting out WhatsApp’s delay for a new client',
  rate_limited: 'waiting for a slot of the rate limit',
  client_directory_sync: 'waiting while the account’s Chat2Desk clients are learnt (it may be one already)',
  retry: 'waiting to try again',
};

/** Failures a terminal report lists; the rest are in the CSV export. */
const FAILURES_SHOWN = 10;

export function formatPercent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`;
}

/** 950 → "950 ms", 61_500 → "1m 1.5s", 7_260_000 → "2h 1m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  // Rounded to the tenth of a second before it is split, so 59.99 s is "1m", never "60s".
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${Number(seconds.toFixed(1))}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Number((seconds - minutes * 60).toFixed(1));
  if (minutes < 60) return rest === 0 ? `${minutes}m` : `${minutes}m ${rest}s`;
  const hours = Math.floor(minutes / 60);
  return minutes === hours * 60 ? `${hours}h` : `${hours}h ${minutes - hours * 60}m`;
}

/** The report as a person reads it in a terminal. */
export function formatCampaignReport(report: CampaignReport): string {
  const lines = [
    `Campaign ${report.campaignId} "${report.name}" (${report.transport}): ${report.status}` +
      (report.statusReason ? ` (${report.statusReason})` : '') +
      (report.runId === null ? '' : `, run ${report.runId}`),
    `  ${report.total} recipients`,
    `  consent: ${report.consent.rule}`,
  ];
  for (const [state, n] of Object.entries(report.counts)) if (n > 0) lines.push(`  ${state.padEnd(10)} ${n}`);
  // Per state, so a failure (Chat2Desk refused it) never reads as a skip (it was never tried), or the reverse.
  for (const [state, byReason] of Object.entries(report.reasonsByState)) {
    const reasons = Object.entries(byReason).sort((a, b) => b[1] - a[1]);
    if (reasons.length) lines.push(`  ${state} reasons:`);
    for (const [reason, n] of reasons) {
      const meaning = REASON_MEANINGS[reason];
      lines.push(`    ${reason.padEnd(28)} ${String(n).padStart(6)}${meaning ? `  ${meaning}` : ''}`);
    }
  }
  lines.push(...formatOutcomes(report));
  const nearStop = report.nearStopReplies;
  if (nearStop.count > 0) {
    lines.push(`  replies that look like STOP (not applied): ${nearStop.count} — review them`);
    for (const reply of nearStop.replies)
      lines.push(`    ${reply.at}  ${reply.phone}  ${JSON.stringify(reply.text)}`);
  }
  if (!report.transportReportsDelivery) {
    lines.push(`  note: Chat2Desk does not report delivery on ${report.transport}; "sent" is final there`);
  }
  return lines.join('\n');
}

/** Delivery and read rates on a transport that reports delivery: unknown, so far, or final. */
function formatRates(report: CampaignReport): string {
  const rates = `delivery rate ${formatPercent(report.deliveryRate)}, read rate ${formatPercent(report.readRate)}`;
  if (report.ratesFinal) return rates;
  const awaiting = `(${report.totals.awaitingStatus} of ${report.totals.accepted} awaiting a status)`;
  if (report.deliveryRate === null) return `delivery rate unknown / pending ${awaiting}`;
  return (
    `delivery rate ${formatPercent(report.deliveryRate)} so far, ` +
    `read rate ${formatPercent(report.readRate)} so far ${awaiting}`
  );
}

function formatOutcomes(report: CampaignReport): string[] {
  const lines = [
    `  accepted by Chat2Desk ${report.totals.accepted}, pending ${report.totals.pending}, ` +
      `failed ${report.totals.failed}, skipped ${report.totals.skipped}`,
  ];
  if (report.transportReportsDelivery) lines.push(`  ${formatRates(report)}`);
  if (report.latencyMs) {
    const { p50, p95, max } = report.latencyMs;
    const label = report.kind === 'reminder' ? 'late by (due → sent)' : 'due → sent';
    lines.push(
      `  ${label}: p50 ${formatDuration(p50)}, p95 ${formatDuration(p95)}, max ${formatDuration(max)}`,
    );
  }
  if (report.sendRate.length) {
    const peak = Math.max(...report.sendRate.map((m) => m.sent));
    const first = report.sendRate[0]!.minute;
    const last = report.sendRate[report.sendRate.length - 1]!.minute;
    lines.push(`  sending: ${first} to ${last}, at most ${peak} a minute`);
  }
  if (report.byTransport.length > 1 || report.byChannel.length > 1) {
    lines.push('  by transport:');
    for (const t of report.byTransport) lines.push(`    ${t.transport.padEnd(16)} ${t.total}`);
    lines.push('  by channel:');
    for (const c of report.byChannel)
      lines.push(`    ${String(c.channelId ?? 'none').padEnd(16)} ${c.total}`);
  }
  if (report.failures.length) {
    lines.push(`  failures (${report.failuresTotal}):`);
    for (const f of report.failures.slice(0, FAILURES_SHOWN)) {
      lines.push(
        `    ${f.at}  ${f.phone.padEnd(15)} ${f.state.padEnd(8)} ${f.reason}${f.detail ? ` (${f.detail})` : ''}`,
      );
    }
    if (report.failuresTotal > FAILURES_SHOWN) {
      lines.push(`    … ${report.failuresTotal - FAILURES_SHOWN} more in the CSV export`);
    }
  }
  return lines;
}
