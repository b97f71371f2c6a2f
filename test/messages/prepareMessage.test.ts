import { describe, expect, it } from 'vitest';
import type { MessageAppointment } from '../../src/messages/composeMessage.js';
import {
  type CampaignToPrepare,
  prepareMessage,
  type RecipientToPrepare,
} from '../../src/messages/prepareMessage.js';

const campaign: CampaignToPrepare = {
  name: 'Autumn',
  transport: 'sms',
  templateSource: 'Hi {{name}}, {{discount}}% off',
  variables: { discount: 15 },
  purpose: 'marketing',
  timezone: 'Europe/Berlin',
};

const anna: RecipientToPrepare = {
  phone: '79990001122',
  name: 'Anna',
  timezone: null,
  attributes: {},
  optedInAt: new Date('2026-01-01T00:00:00Z'),
  optedOutAt: null,
};

const visit: MessageAppointment = {
  externalId: 'A-1',
  startsAt: new Date('2026-11-27T07:30:00Z'),
  timezone: 'Asia/Yekaterinburg',
  attributes: { doctor: 'Ivanov' },
};

const UTC = { defaultTimezone: 'UTC' };

describe('prepareMessage', () => {
  it('prepares the message of a recipient who may get it, with no refusal', () => {
    expect(prepareMessage(campaign, anna, UTC)).toEqual({
      timezone: 'Europe/Berlin',
      refusal: null,
      message: { ok: true, text: 'Hi Anna, 15% off', attachment: null },
    });
  });

  it('refuses an opted-out recipient and still composes the message, so a preview shows both', () => {
    const prepared = prepareMessage(campaign, { ...anna, optedOutAt: new Date('2026-02-01T00:00:00Z') }, UTC);
    expect(prepared.refusal).toEqual({
      ok: false,
      problem: 'opted_out',
      detail: 'the contact has opted out',
    });
    expect(prepared.message).toEqual({ ok: true, text: 'Hi Anna, 15% off', attachment: null });
  });

  it('refuses a marketing message without an opt-in, but lets a transactional one through', () => {
    const noOptIn = { ...anna, optedInAt: null };
    expect(prepareMessage(campaign, noOptIn, UTC).refusal?.problem).toBe('no_consent');
    expect(prepareMessage({ ...campaign, purpose: 'transactional' }, noOptIn, UTC).refusal).toBeNull();
  });

  it('refuses a phone that is no number in use, naming it', () => {
    const refusal = prepareMessage(campaign, { ...anna, phone: '0123' }, UTC).refusal;
    expect(refusal).toEqual({
      ok: false,
      problem: 'invalid_phone',
      detail: '+0123 is not a phone number in use',
    });
  });

  it("reads the recipient's zone from the contact, then the appointment, the campaign, the engine", () => {
    const where = { appointment: visit, defaultTimezone: 'America/New_York' };
    expect(prepareMessage(campaign, { ...anna, timezone: 'Europe/Moscow' }, where).timezone).toBe(
      'Europe/Moscow',
    );
    expect(prepareMessage(campaign, anna, where).timezone).toBe('Asia/Yekaterinburg');
    expect(prepareMessage(campaign, anna, { ...where, appointment: null }).timezone).toBe('Europe/Berlin');
    expect(
      prepareMessage({ ...campaign, timezone: null }, anna, { ...where, appointment: null }).timezone,
    ).toBe('America/New_York');
  });

  it('passes over a zone name Intl does not know instead of failing', () => {
    const prepared = prepareMessage(campaign, { ...anna, timezone: 'Mars/Olympus' }, UTC);
    expect(prepared.timezone).toBe('Europe/Berlin');
  });

  it("composes a reminder's text with its appointment in the zone it chose", () => {
    const reminder = {
      ...campaign,
      templateSource: '{{appointment.doctor}} at {{formatTime appointment.startsAt}}',
    };
    const prepared = prepareMessage(reminder, anna, { appointment: visit, defaultTimezone: 'UTC' });
    expect(prepared).toMatchObject({
      timezone: 'Asia/Yekaterinburg',
      message: { ok: true, text: 'Ivanov at 12:30' },
    });
  });

  it('reports a variable the template lacks for this recipient', () => {
    const prepared = prepareMessage({ ...campaign, templateSource: 'Hi {{firstName}}' }, anna, UTC);
    expect(prepared.message).toEqual({ ok: false, problem: 'missing_variable', variable: 'firstName' });
  });

  it("holds the text to the transport's limit, saying how long it is", () => {
    const long = { ...campaign, transport: 'facebook', templateSource: 'x'.repeat(2001) };
    const prepared = prepareMessage(long, anna, UTC);
    expect(prepared.message).toMatchObject({
      ok: false,
      problem: 'message_too_long',
      size: { length: 2001, limit: 2000 },
    });
  });

  it("sends a WhatsApp template's markup and the attachment in place of the plain template", () => {
    const prepared = prepareMessage(
      {
        ...campaign,
        transport: 'whatsapp',
        templateSource: '',
        whatsappTemplate: { name: 'order_update', language: 'ru', body: ['{{name}}'], buttons: [] },
        attachment: 'https://files.example.com/a.pdf',
      },
      anna,
      UTC,
    );
    expect(prepared.message).toMatchObject({ ok: true, attachment: 'https://files.example.com/a.pdf' });
    expect(prepared.message.ok && prepared.message.text).toContain('Anna');
  });
});
