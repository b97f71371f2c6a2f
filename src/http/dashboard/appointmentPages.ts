import type { Appointment } from '../../appointments/appointments.js';
import type { ReminderEntry } from '../../appointments/sql/appointmentTimeline.js';
import { formatDuration } from '../../time/durations.js';
import { html, type SafeHtml } from './html.js';
import { pager, STATE_COLOURS, stateBar } from './layout.js';
import type { Ui } from './ui.js';

const dayLink = (day: string) => `/appointments?day=${day}`;

/** One day's appointments (in the viewer's zone), a page at a time, each with its reminders at a glance. */
export function appointmentDayPage(
  ui: Ui,
  input: {
    day: string;
    previousDay: string;
    nextDay: string;
    items: Appointment[];
    reminders: ReadonlyMap<number, Record<string, number>>;
    total: number;
    page: number;
    pageSize: number;
  },
): SafeHtml {
  const { t } = ui;
  const rows = input.items.map((a) => {
    const counts = input.reminders.get(a.id) ?? {};
    const total = Object.values(counts).reduce((n, c) => n + c, 0);
    return html`<tr data-appointment-id="${a.id}">
<td>${ui.time(a.startsAt)}</td>
<td><a href="/appointments/${a.id}">${a.externalId}</a></td>
<td class="mono">+${a.phone}</td>
<td>${t(`appointment.status.${a.status}`, { defaultValue: a.status })}</td>
<td>${total === 0 ? html`<span class="muted">${t('appointment.noReminders')}</span>` : stateBar(ui, counts, total)}</td>
</tr>`;
  });
  return html`<h1>${t('appointment.dayTitle')}</h1>
<form method="get" action="/appointments" class="inline-form">
<a class="button" href="${dayLink(input.previousDay)}" rel="prev">←</a>
<input type="date" name="day" value="${input.day}" aria-label="${t('appointment.day')}">
<button type="submit">${t('appointment.show')}</button>
<a class="button" href="${dayLink(input.nextDay)}" rel="next">→</a>
<span class="muted">${t('appointment.count', { count: input.total })} · ${ui.zone}</span>
</form>
<section class="panel">
${
  input.items.length === 0
    ? html`<p class="muted">${t('appointment.none')}</p>`
    : html`<table><thead><tr><th>${t('appointment.startsAt')}</th><th>${t('appointment.externalId')}</th><th>${t('campaign.phone')}</th><th>${t('campaign.status')}</th><th>${t('appointment.reminders')}</th></tr></thead>
<tbody>${rows}</tbody></table>`
}
${pager(ui, {
  page: input.page,
  pages: Math.max(1, Math.ceil(input.total / input.pageSize)),
  href: (n) => `${dayLink(input.day)}&page=${n}`,
})}
</section>`;
}

/** An appointment and every reminder it had: offset, planned time, state and reason — what a reschedule or cancel did. */
export function appointmentPage(
  ui: Ui,
  appointment: Appointment,
  timeline: readonly ReminderEntry[],
): SafeHtml {
  const { t } = ui;
  const attributes = Object.entries(appointment.attributes);
  const rows = timeline.map(
    (r) => html`<tr data-reminder="${r.deliveryId}" data-state="${r.state}">
<td><a href="/campaigns/${r.campaignId}">${r.campaignName}</a></td>
<td class="mono">${r.offsetSeconds === null ? '—' : formatDuration(r.offsetSeconds, { signed: true })}</td>
<td>${ui.time(r.dueAt)}</td>
<td><span class="swatch" style="background:${STATE_COLOURS[r.state] ?? '#94a3b8'}"></span>${t(`state.${r.state}`, { defaultValue: r.state })}</td>
<td>${r.reason ? html`<span class="mono">${r.reason}</span><div class="muted">${t(`reason.${r.reason}`, { defaultValue: '' })}</div>` : ''}</td>
<td>${ui.time(r.at)}</td>
</tr>${r.events.map(
      (e) =>
        html`<tr class="event" data-event-of="${r.deliveryId}"><td></td><td colspan="5" class="muted">${ui.time(e.at)} · ${
          e.fromState ? `${t(`state.${e.fromState}`, { defaultValue: e.fromState })} → ` : ''
        }${t(`state.${e.toState}`, { defaultValue: e.toState })}${e.reason ? html` · <span class="mono">${e.reason}</span>` : ''}${
          e.fromDueAt && e.toDueAt
            ? html` · ${t('appointment.moved', { from: ui.timeText(e.fromDueAt), to: ui.timeText(e.toDueAt) })}`
            : ''
        }</td></tr>`,
    )}`,
  );
  return html`<p class="sub" style="margin-bottom:6px"><a href="${dayLink(ui.dayOf(appointment.startsAt))}">${t('appointment.dayTitle')}</a> / ${appointment.externalId}</p>
<h1>${t('appointment.title', { externalId: appointment.externalId })}</h1>
<p class="sub">${ui.time(appointment.startsAt)} · ${t(`appointment.status.${appointment.status}`, { defaultValue: appointment.status })} · <span class="mono">+${appointment.phone}</span>${
    appointment.timezone ? ` · ${appointment.timezone}` : ''
  }</p>
${
  attributes.length
    ? html`<section class="panel"><dl class="definition">${attributes.map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}</dl></section>`
    : ''
}
<section class="panel"><h2>${t('appointment.timeline')}</h2>
${
  timeline.length === 0
    ? html`<p class="muted">${t('appointment.noReminders')}</p>`
    : html`<table><thead><tr><th>${t('appointment.campaign')}</th><th>${t('appointment.offset')}</th><th>${t('appointment.planned')}</th><th>${t('campaign.state')}</th><th>${t('campaign.reason')}</th><th>${t('appointment.since')}</th></tr></thead>
<tbody>${rows}</tbody></table>`
}
</section>`;
}
