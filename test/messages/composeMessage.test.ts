import { describe, expect, it } from 'vitest';
import {
  composeMessage,
  type MessageAppointment,
  type MessageCampaign,
  recipientRefusal,
  recipientTimeZone,
} from '../../src/messages/composeMessage.js';
import type { WhatsAppTemplate } from '../../src/messages/whatsappTemplate.js';

const campaign: MessageCampaign = {
  name: 'Осень',
  transport: 'whatsapp',
  templateSource:
    'Здравствуйте, {{name}}! {{campaign.name}}: {{discount}}% до {{formatDate endsAt "d MMMM"}}',
  variables: { discount: 15, endsAt: '2026-11-30' },
};

const anna = {
  phone: '79990001122',
  name: 'Анна',
  timezone: 'Europe/Moscow',
  attributes: { city: 'Москва' },
};

const appointment: MessageAppointment = {
  externalId: 'A-1042',
  startsAt: new Date('2026-11-27T07:30:00Z'),
  timezone: 'Asia/Yekaterinburg',
  attributes: { doctor: 'Иванов', room: '' },
};

const orderUpdate: WhatsAppTemplate = {
  name: 'order_update',
  language: 'ru',
  header: { type: 'text', text: '{{campaign.name}}' },
  body: ['{{name}}', '{{discount}}'],
  buttons: ['{{phone}}'],
};

describe('composeMessage', () => {
  it("renders the template with the contact, the campaign's name and its variables", () => {
    expect(composeMessage(campaign, anna, { timezone: 'Europe/Moscow' })).toEqual({
      ok: true,
      text: 'Здравствуйте, Анна! Осень: 15% до 30 ноября',
      attachment: null,
    });
  });

  it('passes on what the template lacks for this contact', () => {
    expect(
      composeMessage({ ...campaign, templateSource: 'Hi {{firstName}}' }, anna, { timezone: 'UTC' }),
    ).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'firstName',
    });
  });

  it("gives a reminder's template its appointment, read in the recipient's zone", () => {
    const source =
      '{{appointment.doctor}} {{formatDateTime appointment.startsAt}} {{appointment.externalId}} {{appointment.timezone}}';
    expect(
      composeMessage({ ...campaign, templateSource: source }, anna, {
        timezone: 'Asia/Yekaterinburg',
        appointment,
      }),
    ).toEqual({ ok: true, text: 'Иванов 27.11.2026 12:30 A-1042 Asia/Yekaterinburg', attachment: null });
  });

  it('reports an empty appointment attribute, or an appointment that is not there, as missing', () => {
    expect(
      composeMessage({ ...campaign, templateSource: '{{appointment.room}}' }, anna, {
        timezone: 'UTC',
        appointment,
      }),
    ).toEqual({ ok: false, problem: 'missing_variable', variable: 'appointment.room' });
    expect(
      composeMessage({ ...campaign, templateSource: '{{appointment.doctor}}' }, anna, {
        timezone: 'UTC',
        appointment: null,
      }),
    ).toEqual({ ok: false, problem: 'missing_variable', variable: 'appointment.doctor' });
  });

  it("holds the text to the transport's length, saying by how much it is over", () => {
    expect(
      composeMessage({ ...campaign, templateSource: 'x'.repeat(4097) }, anna, { timezone: 'UTC' }),
    ).toEqual({
      ok: false,
      problem: 'message_too_long',
      detail: '4097 characters; at most 4096',
      size: { length: 4097, limit: 4096 },
    });
    expect(
      composeMessage({ ...campaign, templateSource: 'x'.repeat(4096) }, anna, { timezone: 'UTC' }).ok,
    ).toBe(true);
  });

  it('counts an SMS in segments', () => {
    const sms = { ...campaign, transport: 'sms' };
    expect(composeMessage({ ...sms, templateSource: 'я'.repeat(670) }, anna, { timezone: 'UTC' }).ok).toBe(
      true,
    );
    expect(
      composeMessage({ ...sms, templateSource: 'я'.repeat(671) }, anna, { timezone: 'UTC' }),
    ).toMatchObject({
      ok: false,
      problem: 'message_too_long',
      detail: '11 SMS segments (UCS-2); at most 10',
    });
  });

  it('sends the attachment with the text, or alone when there is no template', () => {
    const attachment = 'https://example.com/price.pdf';
    expect(
      composeMessage({ ...campaign, templateSource: 'see file', attachment }, anna, { timezone: 'UTC' }),
    ).toEqual({ ok: true, text: 'see file', attachment });
    expect(
      composeMessage({ ...campaign, templateSource: '', attachment }, anna, { timezone: 'UTC' }),
    ).toEqual({
      ok: true,
      text: '',
      attachment,
    });
  });

  it("writes a WhatsApp template's markup instead of the template, its values rendered the same way", () => {
    const withTemplate = {
      ...campaign,
      templateSource: 'ignored {{nothing}}',
      whatsappTemplate: orderUpdate,
    };
    expect(composeMessage(withTemplate, anna, { timezone: 'UTC' })).toEqual({
      ok: true,
      text: '@HSM@\norder_update|ru\nheader|text|Осень\nbody|text|Анна|15\nbutton|text|79990001122',
      attachment: null,
    });
  });

  it("sends a media header's file as the attachment", () => {
    const media = { ...orderUpdate, header: { type: 'image' as const }, body: [], buttons: [] };
    expect(
      composeMessage(
        { ...campaign, whatsappTemplate: media, attachment: 'https://example.com/i.png' },
        anna,
        {
          timezone: 'UTC',
        },
      ),
    ).toEqual({
      ok: true,
      text: '@HSM@\norder_update|ru\nheader|image',
      attachment: 'https://example.com/i.png',
    });
  });

  it('refuses a WhatsApp template value the markup cannot carry, naming its field', () => {
    expect(
      composeMessage({ ...campaign, whatsappTemplate: { ...orderUpdate, body: ['{{city}}|x'] } }, anna, {
        timezone: 'UTC',
      }),
    ).toEqual({
      ok: false,
      problem: 'invalid_variable',
      variable: 'whatsappTemplate.body[0]',
      detail: 'contains "|", which separates the values of Chat2Desk\'s @HSM@ markup',
    });
  });
});

describe('recipientRefusal', () => {
  const contact = { phone: '79990001122', optedInAt: null, optedOutAt: null };
  const optedIn = new Date('2026-01-01T00:00:00Z');

  it('lets a marketing message through only to a contact who opted in', () => {
    expect(recipientRefusal('marketing', { ...contact, optedInAt: optedIn })).toBeNull();
    expect(recipientRefusal('marketing', contact)).toEqual({
      ok: false,
      problem: 'no_consent',
      detail: 'a marketing campaign needs a recorded opt-in, and the contact has none',
    });
  });

  it('lets a transactional message through without an opt-in, but never after an opt-out', () => {
    expect(recipientRefusal('transactional', contact)).toBeNull();
    expect(
      recipientRefusal('transactional', {
        ...contact,
        optedInAt: optedIn,
        optedOutAt: new Date('2026-02-01'),
      }),
    ).toEqual({ ok: false, problem: 'opted_out', detail: 'the contact has opted out' });
  });

  it('refuses a stored number that is no phone in use, such as one without its country code', () => {
    expect(recipientRefusal('transactional', { ...contact, phone: '9990001122' })).toEqual({
      ok: false,
      problem: 'invalid_phone',
      detail: '+9990001122 is not a phone number in use',
    });
    expect(recipientRefusal('transactional', { ...contact, phone: '12345' })?.problem).toBe('invalid_phone');
  });

  it('speaks of consent before the number', () => {
    expect(recipientRefusal('marketing', { ...contact, phone: '12345' })?.problem).toBe('no_consent');
  });
});

describe('recipientTimeZone', () => {
  it("takes the contact's zone, else the appointment's, else the campaign's, else the default", () => {
    const zones = { contact: 'Asia/Tokyo', appointment: 'Europe/Moscow', campaign: 'Asia/Omsk' };
    expect(recipientTimeZone(zones, 'Europe/Berlin')).toBe('Asia/Tokyo');
    expect(recipientTimeZone({ ...zones, contact: null }, 'Europe/Berlin')).toBe('Europe/Moscow');
    expect(recipientTimeZone({ contact: null, campaign: 'Asia/Omsk' }, 'Europe/Berlin')).toBe('Asia/Omsk');
    expect(recipientTimeZone({ contact: null, appointment: null, campaign: null }, 'Europe/Berlin')).toBe(
      'Europe/Berlin',
    );
  });

  it('passes over a name that is not a zone instead of failing', () => {
    expect(recipientTimeZone({ contact: 'MSK', appointment: '', campaign: 'Asia/Omsk' }, 'UTC')).toBe(
      'Asia/Omsk',
    );
  });
});
