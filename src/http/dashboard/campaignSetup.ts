import { ARCHIVABLE_STATUSES } from '../../campaigns/archive.js';
import type { CampaignForecast } from '../../campaigns/forecast.js';
import type { CampaignPreview } from '../../campaigns/preview.js';
import type { CampaignDetails } from '../../campaigns/queries.js';
import { type CampaignSchedule, nextRunAfter } from '../../campaigns/schedule.js';
import { isIanaTimeZone } from '../../time/timeZones.js';
import { html, type SafeHtml } from './html.js';
import { type Ui, wallClockText } from './ui.js';

/** Runs of a repeating schedule the page lists ahead. */
const RUNS_AHEAD = 5;

/** What the campaign page shows of the campaign's set-up, and lets an admin do before it goes out. */
export interface CampaignSetup {
  details: CampaignDetails;
  /** The preview asked for (a phone), or of a sample contact; an error text when the phone names no contact. */
  preview: CampaignPreview | { error: string } | null;
  /** When it was archived; null when it is not. */
  archivedAt: Date | null;
  /** A broadcast's forecast before it goes out; null after, and for reminders. */
  forecast: CampaignForecast | null;
  /** With a send window: the zone it is read in for recipients without one of their own; null without a window. */
  windowZone: string | null;
  /** The phone the preview was asked for, to show in its field again. */
  previewPhone: string;
  /** The CSRF token of a login that may change things; undefined for a viewer (no forms). */
  csrf: string | undefined;
  /** Whether a test message can be sent from here (Chat2Desk is configured). */
  canTestSend: boolean;
  now: Date;
}

function object(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The schedule as the definition states it, with its zone: what next runs are computed from. */
export function scheduleOf(definition: Record<string, unknown>): {
  schedule: CampaignSchedule;
  zone: string;
} {
  const spec = object(definition.schedule);
  const zoneText = spec.timezone ?? definition.timezone;
  const zone = typeof zoneText === 'string' && isIanaTimeZone(zoneText) ? zoneText : 'UTC';
  if (typeof spec.cron === 'string') return { schedule: { cron: spec.cron, timezone: zone }, zone };
  const at = typeof spec.at === 'string' ? Date.parse(spec.at) : Number.NaN;
  return { schedule: Number.isNaN(at) ? null : { at: new Date(at) }, zone };
}

/** The next `count` times the schedule fires after `now` (fewer when it stops firing). */
export function nextRuns(schedule: CampaignSchedule, now: Date, count = RUNS_AHEAD): Date[] {
  const runs: Date[] = [];
  let after = now;
  while (runs.length < count) {
    const next = nextRunAfter(schedule, after);
    if (next === null) break;
    runs.push(next);
    after = next;
  }
  return runs;
}

function definitionList(ui: Ui, setup: CampaignSetup): SafeHtml {
  const { t } = ui;
  const { details, now } = setup;
  const doc = details.definition;
  const audience = object(doc.audience);
  const window = object(doc.sendWindow);
  const { schedule, zone } = scheduleOf(doc);
  const rows: Array<[string, SafeHtml | string]> = [
    [t('editor.purpose'), t(`consent.${details.purpose}`)],
    [
      t('editor.audience'),
      html`${
        typeof audience.list === 'string'
          ? audience.list
          : t(details.kind === 'reminder' ? 'setup.everyoneBooked' : 'editor.everyone')
      }${typeof audience.where === 'string' ? html` · <span class="mono" data-field="where">${audience.where}</span>` : ''}`,
    ],
    [t('editor.channel'), details.channelId === null ? t('editor.anyChannel') : `#${details.channelId}`],
  ];
  if (details.kind === 'reminder') {
    const offsets = Array.isArray(doc.offsets) ? doc.offsets.map(String).join(', ') : '';
    rows.push([t('setup.offsets'), offsets]);
  } else if (schedule !== null) {
    const runs =
      details.status === 'cancelled' || details.status === 'completed' ? [] : nextRuns(schedule, now);
    const described =
      'cron' in schedule
        ? t('setup.cron', { cron: schedule.cron, zone })
        : t('setup.once', { at: wallClockText(schedule.at.getTime(), zone, ui.lang), zone });
    rows.push([
      t('setup.schedule'),
      html`${described}${
        'cron' in schedule && runs.length
          ? html`<ol class="runs" data-next-runs>${runs.map((r) => html`<li>${wallClockText(r.getTime(), zone, ui.lang)} <span class="muted">(${ui.timeText(r)} ${ui.zone})</span></li>`)}</ol>`
          : ''
      }`,
    ]);
  }
  rows.push([
    t('setup.window'),
    typeof window.from === 'string'
      ? t('setup.windowRange', { from: window.from, to: window.to })
      : t('setup.noWindow'),
  ]);
  const rate = object(doc.rateLimit).perSecond;
  rows.push([t('setup.rate'), rate === undefined ? t('setup.accountRate') : t('setup.perSecond', { rate })]);
  return html`<dl class="definition">${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>
<h3>${t('editor.template')}</h3>
<pre class="message" data-field="template">${details.templateSource || '—'}</pre>`;
}

function previewBlock(ui: Ui, setup: CampaignSetup): SafeHtml {
  const { t } = ui;
  const preview = setup.preview;
  const form = html`<form method="get" action="/campaigns/${setup.details.id}#preview" class="inline-form">
<label for="preview-phone">${t('setup.previewFor')}</label>
<input id="preview-phone" name="phone" value="${setup.previewPhone}" placeholder="+7 916 123-45-67" maxlength="40">
<button type="submit">${t('setup.preview')}</button></form>`;
  if (preview === null) return form;
  if ('error' in preview) return html`${form}<div class="error" role="alert">${preview.error}</div>`;
  const who = preview.contact
    ? `${preview.contact.name ?? ''} +${preview.contact.phone}`.trim()
    : t('setup.inventedContact');
  const size = preview.size
    ? preview.size.sms
      ? t('setup.smsSize', {
          characters: preview.size.length,
          segments: preview.size.sms.segments,
          encoding: preview.size.sms.encoding,
        })
      : t('setup.size', { characters: preview.size.length, limit: preview.size.limit })
    : '';
  return html`${form}
<p class="muted">${preview.sample ? t('setup.sampleFor', { who }) : t('setup.previewOf', { who })} · ${t('setup.zone', { zone: preview.timezone })}</p>
${
  preview.ok
    ? html`<pre class="message" data-preview="text">${preview.text}</pre><p class="muted" data-preview="size">${size}</p>`
    : html`<div class="error" role="alert" data-preview="problem">${preview.problem}${preview.missingVariable ? `: ${preview.missingVariable}` : ''}${preview.detail ? ` — ${preview.detail}` : ''}</div>`
}
<p class="muted" data-preview="audience">${t('setup.audience', { recipients: preview.audience.recipients, willSend: preview.audience.willSend, skipped: preview.audience.skipped })}${
    preview.audience.skips.length
      ? ` (${preview.audience.skips.map((s) => `${s.variable ? `${s.reason}: ${s.variable}` : s.reason} ${ui.number(s.count)}`).join(', ')})`
      : ''
  }</p>
${preview.consent.skipped ? html`<div class="notice" data-preview="skipped">${t('setup.wouldSkip', { reason: preview.consent.skipped.reason, detail: preview.consent.skipped.detail })}</div>` : ''}`;
}

/** An admin's buttons for the set-up: a draft's edit, publish and delete; anyone's duplicate. */
export function campaignSetupActions(ui: Ui, setup: CampaignSetup): SafeHtml {
  const { t } = ui;
  const { details, csrf } = setup;
  if (csrf === undefined) return html``;
  const id = details.id;
  const hidden = html`<input type="hidden" name="csrf" value="${csrf}">`;
  const draft = details.status === 'draft';
  const archivable = (ARCHIVABLE_STATUSES as readonly string[]).includes(details.status);
  const archive =
    setup.archivedAt !== null
      ? html`<form method="post" action="/campaigns/${id}/unarchive">${hidden}<button type="submit">${t('setup.unarchive')}</button></form>`
      : archivable
        ? html`<form method="post" action="/campaigns/${id}/archive">${hidden}<button type="submit">${t('setup.archive')}</button></form>`
        : '';
  return html`${draft ? html`<a class="button" href="/campaigns/${id}/edit">${t('setup.edit')}</a>` : ''}
${draft ? html`<form method="post" action="/campaigns/${id}/publish">${hidden}<button type="submit" class="primary">${t('setup.publish')}</button></form>` : ''}
<a class="button" href="/campaigns/new?from=${id}">${t('setup.duplicate')}</a>
${archive}
${
  draft
    ? html`<details class="confirm"><summary>${t('setup.delete')}</summary>
<form method="post" action="/campaigns/${id}/delete">${hidden}<button type="submit" class="danger">${t('setup.deleteConfirm')}</button></form></details>`
    : ''
}`;
}

function testSendBlock(ui: Ui, setup: CampaignSetup): SafeHtml {
  const { t } = ui;
  if (setup.csrf === undefined || !setup.canTestSend) return html``;
  return html`<form method="post" action="/campaigns/${setup.details.id}/test-send" class="inline-form">
<input type="hidden" name="csrf" value="${setup.csrf}">
<label for="test-phone">${t('setup.testTo')}</label>
<input id="test-phone" name="phone" placeholder="+7 916 123-45-67" maxlength="40" required>
<button type="submit">${t('setup.testSend')}</button></form>
<p class="hint">${t('setup.testHint')}</p>`;
}

function forecastBlock(ui: Ui, forecast: CampaignForecast | null, windowZone: string | null): SafeHtml {
  if (forecast === null) return html``;
  const { t } = ui;
  const n = (value: number) => ui.number(value);
  const percent = (share: number) => `${(share * 100).toFixed(share < 0.001 ? 3 : 1)}%`;
  const rows: Array<[string, string, string]> = [
    ['audience', t('forecast.audience'), n(forecast.audience)],
    ['optedOut', t('forecast.optedOut'), n(forecast.optedOut)],
    ['noConsent', t('forecast.noConsent'), n(forecast.noConsent)],
    ['recipients', t('forecast.recipients'), n(forecast.recipients)],
    [
      'requests',
      t('forecast.requests'),
      t('forecast.requestsValue', { requests: n(forecast.requests), newClients: n(forecast.newClients) }),
    ],
    [
      'quota',
      t('forecast.quota'),
      forecast.quota.limit === null
        ? t('forecast.quotaUnknown', { used: n(forecast.quota.used) })
        : t('forecast.quotaValue', {
            share: percent(forecast.quota.share ?? 0),
            used: n(forecast.quota.used),
            limit: n(forecast.quota.limit),
          }),
    ],
    [
      'finishesAt',
      t('forecast.finishes'),
      forecast.finishesAt === null
        ? t('forecast.noLimit')
        : t('forecast.finishesValue', {
            at: ui.timeText(forecast.finishesAt),
            perSecond: forecast.perSecond,
          }),
    ],
  ];
  const over =
    forecast.quota.limit !== null && forecast.quota.used + forecast.requests > forecast.quota.limit;
  return html`<h3>${t('forecast.title')}</h3>
<dl class="definition" data-forecast>${rows.map(([key, label, value]) => html`<dt>${label}</dt><dd data-forecast="${key}">${value}</dd>`)}</dl>
${over ? html`<div class="error" role="alert" data-forecast="over-quota">${t('forecast.overQuota')}</div>` : ''}
${windowZone !== null && forecast.noTimeZone > 0 ? html`<div class="notice" data-forecast="no-time-zone">${t('forecast.noTimeZone', { count: forecast.noTimeZone, zone: windowZone })}</div>` : ''}`;
}

/** The campaign's set-up on its page: what, to whom and when, a preview, a test message, and a draft's buttons. */
export function campaignSetupPanel(ui: Ui, setup: CampaignSetup): SafeHtml {
  const { t } = ui;
  return html`${setup.archivedAt === null ? '' : html`<div class="notice" data-notice="archived">${t('setup.archived', { at: ui.timeText(setup.archivedAt) })}</div>`}<section class="panel" data-panel="setup"><h2>${t('setup.title')}</h2>${definitionList(ui, setup)}${forecastBlock(ui, setup.forecast, setup.windowZone)}</section>
<section class="panel" id="preview" data-panel="preview"><h2>${t('setup.previewTitle')}</h2>${previewBlock(ui, setup)}${testSendBlock(ui, setup)}</section>`;
}
