import { describe, expect, it } from 'vitest';
import type { Contact } from '../../../src/contacts/contacts.js';
import { contactListPage, contactPage } from '../../../src/http/dashboard/contactPages.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

const contact: Contact = {
  id: 3,
  phone: '79161234567',
  name: 'Вера <V>',
  timezone: null,
  attributes: {},
  consent: 'opted_out',
  optedInAt: new Date('2026-10-01T07:00:00Z'),
  optInSource: 'website',
  optedOutAt: new Date('2026-11-20T07:00:00Z'),
  optOutReason: 'stop: "СТОП"',
  consentWithdrawnAt: null,
  consentWithdrawnSource: null,
  chat2deskClientId: null,
  lists: ['vip'],
  createdAt: new Date('2026-10-01T07:00:00Z'),
  updatedAt: new Date('2026-11-20T07:00:00Z'),
};

describe('contactPage', () => {
  it('tells the consent as it was given and withdrawn, with the STOP’s text', () => {
    const out = contactPage(uiFor({ 'accept-language': 'ru' }), {
      contact,
      deliveries: [],
      page: 1,
      pageSize: 50,
      appointments: [],
    }).value;
    expect(out).toContain('<h1>+79161234567 · Вера &lt;V&gt;</h1>');
    expect(out).toContain('дал согласие (источник: website)');
    expect(out).toContain('отписался: stop: &quot;СТОП&quot;');
    expect(out).toContain('Сообщений ещё не было.');
  });

  it('tells a consent an import withdrew (opted_in=false), with the source it gave', () => {
    const withdrawn: Contact = {
      ...contact,
      consent: 'none',
      optedInAt: null,
      optInSource: null,
      optedOutAt: null,
      optOutReason: null,
      consentWithdrawnAt: new Date('2026-11-21T07:00:00Z'),
      consentWithdrawnSource: 'crm',
    };
    const out = contactPage(uiFor({ 'accept-language': 'en' }), {
      contact: withdrawn,
      deliveries: [],
      page: 1,
      pageSize: 50,
      appointments: [],
    }).value;
    expect(out).toContain('consent withdrawn by an import (source: crm)');
  });
});

describe('contactListPage', () => {
  it('offers the import only to whom may import', () => {
    const page = (canImport: boolean) =>
      contactListPage(uiFor({}), { q: '', items: [contact], total: 1, page: 1, pageSize: 50, canImport })
        .value;
    expect(page(true)).toContain('href="/contacts/import"');
    expect(page(false)).not.toContain('href="/contacts/import"');
    expect(page(false)).toContain('<a href="/contacts/3">+79161234567</a>');
  });
});
