import { describe, expect, it } from 'vitest';
import { campaignDocument } from '../../src/campaigns/campaignDocument.js';
import { type CampaignDefinition, validateCampaignDefinition } from '../../src/campaigns/definition.js';

const now = new Date('2026-11-20T12:00:00Z');

/** A broadcast as code builds it (the demo, the tests), with nothing optional set. */
const plain: CampaignDefinition = {
  name: 'Plain',
  kind: 'broadcast',
  transport: 'sms',
  channelId: null,
  template: { source: 'Hello {{name}}' },
  audience: { list: 'everyone' },
  schedule: null,
  offsets: [],
  sendLateWithinMs: null,
  sendWindow: null,
  timezone: null,
  rateLimitPerSecond: null,
  purpose: 'marketing',
  variables: {},
  draft: false,
};

const readBack = (definition: CampaignDefinition) =>
  validateCampaignDefinition(campaignDocument(definition), { now });

describe('campaignDocument', () => {
  it('writes only what is set, in the fields users write', () => {
    expect(campaignDocument(plain)).toEqual({
      name: 'Plain',
      kind: 'broadcast',
      transport: 'sms',
      template: 'Hello {{name}}',
      audience: { list: 'everyone' },
      purpose: 'marketing',
      draft: false,
    });
  });

  it('writes times as ISO text, durations as text and the rate as an object', () => {
    const reminder: CampaignDefinition = {
      ...plain,
      kind: 'reminder',
      transport: 'viber',
      channelId: 7,
      template: { file: 'visit.hbs' },
      audience: { all: true },
      offsets: [-86_400, -5_400, 600],
      sendLateWithinMs: 1_800_000,
      outsideWindow: 'earlier',
      bookedLate: 'skip',
      sendWindow: { from: '09:00', to: '21:00' },
      timezone: 'Europe/Moscow',
      rateLimitPerSecond: 2.5,
      purpose: 'transactional',
      variables: { clinic: 'Central', floor: 3, open: true },
      draft: true,
    };

    expect(campaignDocument(reminder)).toEqual({
      name: 'Plain',
      kind: 'reminder',
      transport: 'viber',
      channelId: 7,
      template: { file: 'visit.hbs' },
      audience: { all: true },
      offsets: ['-24h', '-1h30m', '+10m'],
      sendLateWithin: '30m',
      outsideWindow: 'earlier',
      bookedLate: 'skip',
      sendWindow: { from: '09:00', to: '21:00' },
      timezone: 'Europe/Moscow',
      rateLimit: { perSecond: 2.5 },
      purpose: 'transactional',
      variables: { clinic: 'Central', floor: 3, open: true },
      draft: true,
    });
    expect({ ...readBack(reminder), raw: undefined }).toEqual({ ...reminder, raw: undefined });
  });

  it('writes a one-shot schedule as an ISO time and a cron schedule with its zone', () => {
    const at = new Date('2026-11-27T07:00:00Z');

    expect(campaignDocument({ ...plain, schedule: { at } }).schedule).toEqual({
      at: '2026-11-27T07:00:00.000Z',
    });
    const cron = { ...plain, schedule: { cron: '0 10 * * 1', timezone: 'Asia/Almaty' } };
    expect(campaignDocument(cron).schedule).toEqual({ cron: '0 10 * * 1', timezone: 'Asia/Almaty' });
    expect(readBack(cron).schedule).toEqual(cron.schedule);
    expect(readBack({ ...plain, schedule: { at } }).schedule).toEqual({ at });
  });

  it('writes a WhatsApp template without its empty lists of variables, and its attachment', () => {
    const definition: CampaignDefinition = {
      ...plain,
      transport: 'whatsapp',
      schedule: { at: new Date('2026-11-27T07:00:00Z') },
      template: null,
      whatsappTemplate: {
        name: 'order_ready',
        language: 'ru',
        header: { type: 'image' },
        body: [],
        buttons: [],
      },
      attachment: 'https://example.com/order.png',
    };

    const document = campaignDocument(definition);

    expect(document).not.toHaveProperty('template');
    expect(document.whatsappTemplate).toEqual({
      name: 'order_ready',
      language: 'ru',
      header: { type: 'image' },
    });
    expect(document.attachment).toBe('https://example.com/order.png');
    expect({ ...readBack(definition), raw: undefined }).toEqual({ ...definition, raw: undefined });
  });

  it('keeps the variables of a WhatsApp template’s body and buttons', () => {
    const whatsappTemplate = {
      name: 'visit',
      language: 'en_US',
      header: { type: 'text' as const, text: '{{name}}' },
      body: ['{{name}}', '{{startsAt}}'],
      buttons: ['{{code}}'],
    };

    const document = campaignDocument({ ...plain, transport: 'whatsapp', template: null, whatsappTemplate });

    expect(document.whatsappTemplate).toEqual(whatsappTemplate);
  });

  it('leaves out how the definition was written (raw)', () => {
    const document = campaignDocument({ ...plain, raw: { name: 'Plain', comment: 'from a file' } });

    expect(document).not.toHaveProperty('raw');
    expect(document).not.toHaveProperty('comment');
  });
});
