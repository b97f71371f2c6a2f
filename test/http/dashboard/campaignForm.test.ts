import { describe, expect, it } from 'vitest';
import { validateCampaignDefinition } from '../../../src/campaigns/definition.js';
import type { CampaignDefinitionError } from '../../../src/campaigns/errors.js';
import {
  blankCampaignForm,
  type CampaignForm,
  campaignDocument,
  campaignFormFrom,
  campaignFormOf,
  formFieldOfIssue,
  instantText,
  keptFieldNames,
} from '../../../src/http/dashboard/campaignForm.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');

function form(overrides: Partial<CampaignForm> = {}): CampaignForm {
  return {
    ...blankCampaignForm('Europe/Moscow'),
    name: 'Black Friday',
    list: 'vip',
    at: '2026-11-28T10:00',
    ...overrides,
  };
}

describe('instantText', () => {
  it('reads a wall-clock time in the zone as the instant it is', () => {
    expect(instantText('2026-11-28T10:00', 'Europe/Moscow')).toBe('2026-11-28T07:00:00.000Z');
    expect(instantText('2026-07-01T10:00', 'Europe/Berlin')).toBe('2026-07-01T08:00:00.000Z');
  });

  it('leaves a time the clocks skip, a zone Intl does not know, or no time at all as given, for the validator to name', () => {
    expect(instantText('2026-03-29T02:30', 'Europe/Berlin')).toBe('2026-03-29T02:30');
    expect(instantText('2026-11-28T10:00', 'Mars/Olympus')).toBe('2026-11-28T10:00');
    expect(instantText('tomorrow', 'UTC')).toBe('tomorrow');
  });
});

describe('campaignDocument', () => {
  it('is the document the API takes, always a draft, and passes the same validator', () => {
    const doc = campaignDocument(form({ channelId: '1', perSecond: '2.5' }));
    expect(doc).toEqual({
      name: 'Black Friday',
      kind: 'broadcast',
      transport: 'whatsapp',
      purpose: 'marketing',
      template: 'Hi {{name}}!',
      draft: true,
      channelId: 1,
      audience: { list: 'vip' },
      timezone: 'Europe/Moscow',
      schedule: { at: '2026-11-28T07:00:00.000Z' },
      sendWindow: { from: '09:00', to: '21:00' },
      rateLimit: { perSecond: 2.5 },
    });
    const definition = validateCampaignDefinition(doc, { now: NOW });
    expect(definition.draft).toBe(true);
    expect(definition.schedule).toEqual({ at: new Date('2026-11-28T07:00:00.000Z') });
  });

  it('says "every contact" with *, a repeating schedule with cron, and a reminder with its offsets only', () => {
    expect(campaignDocument(form({ list: '*', scheduleMode: 'cron', cron: ' 0 10 * * MON ' }))).toMatchObject(
      {
        audience: { all: true },
        schedule: { cron: '0 10 * * MON' },
      },
    );
    const reminder = campaignDocument(form({ kind: 'reminder', list: '', offsets: '-24h, , -2h' }));
    expect(reminder.offsets).toEqual(['-24h', '-2h']);
    expect(reminder).not.toHaveProperty('schedule');
    expect(reminder).not.toHaveProperty('audience');
  });

  it('passes what is not a number to the validator as it was typed, to be named', () => {
    const doc = campaignDocument(form({ channelId: 'one', perSecond: 'fast', windowFrom: '', windowTo: '' }));
    expect(doc.channelId).toBe('one');
    expect(doc.rateLimit).toEqual({ perSecond: 'fast' });
    expect(doc).not.toHaveProperty('sendWindow');
    const error = (() => {
      try {
        validateCampaignDefinition(doc, { now: NOW });
      } catch (e) {
        return e as CampaignDefinitionError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.issues.map((i) => formFieldOfIssue(i.path))).toEqual(
      expect.arrayContaining(['channelId', 'perSecond']),
    );
  });
});

describe('campaignFormOf', () => {
  it('gives back the form a document was made from', () => {
    const original = form({ channelId: '2', perSecond: '3', scheduleMode: 'at' });
    expect(campaignFormOf(campaignDocument(original), 'UTC')).toEqual(original);
    const cron = form({ scheduleMode: 'cron', cron: '0 10 * * MON', at: '' });
    expect(campaignFormOf(campaignDocument(cron), 'UTC')).toEqual(cron);
  });

  it('reads a document written by hand: a time with an offset, the older requireOptIn, an inline template object', () => {
    const read = campaignFormOf(
      {
        name: 'Hand-written',
        kind: 'broadcast',
        transport: 'viber',
        template: { source: 'Hello' },
        audience: { list: 'all-stars' },
        schedule: { at: '2026-11-28T10:00:00+03:00' },
        requireOptIn: false,
      },
      'Asia/Vladivostok',
    );
    expect(read).toMatchObject({
      template: 'Hello',
      purpose: 'transactional',
      timezone: 'Asia/Vladivostok',
      at: '2026-11-28T17:00',
      list: 'all-stars',
    });
  });
});

describe('what the form has no field for', () => {
  it("is kept through an edit: a template file, a WhatsApp template, an attachment, variables, sendLateWithin, a reminder's outsideWindow and bookedLate, window days", () => {
    const stored = {
      name: 'Rich',
      kind: 'broadcast',
      transport: 'whatsapp',
      template: { file: 'appointment-reminder.hbs' },
      attachment: 'https://example.com/menu.pdf',
      variables: { endsAt: '2026-12-31' },
      sendLateWithin: '30m',
      outsideWindow: 'earlier',
      bookedLate: 'skip',
      audience: { list: 'vip' },
      schedule: { at: '2026-11-28T10:00:00+03:00' },
      sendWindow: { from: '09:00', to: '21:00', days: [1, 2, 3, 4, 5] },
      timezone: 'Europe/Moscow',
    };
    const form = campaignFormOf(stored, 'UTC');
    expect(form.template).toBe('');
    expect(keptFieldNames(form).sort()).toEqual([
      'attachment',
      'bookedLate',
      'outsideWindow',
      'sendLateWithin',
      'sendWindow.days',
      'template',
      'variables',
    ]);
    const saved = campaignDocument({ ...form, name: 'Rich, edited' });
    expect(saved).toMatchObject({
      name: 'Rich, edited',
      template: { file: 'appointment-reminder.hbs' },
      attachment: 'https://example.com/menu.pdf',
      variables: { endsAt: '2026-12-31' },
      sendLateWithin: '30m',
      outsideWindow: 'earlier',
      bookedLate: 'skip',
      sendWindow: { from: '09:00', to: '21:00', days: [1, 2, 3, 4, 5] },
    });
    // A message written in the box replaces the file.
    expect(campaignDocument({ ...form, template: 'Hi' }).template).toBe('Hi');
  });

  it('leaves the message out for a WhatsApp template when the box is empty, and ignores kept JSON that is none', () => {
    const form = campaignFormOf(
      {
        name: 'HSM',
        kind: 'broadcast',
        transport: 'whatsapp',
        whatsappTemplate: { name: 'promo', language: 'ru' },
      },
      'UTC',
    );
    const saved = campaignDocument(form);
    expect(saved).not.toHaveProperty('template');
    expect(saved.whatsappTemplate).toEqual({ name: 'promo', language: 'ru' });
    expect(campaignDocument({ ...form, kept: '{not json' })).toHaveProperty('template', '');
  });
});

describe('campaignFormFrom', () => {
  it('reads every field of a posted form, absent ones empty, each cut at 100,000 characters', () => {
    const read = campaignFormFrom(new URLSearchParams({ name: 'x'.repeat(200_000), kind: 'reminder' }));
    expect(read.name).toHaveLength(100_000);
    expect(read.kind).toBe('reminder');
    expect(read.cron).toBe('');
  });
});

describe('formFieldOfIssue', () => {
  it.each([
    ['schedule.at', 'at'],
    ['schedule.cron', 'cron'],
    ['schedule.timezone', 'timezone'],
    ['offsets[1]', 'offsets'],
    ['audience.list', 'list'],
    ['audience', 'list'],
    ['sendWindow.to', 'windowTo'],
    ['rateLimit.perSecond', 'perSecond'],
    ['requireOptIn', 'purpose'],
    ['variables.endsAt', null],
    ['', null],
  ])('puts %j at %s', (path, field) => {
    expect(formFieldOfIssue(path)).toBe(field);
  });
});
