import { describe, expect, it } from 'vitest';
import type { Appointment } from '../../../src/appointments/appointments.js';
import { appointmentDayPage, appointmentPage } from '../../../src/http/dashboard/appointmentPages.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

const RU = uiFor({ 'accept-language': 'ru', cookie: 'broadcaster_tz=Europe%2FMoscow' });
const appointment: Appointment = {
  id: 5,
  externalId: 'A<1>',
  contactId: 1,
  phone: '79160000001',
  startsAt: new Date('2026-11-30T12:00:00Z'),
  timezone: null,
  status: 'booked',
  attributes: {},
  createdAt: new Date('2026-11-27T07:00:00Z'),
  updatedAt: new Date('2026-11-27T07:00:00Z'),
};

describe('appointmentDayPage', () => {
  it('lists the day’s appointments in the viewer’s language, with links to the days around it and pages', () => {
    const out = appointmentDayPage(RU, {
      day: '2026-11-30',
      previousDay: '2026-11-29',
      nextDay: '2026-12-01',
      items: [appointment],
      reminders: new Map([[5, { queued: 1, sent: 1 }]]),
      total: 101,
      page: 1,
      pageSize: 100,
    }).value;
    expect(out).toContain('<a href="/appointments/5">A&lt;1&gt;</a>');
    expect(out).toContain('>30.11.2026 15:00</time>');
    expect(out).toContain('101 запись');
    expect(out).toContain('href="/appointments?day=2026-11-29"');
    expect(out).toContain('href="/appointments?day=2026-11-30&amp;page=2"');
  });
});

describe('appointmentPage', () => {
  it('says so when an appointment has no reminder', () => {
    expect(appointmentPage(RU, appointment, []).value).toContain('Напоминаний нет.');
  });
});
