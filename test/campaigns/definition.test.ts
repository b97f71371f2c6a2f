import { describe, expect, it } from 'vitest';
import { campaignDocument } from '../../src/campaigns/campaignDocument.js';
import { parseCampaignText, validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { MAX_CAMPAIGN_CHARS, MAX_CAMPAIGN_ENTRIES } from '../../src/campaigns/documentBounds.js';
import {
  CampaignDefinitionError,
  type CampaignDefinitionIssue,
  MAX_REPORTED_ISSUES,
} from '../../src/campaigns/errors.js';

const now = new Date('2026-11-20T12:00:00Z');

const blackFriday = {
  name: 'Black Friday',
  kind: 'broadcast',
  transport: 'whatsapp',
  channelId: 1,
  template: "Hi {{firstName}}, {{discount}}% off until {{formatDate endsAt 'd MMMM'}}",
  audience: { list: 'vip' },
  schedule: { at: '2026-11-27T10:00:00+03:00' },
  sendWindow: { from: '09:00', to: '21:00' },
  rateLimit: { perSecond: 5 },
  requireOptIn: true,
};

const reminder = {
  name: 'Visit reminder',
  kind: 'reminder',
  transport: 'viber',
  template: { file: 'appointment-reminder.hbs' },
  offsets: ['-24h', '-2h', '-1h30m'],
  sendLateWithin: '30m',
  timezone: 'Europe/Moscow',
};

function refusalOf(run: () => unknown): CampaignDefinitionError {
  try {
    run();
  } catch (error) {
    if (error instanceof CampaignDefinitionError) return error;
    throw error;
  }
  throw new Error('expected the definition to be refused');
}

const issuesOf = (run: () => unknown): CampaignDefinitionIssue[] => refusalOf(run).issues;

const issues = (value: unknown) => issuesOf(() => validateCampaignDefinition(value, { now }));
const paths = (value: unknown) => issues(value).map((issue) => issue.path);

describe('validateCampaignDefinition', () => {
  it('reads the broadcast from PRODUCT.md into a typed definition', () => {
    const definition = validateCampaignDefinition(blackFriday, { now });
    expect(definition).toEqual({
      name: 'Black Friday',
      kind: 'broadcast',
      transport: 'whatsapp',
      channelId: 1,
      template: { source: blackFriday.template },
      audience: { list: 'vip' },
      schedule: { at: new Date('2026-11-27T07:00:00Z') },
      offsets: [],
      sendLateWithinMs: null,
      sendWindow: { from: '09:00', to: '21:00' },
      timezone: null,
      rateLimitPerSecond: 5,
      purpose: 'marketing',
      variables: {},
      draft: false,
      raw: blackFriday,
    });
  });

  it('reads a reminder: offsets in seconds, sendLateWithin in milliseconds, everyone with an appointment', () => {
    expect(validateCampaignDefinition(reminder, { now })).toMatchObject({
      kind: 'reminder',
      template: { file: 'appointment-reminder.hbs' },
      audience: { all: true },
      schedule: null,
      offsets: [-86_400, -7_200, -5_400],
      sendLateWithinMs: 1_800_000,
      timezone: 'Europe/Moscow',
      purpose: 'transactional',
      draft: false,
    });
  });

  it("reads a reminder's outsideWindow and bookedLate, keeps them out when not given, and names a bad value's field", () => {
    expect(
      validateCampaignDefinition({ ...reminder, outsideWindow: 'earlier', bookedLate: 'skip' }, { now }),
    ).toMatchObject({ outsideWindow: 'earlier', bookedLate: 'skip' });
    const plain = validateCampaignDefinition(reminder, { now });
    expect([plain.outsideWindow, plain.bookedLate]).toEqual([undefined, undefined]);
    expect(issues({ ...reminder, outsideWindow: 'later', bookedLate: true })).toEqual([
      { path: 'outsideWindow', message: 'expected one of auto, earlier, wait, got "later"' },
      { path: 'bookedLate', message: 'expected one of sendNow, skip, got true' },
    ]);
  });

  it('reads a cron schedule with its time zone', () => {
    const definition = validateCampaignDefinition(
      { ...blackFriday, schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' }, draft: true },
      { now },
    );
    expect(definition.schedule).toEqual({ cron: '0 10 * * MON', timezone: 'Europe/Moscow' });
    expect(definition.draft).toBe(true);
  });

  it("takes a cron schedule's zone from the campaign's timezone when the schedule has none", () => {
    const definition = validateCampaignDefinition(
      { ...blackFriday, timezone: 'Asia/Almaty', schedule: { cron: '0 10 * * *' } },
      { now },
    );
    expect(definition.schedule).toEqual({ cron: '0 10 * * *', timezone: 'Asia/Almaty' });
  });

  it('refuses a one-shot time in the past, quoting it', () => {
    const error = (() => {
      try {
        validateCampaignDefinition({ ...blackFriday, schedule: { at: '2020-01-01T00:00:00Z' } }, { now });
      } catch (e) {
        return e as CampaignDefinitionError;
      }
    })();
    expect(error).toBeInstanceOf(CampaignDefinitionError);
    expect(error?.message).toContain('schedule.at: "2020-01-01T00:00:00Z" is in the past');
    expect(error?.code).toBe('campaign_invalid');
  });

  it('accepts a past one-shot time when re-reading a stored campaign', () => {
    const stored = { ...blackFriday, schedule: { at: '2020-01-01T00:00:00Z' } };
    expect(validateCampaignDefinition(stored, { now, allowPastSchedule: true }).schedule).toEqual({
      at: new Date('2020-01-01T00:00:00Z'),
    });
  });

  it('refuses a one-shot time without an offset, or one that is not a real date', () => {
    expect(issues({ ...blackFriday, schedule: { at: '2026-11-27T10:00:00' } })[0]?.message).toContain(
      'has no UTC offset',
    );
    expect(issues({ ...blackFriday, schedule: { at: '2026-02-30T10:00:00Z' } })[0]?.message).toContain(
      'is not an ISO time',
    );
    expect(issues({ ...blackFriday, schedule: { at: 'next friday' } })[0]?.path).toBe('schedule.at');
  });

  it('reports every problem at once, not just the first', () => {
    expect(
      paths({
        name: '',
        kind: 'newsletter',
        transport: 'email',
        channelId: '1',
        template: '',
        audience: { list: 'vip', all: true },
        schedule: { at: '2020-01-01T00:00:00Z' },
        sendWindow: { from: '9:00', to: '25:00', days: [0, 8] },
        rateLimit: { perSecond: 0 },
        requireOptIn: 'yes',
      }),
    ).toEqual([
      'name',
      'kind',
      'transport',
      'channelId',
      'template',
      'audience',
      'schedule.at',
      'sendWindow.from',
      'sendWindow.to',
      'sendWindow.days',
      'rateLimit.perSecond',
      'requireOptIn',
    ]);
  });

  it('names the field and the expected type when a value has the wrong type', () => {
    expect(issues({ ...blackFriday, channelId: '1' })).toEqual([
      { path: 'channelId', message: 'expected a positive integer (a Chat2Desk channel id), got "1"' },
    ]);
    expect(issues({ ...blackFriday, requireOptIn: 'yes' })).toEqual([
      { path: 'requireOptIn', message: 'expected true or false, got "yes"' },
    ]);
    expect(issues({ ...blackFriday, transport: 'email' })).toEqual([
      {
        path: 'transport',
        message: 'expected one of whatsapp, viber, sms, telegram, vkontakte, facebook, got "email"',
      },
    ]);
  });

  it('refuses a name or a list name over 200 characters, saying how long it is', () => {
    expect(issues({ ...blackFriday, name: 'x'.repeat(201), audience: { list: 'y'.repeat(300) } })).toEqual([
      { path: 'name', message: 'is 201 characters long; at most 200 are allowed' },
      { path: 'audience.list', message: 'is 300 characters long; at most 200 are allowed' },
    ]);
    expect(validateCampaignDefinition({ ...blackFriday, name: 'x'.repeat(200) }, { now }).name).toHaveLength(
      200,
    );
  });

  it('names unknown fields, at any depth, suggesting the field probably meant', () => {
    expect(
      issues({ ...blackFriday, channelID: 1, sendWindow: { from: '09:00', to: '21:00', weekdays: [1] } }),
    ).toEqual([
      { path: 'channelID', message: 'unknown field; did you mean "channelId"?' },
      { path: 'sendWindow.weekdays', message: 'unknown field (allowed: from, to, days)' },
    ]);
  });

  it(`lists the first ${MAX_REPORTED_ISSUES} problems and counts the rest`, () => {
    const unknown = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`extra${i}`, i]));
    const error = refusalOf(() => validateCampaignDefinition({ ...blackFriday, ...unknown }, { now }));
    expect(error.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(error.issues[0]).toEqual({ path: 'extra0', message: expect.stringContaining('unknown field') });
    expect(error.moreIssues).toBe(1500 - MAX_REPORTED_ISSUES);
    expect(error.details).toMatchObject({ moreIssues: 1500 - MAX_REPORTED_ISSUES });
    expect(error.message).toMatch(/extra19: unknown field \(allowed: [^)]+\); and 1480 more$/);
  });

  it('suggests a field only for a key short enough to be a misspelling of one', () => {
    expect(issues({ ...blackFriday, sendLateWithinX: '1h' })[0]?.message).toBe(
      'unknown field; did you mean "sendLateWithin"?',
    );
    const long = 'sendLateWithin'.repeat(1000);
    expect(issues({ ...blackFriday, [long]: '1h' })[0]?.message).toMatch(/^unknown field \(allowed: name, /);
  });

  it('cuts a long unknown key short where it names the field', () => {
    const error = refusalOf(() =>
      validateCampaignDefinition({ ...blackFriday, ['k'.repeat(100_000)]: 1 }, { now }),
    );
    expect(error.issues[0]?.path).toBe(`${'k'.repeat(297)}...`);
    expect(error.message.length).toBeLessThan(1_000);
  });

  it(`refuses a value with more than ${MAX_CAMPAIGN_ENTRIES} keys and list items before reading its fields`, () => {
    const unknown = Object.fromEntries(Array.from({ length: 80_000 }, (_, i) => [`extra${i}`, i]));
    expect(issues({ ...blackFriday, ...unknown })).toEqual([
      {
        path: '',
        message: `has more than ${MAX_CAMPAIGN_ENTRIES} keys and list items; a campaign needs a few dozen`,
      },
    ]);
    const offsets = Array.from({ length: MAX_CAMPAIGN_ENTRIES }, (_, i) => `-${i + 1}m`);
    expect(paths({ ...reminder, offsets })).toEqual(['']);
  });

  it('refuses what is not an object at all', () => {
    expect(issues(['a'])).toEqual([{ path: 'campaign', message: 'expected an object, got an array' }]);
  });

  it('requires the fields a broadcast cannot do without', () => {
    expect(paths({ name: 'x', kind: 'broadcast', transport: 'sms', template: 'Hi' })).toEqual([
      'audience',
      'schedule',
    ]);
    expect(paths({})).toEqual(['name', 'kind', 'transport', 'template']);
  });

  it('keeps reminder-only fields off broadcasts and schedules off reminders', () => {
    expect(
      paths({
        ...blackFriday,
        offsets: ['-1h'],
        sendLateWithin: '10m',
        outsideWindow: 'wait',
        bookedLate: 'skip',
      }),
    ).toEqual(['offsets', 'sendLateWithin', 'outsideWindow', 'bookedLate']);
    expect(paths({ ...reminder, schedule: { at: '2026-11-27T10:00:00+03:00' } })).toEqual(['schedule']);
  });

  it('requires reminder offsets written with a sign, each once', () => {
    expect(paths({ ...reminder, offsets: undefined })).toEqual(['offsets']);
    expect(paths({ ...reminder, offsets: [] })).toEqual(['offsets']);
    expect(issues({ ...reminder, offsets: ['24h', '-2h', '-120m', 'soon', 5] })).toEqual([
      { path: 'offsets[0]', message: '"24h" needs a sign: "-24h" before the appointment, "+24h" after' },
      { path: 'offsets[2]', message: '"-120m" repeats an earlier offset' },
      { path: 'offsets[3]', message: 'expected an offset such as "-24h", "-15m" or "-1h30m", got "soon"' },
      { path: 'offsets[4]', message: 'expected an offset such as "-24h", "-15m" or "-1h30m", got 5' },
    ]);
  });

  it('refuses numbers out of range, naming the field and the range', () => {
    for (const perSecond of [1e308, 1e-300, 0, -1, 1001, 0.0001]) {
      expect(issues({ ...blackFriday, rateLimit: { perSecond } })).toEqual([
        {
          path: 'rateLimit.perSecond',
          message: `must be from 0.000278 (one an hour) to 1000 messages per second, got ${perSecond}`,
        },
      ]);
    }
    expect(
      validateCampaignDefinition({ ...blackFriday, rateLimit: { perSecond: 1 / 3600 } }, { now }),
    ).toMatchObject({ rateLimitPerSecond: 1 / 3600 });
    expect(issues({ ...blackFriday, rateLimit: { perSecond: '5' } })).toEqual([
      { path: 'rateLimit.perSecond', message: 'expected a number of messages per second, got "5"' },
    ]);
    expect(issues({ ...reminder, offsets: ['-367d'] })).toEqual([
      { path: 'offsets[0]', message: '"-367d" is too far from the appointment: at most 366 days' },
    ]);
    expect(issues({ ...reminder, sendLateWithin: '8d' })).toEqual([
      { path: 'sendLateWithin', message: '"8d" is too long: at most 7 days ("7d")' },
    ]);
    expect(issues({ ...blackFriday, channelId: 2 ** 31 })).toEqual([
      { path: 'channelId', message: `expected a positive integer (a Chat2Desk channel id), got ${2 ** 31}` },
    ]);
  });

  it('validates cron expressions with node-cron and time zones against the IANA database', () => {
    expect(issues({ ...blackFriday, schedule: { cron: '61 * * * *', timezone: 'Europe/Moscow' } })).toEqual([
      {
        path: 'schedule.cron',
        message: '"61 * * * *" is not a valid cron expression: invalid minute field "61"',
      },
    ]);
    expect(issues({ ...blackFriday, schedule: { cron: '0 10 * * MON', timezone: 'Moscow' } })).toEqual([
      { path: 'schedule.timezone', message: '"Moscow" is not an IANA time zone such as "Europe/Moscow"' },
    ]);
    expect(paths({ ...blackFriday, schedule: { cron: '0 10 * * MON', timezone: '+03:00' } })).toEqual([
      'schedule.timezone',
    ]);
    expect(paths({ ...blackFriday, schedule: { cron: '0 10 * * MON' } })).toEqual(['schedule.timezone']);
    expect(
      paths({ ...blackFriday, timezone: 'Asia/Almaty', schedule: { cron: '0 10 * * *', timezone: 'UTC' } }),
    ).toEqual(['schedule.timezone']);
  });

  it('refuses a schedule that can fire more often than once a minute, at schedule.cron, saying why', () => {
    const schedule = (cron: string) => ({ ...blackFriday, schedule: { cron, timezone: 'Europe/Moscow' } });
    expect(issues(schedule('* * * * * *'))).toEqual([
      {
        path: 'schedule.cron',
        message:
          '"* * * * * *" fires 60 times a minute (seconds field "*"); a campaign fires at most once a minute: ' +
          'use five fields, or six with one fixed second such as "0 */5 * * * *"',
      },
    ]);
    expect(issues(schedule('0,30 0 10 * * *'))[0]?.message).toContain(
      'fires 2 times a minute (seconds field "0,30")',
    );
    expect(paths(schedule('*/10 * * * * *'))).toEqual(['schedule.cron']);
  });

  it('takes six fields when the seconds are one fixed value, and five fields firing every minute', () => {
    for (const cron of ['0 */5 * * * *', '30 0 10 * * MON', '*/60 * * * * *', '* * * * *', '@hourly']) {
      const definition = validateCampaignDefinition(
        { ...blackFriday, schedule: { cron, timezone: 'Europe/Moscow' } },
        { now },
      );
      expect(definition.schedule, cron).toEqual({ cron, timezone: 'Europe/Moscow' });
    }
  });

  it('refuses a schedule with both a time and a cron expression', () => {
    expect(
      issues({ ...blackFriday, schedule: { at: '2026-11-27T10:00:00+03:00', cron: '0 10 * * *' } }),
    ).toEqual([{ path: 'schedule', message: 'give either "at" (once) or "cron" (repeating), not both' }]);
  });

  it('checks an inline template compiles, pointing into it', () => {
    expect(issues({ ...blackFriday, template: 'Hi {{firstName}' })[0]?.message).toMatch(
      /^line 1, column \d+ of the template: syntax error/,
    );
    expect(issues({ ...blackFriday, template: 'Hi {{shout firstName}}' })).toEqual([
      { path: 'template', message: 'line 1, column 4 of the template: unknown helper "shout"' },
    ]);
  });

  it('refuses template file names that could leave templates/', () => {
    for (const file of ['../etc/passwd', 'a/b.hbs', 'reminder.txt', '..hbs']) {
      expect(paths({ ...reminder, template: { file } }), file).toEqual(['template.file']);
    }
  });

  it('checks the send window: HH:MM, not empty, weekdays 1 to 7', () => {
    expect(
      validateCampaignDefinition(
        { ...blackFriday, sendWindow: { from: '21:00', to: '09:00', days: [5, 1] } },
        { now },
      ).sendWindow,
    ).toEqual({
      from: '21:00',
      to: '09:00',
      days: [1, 5],
    });
    expect(paths({ ...blackFriday, sendWindow: { from: '09:00', to: '09:00' } })).toEqual(['sendWindow']);
    expect(paths({ ...blackFriday, sendWindow: { from: '09:00', to: '18:00', days: [1, 1] } })).toEqual([
      'sendWindow.days',
    ]);
  });

  it('treats null like an absent optional field', () => {
    const definition = validateCampaignDefinition(
      { ...blackFriday, sendWindow: null, rateLimit: null, channelId: null },
      { now },
    );
    expect(definition).toMatchObject({
      sendWindow: null,
      rateLimitPerSecond: null,
      channelId: null,
      purpose: 'marketing',
    });
  });

  it('reads back unchanged from campaignDocument', () => {
    for (const value of [
      blackFriday,
      reminder,
      { ...blackFriday, schedule: { cron: '*/15 9-17 * * 1-5', timezone: 'America/New_York' } },
    ]) {
      const definition = validateCampaignDefinition(value, { now });
      const again = validateCampaignDefinition(campaignDocument(definition), { now });
      expect({ ...again, raw: undefined }).toEqual({ ...definition, raw: undefined });
    }
  });
});

describe('purpose and consent', () => {
  const { requireOptIn: _, ...broadcast } = blackFriday;
  const visits = reminder;

  it('makes a broadcast marketing and a reminder transactional unless the campaign says otherwise', () => {
    expect(validateCampaignDefinition(broadcast, { now }).purpose).toBe('marketing');
    expect(validateCampaignDefinition(visits, { now }).purpose).toBe('transactional');
    expect(validateCampaignDefinition({ ...visits, purpose: 'marketing' }, { now }).purpose).toBe(
      'marketing',
    );
    expect(validateCampaignDefinition({ ...broadcast, purpose: 'transactional' }, { now }).purpose).toBe(
      'transactional',
    );
  });

  it('reads the older requireOptIn as the purpose it means, and refuses the two when they disagree', () => {
    expect(validateCampaignDefinition({ ...visits, requireOptIn: true }, { now }).purpose).toBe('marketing');
    expect(validateCampaignDefinition({ ...broadcast, requireOptIn: false }, { now }).purpose).toBe(
      'transactional',
    );
    expect(
      validateCampaignDefinition({ ...broadcast, purpose: 'marketing', requireOptIn: true }, { now }).purpose,
    ).toBe('marketing');
    expect(issues({ ...broadcast, purpose: 'transactional', requireOptIn: true })).toEqual([
      {
        path: 'requireOptIn',
        message:
          'true contradicts purpose "transactional" (marketing requires opt-in, transactional does not): leave requireOptIn out',
      },
    ]);
    expect(issues({ ...broadcast, purpose: 'promo' })).toEqual([
      { path: 'purpose', message: 'expected one of marketing, transactional, got "promo"' },
    ]);
  });
});

describe('campaign variables', () => {
  it('gives the template values of its own, so the README example renders', () => {
    const definition = validateCampaignDefinition(
      { ...blackFriday, variables: { endsAt: '2026-11-30', discount: 15, vip: true } },
      { now },
    );
    expect(definition.variables).toEqual({ endsAt: '2026-11-30', discount: 15, vip: true });
  });

  it('refuses names a template cannot write, names the engine gives, and values that are not text, numbers or true/false', () => {
    expect(
      issues({
        ...blackFriday,
        variables: {
          'ends at': 'x',
          phone: '1',
          nested: { a: 1 },
          list: [1],
          nothing: null,
          huge: 'z'.repeat(1001),
          infinite: Number.POSITIVE_INFINITY,
        },
      }),
    ).toEqual([
      {
        path: 'variables.ends at',
        message: 'a variable name is letters, digits and _, not starting with a digit',
      },
      {
        path: 'variables.phone',
        message: '"phone" is given to every message by the engine; choose another name',
      },
      { path: 'variables.nested', message: 'expected a text, a number or true/false, got an object' },
      { path: 'variables.list', message: 'expected a text, a number or true/false, got an array' },
      { path: 'variables.nothing', message: 'expected a text, a number or true/false, got null' },
      { path: 'variables.huge', message: 'has 1001 characters; at most 1000' },
      { path: 'variables.infinite', message: 'expected a text, a number or true/false, got Infinity' },
    ]);
    expect(issues({ ...blackFriday, variables: 'endsAt=1' })).toEqual([
      {
        path: 'variables',
        message: 'expected an object of names and values, e.g. {"endsAt": "2026-11-30"}, got "endsAt=1"',
      },
    ]);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, i]));
    expect(issues({ ...blackFriday, variables: many })).toEqual([
      { path: 'variables', message: 'has 101 names; at most 100' },
    ]);
  });
});

describe('parseCampaignText', () => {
  it('reads YAML', () => {
    const yaml = [
      'name: Black Friday',
      'kind: broadcast',
      'transport: whatsapp',
      'template: "Hi {{firstName}}"',
      'audience: { list: vip }',
      'schedule:',
      '  cron: "0 10 * * MON"',
      '  timezone: Europe/Moscow',
      'requireOptIn: no', // YAML 1.2: a string, not false
    ].join('\n');
    expect(issuesOf(() => parseCampaignText(yaml, 'yaml', { now }))).toEqual([
      { path: 'requireOptIn', message: 'expected true or false, got "no"', line: 9, column: 15 },
    ]);
    expect(parseCampaignText(yaml.replace('no', 'false'), 'yaml', { now })).toMatchObject({
      name: 'Black Friday',
      schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' },
      purpose: 'transactional',
    });
  });

  it('puts the line of each problem in a YAML file into the issue and the message', () => {
    const yaml = [
      'name: Reminder',
      'kind: reminder',
      'transport: sms',
      'template: "Hi"',
      'offsets:',
      '  - -24h',
      '  - 2h',
    ].join('\n');
    const error = (() => {
      try {
        parseCampaignText(yaml, 'yaml', { now });
      } catch (e) {
        return e as CampaignDefinitionError;
      }
    })();
    expect(error?.issues).toEqual([
      {
        path: 'offsets[1]',
        message: '"2h" needs a sign: "-2h" before the appointment, "+2h" after',
        line: 7,
        column: 5,
      },
    ]);
    expect(error?.message).toBe(
      'invalid campaign: offsets[1]: "2h" needs a sign: "-2h" before the appointment, "+2h" after (line 7, column 5)',
    );
  });

  it('reads JSON and locates its problems too', () => {
    const json = JSON.stringify({ ...blackFriday, schedule: { at: '2020-01-01T00:00:00Z' } }, null, 2);
    expect(issuesOf(() => parseCampaignText(json, 'json', { now }))).toEqual([
      { path: 'schedule.at', message: '"2020-01-01T00:00:00Z" is in the past', line: 11, column: 11 },
    ]);
  });

  it('reports a JSON syntax error with its line and column', () => {
    expect(issuesOf(() => parseCampaignText('{\n  "name": "x",\n  }', 'json', { now }))).toEqual([
      { path: '', message: 'invalid JSON: Expected double-quoted property name', line: 3, column: 3 },
    ]);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const found = issuesOf(() =>
      parseCampaignText('name: x\nschedule:\n  at: 1\n  at: 2\n', 'yaml', { now }),
    );
    expect(found).toEqual([
      { path: '', message: 'invalid YAML: Map keys must be unique', line: 4, column: 3 },
    ]);
  });

  it(`refuses text over ${MAX_CAMPAIGN_CHARS} characters before parsing it`, () => {
    const text = `name: ${'x'.repeat(MAX_CAMPAIGN_CHARS)}\n`;
    expect(issuesOf(() => parseCampaignText(text, 'yaml', { now }))).toEqual([
      { path: '', message: `the campaign has ${text.length} characters; at most ${MAX_CAMPAIGN_CHARS}` },
    ]);
  });

  it(`counts keys and list items in JSON, block YAML and flow YAML before parsing them`, () => {
    const tooMany = {
      path: '',
      message: `has more than ${MAX_CAMPAIGN_ENTRIES} keys and list items; a campaign needs a few dozen`,
    };
    const n = MAX_CAMPAIGN_ENTRIES + 1;
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    const texts: Array<[string, 'json' | 'yaml']> = [
      [JSON.stringify(Object.fromEntries(keys.map((key) => [key, 1]))), 'json'],
      [keys.map((key) => `${key}: 1`).join('\n'), 'yaml'],
      [`{${keys.map((key) => `${key}: 1`).join(', ')}}`, 'yaml'],
      [`offsets:\n${keys.map(() => '  - -1h').join('\n')}`, 'yaml'],
      [`offsets: [${keys.map(() => '-1h').join(', ')}]`, 'yaml'],
    ];
    for (const [text, format] of texts) {
      expect(
        issuesOf(() => parseCampaignText(text, format, { now })),
        text.slice(0, 30),
      ).toEqual([tooMany]);
    }
  });

  it('counts the keys aliases bring in, once they are expanded', () => {
    const list = Array.from({ length: 100 }, (_, i) => i).join(', ');
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: *list`).join('\n');
    const error = refusalOf(() => parseCampaignText(`extra: &list [${list}]\n${aliases}\n`, 'yaml', { now }));
    expect(error.issues).toEqual([
      {
        path: '',
        message: `has more than ${MAX_CAMPAIGN_ENTRIES} keys and list items; a campaign needs a few dozen`,
      },
    ]);
  });

  it('finds a key repeated among a thousand, in any mapping, at the line of the repeat', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `  v${i}: ${i}`);
    const yaml = ['name: x', 'variables:', ...keys, '  v500: again'].join('\n');
    expect(issuesOf(() => parseCampaignText(yaml, 'yaml', { now }))).toEqual([
      { path: '', message: 'invalid YAML: Map keys must be unique', line: 1003, column: 3 },
    ]);
  });

  it('compares keys as YAML does: 1 and "1" are two keys, a repeated null key one', () => {
    const paths = issuesOf(() => parseCampaignText('name: x\n1: a\n"1": b\n', 'yaml', { now })).map(
      (issue) => issue.path,
    );
    expect(paths).toContain('1');
    expect(issuesOf(() => parseCampaignText('name: x\n~: a\nnull: b\n', 'yaml', { now }))).toEqual([
      { path: '', message: 'invalid YAML: Map keys must be unique', line: 3, column: 1 },
    ]);
  });

  it('keeps the parsed object as the user wrote it', () => {
    const json = JSON.stringify(blackFriday);
    expect(parseCampaignText(json, 'json', { now }).raw).toEqual(blackFriday);
  });
});

describe('audience.where', () => {
  it('keeps a segment filter with a list, with all, or alone (a segment of every contact)', () => {
    const where = 'city = "Moscow" and consent = opted_in';
    expect(
      validateCampaignDefinition({ ...blackFriday, audience: { list: 'vip', where } }, { now }).audience,
    ).toEqual({
      list: 'vip',
      where,
    });
    expect(validateCampaignDefinition({ ...blackFriday, audience: { where } }, { now }).audience).toEqual({
      all: true,
      where,
    });
  });

  it('names a mistake in the filter with its column, at audience.where', () => {
    expect(issues({ ...blackFriday, audience: { list: 'vip', where: 'city = "Moscow' } })).toEqual([
      { path: 'audience.where', message: 'a "quoted" text is not closed (column 8)' },
    ]);
  });

  it('is for broadcasts: a reminder follows its appointments', () => {
    expect(issues({ ...reminder, audience: { list: 'vip', where: 'city = "Moscow"' } })).toEqual([
      expect.objectContaining({
        path: 'audience.where',
        message: expect.stringMatching(/narrows a broadcast/),
      }),
    ]);
  });
});
