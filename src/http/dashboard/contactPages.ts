import type { Appointment } from '../../appointments/appointments.js';
import type { ContactDelivery } from '../../contacts/contactDeliveries.js';
import type { Contact } from '../../contacts/contacts.js';
import { html, type SafeHtml } from './html.js';
import { pager, STATE_COLOURS } from './layout.js';
import type { Ui } from './ui.js';

/** Contacts found by phone or name, a page at a time, with their consent. */
export function contactListPage(
  ui: Ui,
  input: {
    q: string;
    list?: string | undefined;
    items: Contact[];
    total: number;
    page: number;
    pageSize: number;
    canImport: boolean;
  },
): SafeHtml {
  const { t } = ui;
  const rows = input.items.map(
    (c) => html`<tr data-contact-id="${c.id}">
<td class="mono"><a href="/contacts/${c.id}">+${c.phone}</a></td>
<td>${c.name ?? ''}</td>
<td>${t(`contact.consent.${c.consent}`, { defaultValue: c.consent })}</td>
<td>${c.timezone ?? html`<span class="muted">—</span>`}</td>
<td>${c.lists.join(', ')}</td>
</tr>`,
  );
  return html`${input.canImport ? html`<div class="actions" style="float:right"><a class="button primary" href="/contacts/import">${t('contact.import')}</a></div>` : ''}<h1>${t('contact.title')}</h1>
<form method="get" action="/contacts" class="inline-form">
${input.list === undefined ? '' : html`<input type="hidden" name="list" value="${input.list}"><span class="badge">${input.list}</span>`}
<input name="q" value="${input.q}" placeholder="${t('contact.searchHint')}" aria-label="${t('contact.search')}" maxlength="200">
<button type="submit">${t('contact.search')}</button>
<span class="muted">${t('contact.count', { count: input.total })}</span>
</form>
<section class="panel">
${
  input.items.length === 0
    ? html`<p class="muted">${t('contact.none')}</p>`
    : html`<table><thead><tr><th>${t('campaign.phone')}</th><th>${t('campaign.name')}</th><th>${t('contact.consentTitle')}</th><th>${t('editor.timezone')}</th><th>${t('contact.lists')}</th></tr></thead><tbody>${rows}</tbody></table>`
}
${pager(ui, {
  page: input.page,
  pages: Math.max(1, Math.ceil(input.total / input.pageSize)),
  href: (n) =>
    `/contacts?q=${encodeURIComponent(input.q)}${input.list === undefined ? '' : `&list=${encodeURIComponent(input.list)}`}&page=${n}`,
})}
</section>`;
}

/** One contact: fields, consent as it was given and withdrawn, lists, appointments and every delivery. */
export function contactPage(
  ui: Ui,
  input: {
    contact: Contact;
    deliveries: ContactDelivery[];
    page: number;
    pageSize: number;
    appointments: Appointment[];
  },
): SafeHtml {
  const { t } = ui;
  const { contact } = input;
  const attributes = Object.entries(contact.attributes);
  const consentEvents: SafeHtml[] = [];
  if (contact.optedInAt) {
    consentEvents.push(
      html`<li data-consent="opted_in">${ui.time(contact.optedInAt)} — ${t('contact.optedIn', { source: contact.optInSource ?? '—' })}</li>`,
    );
  }
  if (contact.consentWithdrawnAt) {
    consentEvents.push(
      html`<li data-consent="withdrawn">${ui.time(contact.consentWithdrawnAt)} — ${t('contact.consentWithdrawn', { source: contact.consentWithdrawnSource ?? '—' })}</li>`,
    );
  }
  if (contact.optedOutAt) {
    consentEvents.push(
      html`<li data-consent="opted_out">${ui.time(contact.optedOutAt)} — ${t('contact.optedOut', { reason: contact.optOutReason ?? '—' })}</li>`,
    );
  }
  const deliveries = input.deliveries.map(
    (d) => html`<tr data-delivery="${d.deliveryId}">
<td><a href="/campaigns/${d.campaignId}">${d.campaignName}</a></td>
<td><span class="swatch" style="background:${STATE_COLOURS[d.state] ?? '#94a3b8'}"></span>${t(`state.${d.state}`, { defaultValue: d.state })}${
      d.reason ? html` <span class="mono muted">${d.reason}</span>` : ''
    }</td>
<td>${ui.time(d.sentAt ?? d.dueAt)}</td>
<td>${d.text ?? ''}</td>
</tr>`,
  );
  const more = input.deliveries.length === input.pageSize;
  return html`<p class="sub" style="margin-bottom:6px"><a href="/contacts">${t('contact.title')}</a> / #${contact.id}</p>
<h1>+${contact.phone}${contact.name ? html` · ${contact.name}` : ''}</h1>
<p class="sub">${t(`contact.consent.${contact.consent}`)} · ${contact.timezone ?? t('contact.noZone')}${contact.lists.length ? ` · ${contact.lists.join(', ')}` : ''}</p>
<div class="two">
<section class="panel"><h2>${t('contact.consentTitle')}</h2>${
    consentEvents.length
      ? html`<ul class="consent">${consentEvents}</ul>`
      : html`<p class="muted">${t('contact.noConsent')}</p>`
  }</section>
<section class="panel"><h2>${t('contact.attributes')}</h2>${
    attributes.length
      ? html`<dl class="definition">${attributes.map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}</dl>`
      : html`<p class="muted">—</p>`
  }</section>
</div>
${
  input.appointments.length
    ? html`<section class="panel"><h2>${t('nav.appointments')}</h2><ul>${input.appointments.map(
        (a) =>
          html`<li><a href="/appointments/${a.id}">${a.externalId}</a> · ${ui.time(a.startsAt)} · ${t(`appointment.status.${a.status}`, { defaultValue: a.status })}</li>`,
      )}</ul></section>`
    : ''
}
<section class="panel"><h2>${t('contact.deliveries')}</h2>
<p class="hint">${t('contact.deliveriesHint')}</p>
${
  deliveries.length
    ? html`<table><thead><tr><th>${t('appointment.campaign')}</th><th>${t('campaign.state')}</th><th>${t('campaign.when')}</th><th>${t('editor.template')}</th></tr></thead><tbody>${deliveries}</tbody></table>`
    : html`<p class="muted">${t('contact.noDeliveries')}</p>`
}
<div class="pager">
${input.page > 1 ? html`<a href="/contacts/${contact.id}?page=${input.page - 1}" rel="prev">${t('pager.newer')}</a>` : ''}
${more ? html`<a href="/contacts/${contact.id}?page=${input.page + 1}" rel="next">${t('pager.older')}</a>` : ''}
</div>
</section>`;
}
