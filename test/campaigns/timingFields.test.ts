import { describe, expect, it } from 'vitest';
import { IssueCollector } from '../../src/campaigns/issueCollector.js';
import {
  readOffsets,
  readReminderPolicies,
  readSchedule,
  readSendLateWithin,
  readSendWindow,
} from '../../src/campaigns/timingFields.js';

const now = new Date('2026-11-27T07:00:00Z');

/** What a reader returns, and the problems it reported. */
function read<T>(reader: (check: IssueCollector) => T): { value: T; issues: IssueCollector['issues'] } {
  const check = new IssueCollector();
  const value = reader(check);
  return { value, issues: check.issues };
}

const schedule = (
  value: unknown,
  kind: 'broadcast' | 'reminder' | null = 'broadcast',
  zone: string | null | false = null,
) => read((check) => readSchedule(check, value, kind, zone, { now }));

describe('readSchedule', () => {
  it('reads a one-shot time with its offset', () => {
    expect(schedule({ at: '2026-11-28T10:00:00+03:00' })).toEqual({
      value: { at: new Date('2026-11-28T07:00:00Z') },
      issues: [],
    });
  });

  it('requires a schedule of a broadcast and refuses one on a reminder', () => {
    expect(schedule(undefined).issues).toEqual([
      {
        path: 'schedule',
        message:
          'required for a broadcast: {"at": "<ISO time with offset>"} or {"cron": "0 10 * * MON", "timezone": "Europe/Moscow"}',
      },
    ]);
    expect(schedule({ at: '2026-11-28T10:00:00Z' }, 'reminder')).toEqual({
      value: null,
      issues: [
        {
          path: 'schedule',
          message: "a reminder has no schedule: it is sent at its offsets from each appointment's start",
        },
      ],
    });
    expect(schedule(undefined, null)).toEqual({ value: null, issues: [] });
  });

  it('refuses a time without an offset, suggesting one', () => {
    expect(schedule({ at: '2026-11-28T10:00:00' }).issues).toEqual([
      {
        path: 'schedule.at',
        message:
          '"2026-11-28T10:00:00" has no UTC offset: add one, e.g. "2026-11-28T10:00:00+03:00", or Z for UTC',
      },
    ]);
  });

  it('refuses a time in the past, unless a stored campaign is being re-read', () => {
    expect(schedule({ at: '2026-11-27T07:00:00Z' })).toEqual({
      value: null,
      issues: [{ path: 'schedule.at', message: '"2026-11-27T07:00:00Z" is in the past' }],
    });
    const stored = read((check) =>
      readSchedule(check, { at: '2026-11-20T10:00:00Z' }, 'broadcast', null, {
        now,
        allowPastSchedule: true,
      }),
    );
    expect(stored).toEqual({ value: { at: new Date('2026-11-20T10:00:00Z') }, issues: [] });
  });

  it('refuses text that is no time, and a zone beside "at"', () => {
    expect(schedule({ at: 'tomorrow', timezone: 'UTC' }).issues).toEqual([
      {
        path: 'schedule.timezone',
        message: 'only a cron schedule takes a time zone: "at" carries its own offset',
      },
      { path: 'schedule.at', message: '"tomorrow" is not an ISO time such as "2026-11-27T10:00:00+03:00"' },
    ]);
    expect(schedule({ at: 5 }).issues[0]?.message).toBe(
      'expected an ISO time with an offset, such as "2026-11-27T10:00:00+03:00", got 5',
    );
  });

  it('refuses both "at" and "cron", and neither', () => {
    expect(schedule({ at: '2026-11-28T10:00:00Z', cron: '0 10 * * *' }).issues).toEqual([
      { path: 'schedule', message: 'give either "at" (once) or "cron" (repeating), not both' },
    ]);
    expect(schedule({}).issues).toEqual([
      { path: 'schedule', message: 'expected "at" (once) or "cron" (repeating)' },
    ]);
  });

  it("reads a cron schedule, trimmed, in its own zone or the campaign's", () => {
    expect(schedule({ cron: ' 0 10 * * MON ', timezone: 'Europe/Moscow' })).toEqual({
      value: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' },
      issues: [],
    });
    expect(schedule({ cron: '0 10 * * MON' }, 'broadcast', 'Asia/Omsk').value).toEqual({
      cron: '0 10 * * MON',
      timezone: 'Asia/Omsk',
    });
  });

  it('needs a zone for a cron schedule, and only one', () => {
    expect(schedule({ cron: '0 10 * * MON' }).issues).toEqual([
      {
        path: 'schedule.timezone',
        message:
          'required with a cron schedule: an IANA zone such as "Europe/Moscow" (or the campaign\'s "timezone")',
      },
    ]);
    expect(schedule({ cron: '0 10 * * MON', timezone: 'UTC' }, 'broadcast', 'Asia/Omsk').issues).toEqual([
      {
        path: 'schedule.timezone',
        message: '"UTC" differs from the campaign\'s timezone "Asia/Omsk": give one zone',
      },
    ]);
  });

  it("adds nothing when the campaign's own zone was already reported wrong", () => {
    expect(schedule({ cron: '0 10 * * *' }, 'broadcast', false)).toEqual({ value: null, issues: [] });
  });

  it('refuses a cron expression that is invalid, fires more than once a minute or never', () => {
    expect(schedule({ cron: '61 * * * *', timezone: 'UTC' }).issues).toEqual([
      {
        path: 'schedule.cron',
        message: '"61 * * * *" is not a valid cron expression: invalid minute field "61"',
      },
    ]);
    expect(schedule({ cron: '* * * * * *', timezone: 'UTC' }).issues[0]?.message).toBe(
      '"* * * * * *" fires 60 times a minute (seconds field "*"); a campaign fires at most once a minute: ' +
        'use five fields, or six with one fixed second such as "0 */5 * * * *"',
    );
    expect(schedule({ cron: '0 0 30 2 *', timezone: 'UTC' })).toMatchObject({
      value: null,
      issues: [{ path: 'schedule.cron' }],
    });
  });

  it('reports an empty cron and a wrong zone together', () => {
    expect(schedule({ cron: '', timezone: 'Mars/Olympus' }).issues).toEqual([
      { path: 'schedule.cron', message: 'expected a cron expression such as "0 10 * * MON", got ""' },
      {
        path: 'schedule.timezone',
        message: '"Mars/Olympus" is not an IANA time zone such as "Europe/Moscow"',
      },
    ]);
  });
});

describe('readOffsets', () => {
  it('reads signed offsets in seconds, in the order given', () => {
    expect(read((check) => readOffsets(check, ['-24h', '-2h', '+30m', '0m'], 'reminder'))).toEqual({
      value: [-86_400, -7_200, 1_800, 0],
      issues: [],
    });
  });

  it('reports each bad offset by its index and keeps the good ones', () => {
    const { value, issues } = read((check) =>
      readOffsets(check, ['24h', '-367d', '-2h', '-120m', 'soon', 5], 'reminder'),
    );
    expect(value).toEqual([-7_200]);
    expect(issues).toEqual([
      { path: 'offsets[0]', message: '"24h" needs a sign: "-24h" before the appointment, "+24h" after' },
      { path: 'offsets[1]', message: '"-367d" is too far from the appointment: at most 366 days' },
      { path: 'offsets[3]', message: '"-120m" repeats an earlier offset' },
      { path: 'offsets[4]', message: 'expected an offset such as "-24h", "-15m" or "-1h30m", got "soon"' },
      { path: 'offsets[5]', message: 'expected an offset such as "-24h", "-15m" or "-1h30m", got 5' },
    ]);
  });

  it('requires offsets of a reminder, refuses them on a broadcast, and refuses an empty list', () => {
    expect(read((check) => readOffsets(check, undefined, 'reminder')).issues[0]?.message).toBe(
      'required for a reminder: when to send relative to each appointment, e.g. ["-24h", "-2h"]',
    );
    expect(read((check) => readOffsets(check, ['-1h'], 'broadcast'))).toEqual({
      value: [],
      issues: [{ path: 'offsets', message: 'only a reminder takes offsets (a broadcast has a schedule)' }],
    });
    expect(read((check) => readOffsets(check, [], 'reminder')).issues).toEqual([
      { path: 'offsets', message: 'expected a list of offsets such as ["-24h", "-2h"], got an array' },
    ]);
  });
});

describe('readSendLateWithin', () => {
  it('reads a positive duration of at most 7 days, in milliseconds', () => {
    expect(read((check) => readSendLateWithin(check, '30m', 'reminder'))).toEqual({
      value: 1_800_000,
      issues: [],
    });
    expect(read((check) => readSendLateWithin(check, '7d', 'reminder')).value).toBe(604_800_000);
    expect(read((check) => readSendLateWithin(check, undefined, 'broadcast'))).toEqual({
      value: null,
      issues: [],
    });
  });

  it('refuses it on a broadcast, and a negative, zero, too long or non-text duration', () => {
    expect(read((check) => readSendLateWithin(check, '30m', 'broadcast')).issues).toEqual([
      { path: 'sendLateWithin', message: 'only a reminder takes sendLateWithin' },
    ]);
    for (const [value, message] of [
      ['-30m', 'expected a positive duration such as "30m", got "-30m"'],
      ['0m', 'expected a positive duration such as "30m", got "0m"'],
      [30, 'expected a positive duration such as "30m", got 30'],
      ['8d', '"8d" is too long: at most 7 days ("7d")'],
    ] as const) {
      expect(
        read((check) => readSendLateWithin(check, value, 'reminder')),
        String(value),
      ).toEqual({
        value: null,
        issues: [{ path: 'sendLateWithin', message }],
      });
    }
  });
});

describe('readReminderPolicies (outsideWindow, bookedLate)', () => {
  const policies = (
    values: { outsideWindow?: unknown; bookedLate?: unknown },
    kind: 'broadcast' | 'reminder' = 'reminder',
  ) =>
    read((check) =>
      readReminderPolicies(
        check,
        { outsideWindow: values.outsideWindow, bookedLate: values.bookedLate },
        kind,
      ),
    );

  it('reads the values it knows on a reminder, and leaves out what is not given (the default applies)', () => {
    expect(policies({ outsideWindow: 'earlier', bookedLate: 'skip' })).toEqual({
      value: { outsideWindow: 'earlier', bookedLate: 'skip' },
      issues: [],
    });
    expect(policies({ outsideWindow: 'wait' })).toEqual({ value: { outsideWindow: 'wait' }, issues: [] });
    expect(policies({}, 'broadcast')).toEqual({ value: {}, issues: [] });
  });

  it('refuses an unknown value naming the field and the values it takes, and either field on a broadcast', () => {
    expect(policies({ outsideWindow: 'before', bookedLate: 'send_now' })).toEqual({
      value: {},
      issues: [
        { path: 'outsideWindow', message: 'expected one of auto, earlier, wait, got "before"' },
        { path: 'bookedLate', message: 'expected one of sendNow, skip, got "send_now"' },
      ],
    });
    expect(policies({ bookedLate: 'skip' }, 'broadcast').issues).toEqual([
      { path: 'bookedLate', message: 'only a reminder takes bookedLate (one of sendNow, skip)' },
    ]);
  });
});

describe('readSendWindow', () => {
  it('reads a window, one across midnight included, with its weekdays sorted', () => {
    expect(read((check) => readSendWindow(check, { from: '09:00', to: '21:00' }))).toEqual({
      value: { from: '09:00', to: '21:00' },
      issues: [],
    });
    expect(
      read((check) => readSendWindow(check, { from: '22:00', to: '08:00', days: [5, 1, 3] })).value,
    ).toEqual({
      from: '22:00',
      to: '08:00',
      days: [1, 3, 5],
    });
    expect(read((check) => readSendWindow(check, undefined))).toEqual({ value: null, issues: [] });
  });

  it('takes only HH:MM times of a day', () => {
    expect(read((check) => readSendWindow(check, { from: '9:00', to: '24:00' }))).toEqual({
      value: null,
      issues: [
        { path: 'sendWindow.from', message: 'expected a time HH:MM such as "09:00", got "9:00"' },
        { path: 'sendWindow.to', message: 'expected a time HH:MM such as "09:00", got "24:00"' },
      ],
    });
  });

  it('refuses an empty window', () => {
    expect(read((check) => readSendWindow(check, { from: '09:00', to: '09:00' })).issues).toEqual([
      { path: 'sendWindow', message: 'from and to are both 09:00: the window would be empty' },
    ]);
  });

  it('refuses weekdays that are not distinct days 1 to 7', () => {
    for (const days of [[1, 1], [0, 8], [], [1.5]]) {
      expect(
        read((check) => readSendWindow(check, { from: '09:00', to: '18:00', days })),
        JSON.stringify(days),
      ).toEqual({
        value: null,
        issues: [
          {
            path: 'sendWindow.days',
            message:
              'expected distinct weekdays 1 (Monday) to 7 (Sunday), e.g. [1, 2, 3, 4, 5], got an array',
          },
        ],
      });
    }
  });
});
