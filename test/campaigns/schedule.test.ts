import { createTask } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { type CampaignSchedule, nextRunAfter, previousRunAtOrBefore } from '../../src/campaigns/schedule.js';

const at = (iso: string) => new Date(iso);
const cron = (expression: string, timezone: string): CampaignSchedule => ({ cron: expression, timezone });

/** The next `count` fire times after `from`, each found from the previous one. */
function fires(schedule: CampaignSchedule, from: Date, count: number): string[] {
  const found: string[] = [];
  let after = from;
  for (let i = 0; i < count; i++) {
    const next = nextRunAfter(schedule, after);
    if (!next) break;
    found.push(next.toISOString());
    after = next;
  }
  return found;
}

describe('nextRunAfter with a one-shot time', () => {
  it('returns the time while it is still ahead', () => {
    const schedule = { at: at('2026-11-27T07:00:00Z') };
    expect(nextRunAfter(schedule, at('2026-11-27T06:59:59.999Z'))).toEqual(at('2026-11-27T07:00:00Z'));
  });

  it('returns null once the time is reached or past', () => {
    const schedule = { at: at('2026-11-27T07:00:00Z') };
    expect(nextRunAfter(schedule, at('2026-11-27T07:00:00Z'))).toBeNull();
    expect(nextRunAfter(schedule, at('2026-12-01T00:00:00Z'))).toBeNull();
  });

  it('returns null for no schedule at all', () => {
    expect(nextRunAfter(null, at('2026-11-27T07:00:00Z'))).toBeNull();
  });
});

describe('nextRunAfter with a cron expression', () => {
  it('fires "0 10 * * MON" at 10:00 Moscow time each Monday', () => {
    // 2026-11-24 is a Tuesday; Moscow is UTC+3 all year.
    expect(fires(cron('0 10 * * MON', 'Europe/Moscow'), at('2026-11-24T12:00:00Z'), 3)).toEqual([
      '2026-11-30T07:00:00.000Z',
      '2026-12-07T07:00:00.000Z',
      '2026-12-14T07:00:00.000Z',
    ]);
  });

  it('fires a stored every-second cron (refused today, kept by older versions) once a minute at most', () => {
    const everySecond: CampaignSchedule = { cron: '* * * * * *', timezone: 'UTC' };
    const after = new Date('2026-11-27T10:00:05.500Z');
    expect(nextRunAfter(everySecond, after)?.toISOString()).toBe('2026-11-27T10:01:00.000Z');
    expect(nextRunAfter(everySecond, new Date('2026-11-27T10:01:00.000Z'))?.toISOString()).toBe(
      '2026-11-27T10:02:00.000Z',
    );
    const fixedSecond: CampaignSchedule = { cron: '30 * * * * *', timezone: 'UTC' };
    expect(nextRunAfter(fixedSecond, after)?.toISOString()).toBe('2026-11-27T10:00:30.000Z');
  });

  it('is strictly after: a fire time itself yields the next one', () => {
    expect(nextRunAfter(cron('0 10 * * MON', 'Europe/Moscow'), at('2026-11-30T07:00:00Z'))).toEqual(
      at('2026-12-07T07:00:00Z'),
    );
  });

  it('fires "*/15 9-17 * * 1-5" every quarter hour of working hours on weekdays', () => {
    const schedule = cron('*/15 9-17 * * 1-5', 'America/New_York');
    // Monday 2026-11-30 09:07 EST → 09:15.
    expect(nextRunAfter(schedule, at('2026-11-30T14:07:00Z'))).toEqual(at('2026-11-30T14:15:00Z'));
    // Friday 2026-11-27 17:45 EST is the last of the week; then Monday 09:00 EST.
    expect(fires(schedule, at('2026-11-27T22:30:00Z'), 2)).toEqual([
      '2026-11-27T22:45:00.000Z',
      '2026-11-30T14:00:00.000Z',
    ]);
  });

  it('skips "30 2 * * *" on the spring-forward day, when 02:30 does not exist in New York', () => {
    // 2026-03-07 02:30 EST, then 2026-03-08 has no 02:30, then 2026-03-09 02:30 EDT.
    expect(fires(cron('30 2 * * *', 'America/New_York'), at('2026-03-07T07:00:00Z'), 3)).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('goes from 01:00 straight to 03:00 for an hourly expression on the spring-forward day', () => {
    expect(fires(cron('0 * * * *', 'America/New_York'), at('2026-03-08T05:30:00Z'), 3)).toEqual([
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-08T08:00:00.000Z', // 04:00 EDT
    ]);
  });

  it('fires a time the clock shows twice on fall-back day once, at its first occurrence', () => {
    // 2026-11-01 in New York: 01:30 EDT (05:30Z) and again 01:30 EST (06:30Z).
    expect(fires(cron('30 1 * * *', 'America/New_York'), at('2026-10-31T12:00:00Z'), 2)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('does not repeat the hour that fall-back replays for an hourly expression', () => {
    expect(fires(cron('0 * * * *', 'America/New_York'), at('2026-11-01T03:30:00Z'), 4)).toEqual([
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT; 01:00 EST (06:00Z) is the same wall-clock time
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T08:00:00.000Z',
    ]);
  });

  it('resumes after the replayed hour when asked from inside it', () => {
    // 06:20Z is 01:20 EST, inside the repeated hour: 01:30 already fired at 05:30Z.
    expect(nextRunAfter(cron('*/30 * * * *', 'America/New_York'), at('2026-11-01T06:20:00Z'))).toEqual(
      at('2026-11-01T07:00:00Z'),
    );
  });

  it('takes the first occurrence in a zone east of UTC too (Berlin, 2026-10-25)', () => {
    // 02:30 CEST is 00:30Z; 02:30 CET (01:30Z) is the repeat.
    expect(fires(cron('30 2 * * *', 'Europe/Berlin'), at('2026-10-24T12:00:00Z'), 2)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('honours the fixed second of an expression with six fields', () => {
    expect(fires(cron('30 */5 * * * *', 'UTC'), at('2026-01-01T10:00:10Z'), 2)).toEqual([
      '2026-01-01T10:00:30.000Z',
      '2026-01-01T10:05:30.000Z',
    ]);
  });

  it('reads month and weekday names, lists and the last day of the month', () => {
    expect(nextRunAfter(cron('0 9 * JAN,jul SUN', 'UTC'), at('2026-02-01T12:00:00Z'))).toEqual(
      at('2026-07-05T09:00:00Z'),
    );
    expect(nextRunAfter(cron('0 12 L * *', 'UTC'), at('2026-02-10T00:00:00Z'))).toEqual(
      at('2026-02-28T12:00:00Z'),
    );
    expect(nextRunAfter(cron('0 9 * * 1#2', 'UTC'), at('2026-12-01T00:00:00Z'))).toEqual(
      at('2026-12-14T09:00:00Z'),
    );
  });

  it('finds a date years away by stepping through the calendar', () => {
    // 29 February falling on a Monday: day of month and day of week must both match.
    expect(nextRunAfter(cron('0 0 29 2 1', 'UTC'), at('2026-03-01T00:00:00Z'))).toEqual(
      at('2044-02-29T00:00:00Z'),
    );
  });
});

describe('previousRunAtOrBefore', () => {
  it('returns a one-shot time once it is reached, and null before', () => {
    const schedule = { at: at('2026-11-27T07:00:00Z') };
    expect(previousRunAtOrBefore(schedule, at('2026-11-27T07:00:00Z'))).toEqual(at('2026-11-27T07:00:00Z'));
    expect(previousRunAtOrBefore(schedule, at('2026-11-27T06:59:59Z'))).toBeNull();
    expect(previousRunAtOrBefore(null, at('2026-11-27T06:59:59Z'))).toBeNull();
  });

  it('returns the latest tick at or before the instant', () => {
    const schedule = cron('0 10 * * MON', 'Europe/Moscow');
    expect(previousRunAtOrBefore(schedule, at('2026-12-02T12:00:00Z'))).toEqual(at('2026-11-30T07:00:00Z'));
    expect(previousRunAtOrBefore(schedule, at('2026-11-30T07:00:00Z'))).toEqual(at('2026-11-30T07:00:00Z'));
    expect(previousRunAtOrBefore(schedule, at('2026-11-30T06:59:59Z'))).toEqual(at('2026-11-23T07:00:00Z'));
  });

  it('skips the missing 02:30 of the spring-forward day', () => {
    expect(previousRunAtOrBefore(cron('30 2 * * *', 'America/New_York'), at('2026-03-08T12:00:00Z'))).toEqual(
      at('2026-03-07T07:30:00Z'),
    );
  });

  it('finds the first occurrence from inside the replayed fall-back hour', () => {
    // 06:30Z is 01:30 EST; the 01:00 and 01:30 ticks fired during the EDT pass.
    expect(
      previousRunAtOrBefore(cron('*/30 * * * *', 'America/New_York'), at('2026-11-01T06:45:00Z')),
    ).toEqual(at('2026-11-01T05:30:00Z'));
  });
});

/**
 * Independent oracle: minute by minute, an instant fires when node-cron's own matcher accepts it in
 * the zone and no earlier instant within two hours showed the same wall clock (the first occurrence).
 */
function bruteForceFires(expression: string, timeZone: string, from: Date, to: Date): string[] {
  const task = createTask(expression, () => {}, { timezone: timeZone });
  const wall = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const found: string[] = [];
  try {
    for (let t = from.getTime() + 60_000; t <= to.getTime(); t += 60_000) {
      if (!task.match(new Date(t))) continue;
      const shown = wall.format(t);
      let repeat = false;
      for (let back = 15 * 60_000; back <= 2 * 3_600_000; back += 15 * 60_000) {
        if (wall.format(t - back) === shown) repeat = true;
      }
      if (!repeat) found.push(new Date(t).toISOString());
    }
  } finally {
    task.destroy();
  }
  return found;
}

describe('agreement with a brute-force scan across DST changes', () => {
  const cases = [
    {
      expression: '*/15 * * * *',
      zone: 'America/New_York',
      from: '2026-03-07T12:00:00Z',
      to: '2026-03-09T12:00:00Z',
    },
    {
      expression: '*/15 * * * *',
      zone: 'America/New_York',
      from: '2026-10-31T12:00:00Z',
      to: '2026-11-02T12:00:00Z',
    },
    {
      expression: '30 1,2,3 * * *',
      zone: 'America/New_York',
      from: '2026-10-31T00:00:00Z',
      to: '2026-11-03T00:00:00Z',
    },
    {
      expression: '0,30 2 * * *',
      zone: 'Europe/Berlin',
      from: '2026-03-28T00:00:00Z',
      to: '2026-03-31T00:00:00Z',
    },
    {
      expression: '45 * * * 0',
      zone: 'Europe/Berlin',
      from: '2026-10-24T00:00:00Z',
      to: '2026-10-26T00:00:00Z',
    },
    {
      expression: '*/20 9-17 * * 1-5',
      zone: 'Europe/Moscow',
      from: '2026-11-26T00:00:00Z',
      to: '2026-11-30T18:00:00Z',
    },
    {
      expression: '*/15 1 * * *',
      zone: 'Australia/Lord_Howe',
      from: '2026-04-03T00:00:00Z',
      to: '2026-04-07T00:00:00Z',
    },
  ];

  for (const { expression, zone, from, to } of cases) {
    it(`matches for "${expression}" in ${zone} from ${from}`, () => {
      const expected = bruteForceFires(expression, zone, at(from), at(to));
      const schedule = cron(expression, zone);
      const found = fires(schedule, at(from), expected.length + 1).filter(
        (iso) => iso <= at(to).toISOString(),
      );
      expect(found).toEqual(expected);
      // Going back from each fire reaches the previous one.
      for (let i = 1; i < expected.length; i++) {
        const justBefore = new Date(at(expected[i] as string).getTime() - 1);
        expect(previousRunAtOrBefore(schedule, justBefore)?.toISOString()).toBe(expected[i - 1]);
      }
    });
  }
});
