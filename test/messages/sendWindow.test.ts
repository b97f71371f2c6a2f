import { describe, expect, it } from 'vitest';
import type { SendWindow } from '../../src/campaigns/definition.js';
import { currentOrNextOpening, isInsideSendWindow, nextSendInstant } from '../../src/messages/sendWindow.js';

const NEW_YORK = 'America/New_York';
const MOSCOW = 'Europe/Moscow';
const KATHMANDU = 'Asia/Kathmandu';
const MINUTE = 60_000;
const DAY = 86_400_000;

const next = (window: SendWindow | null, zone: string, at: string) =>
  nextSendInstant(window, zone, new Date(at)).toISOString();

describe('nextSendInstant', () => {
  const daytime: SendWindow = { from: '09:00', to: '21:00' };

  it('lets everything through when there is no window', () => {
    expect(next(null, MOSCOW, '2026-11-27T00:13:00.000Z')).toBe('2026-11-27T00:13:00.000Z');
  });

  it('returns the instant itself inside the window, its opening included', () => {
    expect(next(daytime, MOSCOW, '2026-11-27T10:00:00.000Z')).toBe('2026-11-27T10:00:00.000Z');
    expect(next(daytime, MOSCOW, '2026-11-27T06:00:00.000Z')).toBe('2026-11-27T06:00:00.000Z');
  });

  it('waits for the opening in the zone when too early, and for the next day once closed (its closing excluded)', () => {
    expect(next(daytime, MOSCOW, '2026-11-27T05:59:00.000Z')).toBe('2026-11-27T06:00:00.000Z');
    expect(next(daytime, MOSCOW, '2026-11-27T18:00:00.000Z')).toBe('2026-11-28T06:00:00.000Z');
    expect(next(daytime, MOSCOW, '2026-11-27T22:30:00.000Z')).toBe('2026-11-28T06:00:00.000Z');
  });

  it('reads the window in the given zone: the same instant is open in one zone and closed in another', () => {
    const at = '2026-11-27T04:00:00.000Z'; // 07:00 in Moscow, 23:00 the day before in New York
    expect(next(daytime, MOSCOW, at)).toBe('2026-11-27T06:00:00.000Z');
    expect(next(daytime, NEW_YORK, at)).toBe('2026-11-27T14:00:00.000Z');
    expect(next(daytime, 'UTC', at)).toBe('2026-11-27T09:00:00.000Z');
  });

  it('keeps Moscow at UTC+3 through the European DST changes (Moscow has none)', () => {
    expect(next(daytime, MOSCOW, '2026-03-29T00:00:00.000Z')).toBe('2026-03-29T06:00:00.000Z');
    expect(next(daytime, MOSCOW, '2026-10-25T00:00:00.000Z')).toBe('2026-10-25T06:00:00.000Z');
    expect(next(daytime, MOSCOW, '2026-07-01T18:00:00.000Z')).toBe('2026-07-02T06:00:00.000Z');
  });

  it('handles a zone with a quarter-hour offset (Kathmandu, UTC+05:45)', () => {
    expect(next(daytime, KATHMANDU, '2026-11-27T03:00:00.000Z')).toBe('2026-11-27T03:15:00.000Z');
    expect(next(daytime, KATHMANDU, '2026-11-27T03:15:00.000Z')).toBe('2026-11-27T03:15:00.000Z');
    expect(next(daytime, KATHMANDU, '2026-11-27T15:15:00.000Z')).toBe('2026-11-28T03:15:00.000Z');
  });

  describe('a window crossing midnight (22:00–06:00)', () => {
    const night: SendWindow = { from: '22:00', to: '06:00' };

    it('is open late in the evening and early in the morning, closed in between', () => {
      expect(next(night, 'UTC', '2026-11-27T23:00:00.000Z')).toBe('2026-11-27T23:00:00.000Z');
      expect(next(night, 'UTC', '2026-11-28T03:00:00.000Z')).toBe('2026-11-28T03:00:00.000Z');
      expect(next(night, 'UTC', '2026-11-28T06:00:00.000Z')).toBe('2026-11-28T22:00:00.000Z');
      expect(next(night, 'UTC', '2026-11-28T12:00:00.000Z')).toBe('2026-11-28T22:00:00.000Z');
    });

    it('counts its days by the day it opens: a Friday-night window is still open early on Saturday', () => {
      const fridayNight: SendWindow = { ...night, days: [5] };
      // 2026-11-27 is a Friday.
      expect(next(fridayNight, 'UTC', '2026-11-28T02:00:00.000Z')).toBe('2026-11-28T02:00:00.000Z');
      expect(next(fridayNight, 'UTC', '2026-11-28T23:00:00.000Z')).toBe('2026-12-04T22:00:00.000Z');
      expect(next(fridayNight, 'UTC', '2026-11-27T02:00:00.000Z')).toBe('2026-11-27T22:00:00.000Z');
    });
  });

  it('skips the days of the week the window is not open on', () => {
    const weekdays: SendWindow = { from: '09:00', to: '18:00', days: [1, 2, 3, 4, 5] };
    // Friday 19:00 in Moscow, then Saturday: both wait for Monday 09:00.
    expect(next(weekdays, MOSCOW, '2026-11-27T16:00:00.000Z')).toBe('2026-11-30T06:00:00.000Z');
    expect(next(weekdays, MOSCOW, '2026-11-28T09:00:00.000Z')).toBe('2026-11-30T06:00:00.000Z');
    expect(next(weekdays, MOSCOW, '2026-11-30T07:00:00.000Z')).toBe('2026-11-30T07:00:00.000Z');
  });

  describe('America/New_York, spring forward on 2026-03-08 (02:00 EST → 03:00 EDT at 07:00Z)', () => {
    it('opens a daytime window at the same local time on both sides of the change', () => {
      expect(next(daytime, NEW_YORK, '2026-03-07T12:00:00.000Z')).toBe('2026-03-07T14:00:00.000Z');
      expect(next(daytime, NEW_YORK, '2026-03-08T12:00:00.000Z')).toBe('2026-03-08T13:00:00.000Z');
      const opening = currentOrNextOpening(daytime, NEW_YORK, new Date('2026-03-08T12:00:00.000Z'));
      expect(opening.closesAt.toISOString()).toBe('2026-03-09T01:00:00.000Z');
    });

    it('opens a window whose opening does not exist that day at the first instant after it (03:00 EDT)', () => {
      const early: SendWindow = { from: '02:30', to: '05:00' };
      expect(next(early, NEW_YORK, '2026-03-07T06:00:00.000Z')).toBe('2026-03-07T07:30:00.000Z');
      expect(next(early, NEW_YORK, '2026-03-08T06:00:00.000Z')).toBe('2026-03-08T07:00:00.000Z');
      expect(next(early, NEW_YORK, '2026-03-08T08:59:00.000Z')).toBe('2026-03-08T08:59:00.000Z');
      expect(next(early, NEW_YORK, '2026-03-08T09:00:00.000Z')).toBe('2026-03-09T06:30:00.000Z');
    });

    it('closes a window whose closing does not exist at the jump', () => {
      const opening = currentOrNextOpening(
        { from: '01:00', to: '02:30' },
        NEW_YORK,
        new Date('2026-03-08T05:00:00Z'),
      );
      expect([opening.opensAt.toISOString(), opening.closesAt.toISOString()]).toEqual([
        '2026-03-08T06:00:00.000Z',
        '2026-03-08T07:00:00.000Z',
      ]);
    });

    it('does not open a window lying wholly inside the gap that day', () => {
      const inGap: SendWindow = { from: '02:10', to: '02:50' };
      expect(next(inGap, NEW_YORK, '2026-03-08T05:00:00.000Z')).toBe('2026-03-09T06:10:00.000Z');
    });

    it('opens exactly once a day around the change, never skipping the day itself', () => {
      expect(openingsBetween({ from: '02:30', to: '03:30' }, NEW_YORK, '2026-03-05', '2026-03-12')).toEqual([
        '2026-03-05T07:30:00.000Z',
        '2026-03-06T07:30:00.000Z',
        '2026-03-07T07:30:00.000Z',
        '2026-03-08T07:00:00.000Z',
        '2026-03-09T06:30:00.000Z',
        '2026-03-10T06:30:00.000Z',
        '2026-03-11T06:30:00.000Z',
      ]);
    });
  });

  describe('America/New_York, fall back on 2026-11-01 (02:00 EDT → 01:00 EST at 06:00Z)', () => {
    it('opens a daytime window at the same local time on both sides of the change', () => {
      expect(next(daytime, NEW_YORK, '2026-10-31T12:00:00.000Z')).toBe('2026-10-31T13:00:00.000Z');
      expect(next(daytime, NEW_YORK, '2026-11-01T12:00:00.000Z')).toBe('2026-11-01T14:00:00.000Z');
    });

    it('opens a window in the repeated hour at its first occurrence and does not open it again', () => {
      const repeated: SendWindow = { from: '01:00', to: '01:30' };
      expect(next(repeated, NEW_YORK, '2026-11-01T04:00:00.000Z')).toBe('2026-11-01T05:00:00.000Z');
      expect(next(repeated, NEW_YORK, '2026-11-01T05:10:00.000Z')).toBe('2026-11-01T05:10:00.000Z');
      // 01:10 again on the wall clock (EST): the window already closed at the first 01:30.
      expect(next(repeated, NEW_YORK, '2026-11-01T06:10:00.000Z')).toBe('2026-11-02T06:00:00.000Z');
    });

    it('keeps a window spanning the change open through the repeated hour, once', () => {
      const opening = currentOrNextOpening(
        { from: '00:30', to: '03:00' },
        NEW_YORK,
        new Date('2026-11-01T04:00:00Z'),
      );
      expect([opening.opensAt.toISOString(), opening.closesAt.toISOString()]).toEqual([
        '2026-11-01T04:30:00.000Z',
        '2026-11-01T08:00:00.000Z',
      ]);
    });

    it('opens exactly once a day around the change', () => {
      expect(openingsBetween({ from: '01:00', to: '01:30' }, NEW_YORK, '2026-10-29', '2026-11-04')).toEqual([
        '2026-10-29T05:00:00.000Z',
        '2026-10-30T05:00:00.000Z',
        '2026-10-31T05:00:00.000Z',
        '2026-11-01T05:00:00.000Z',
        '2026-11-02T06:00:00.000Z',
        '2026-11-03T06:00:00.000Z',
      ]);
    });
  });

  it('always answers an instant inside the window, never earlier than asked, with nothing open in between', () => {
    const windows: SendWindow[] = [
      { from: '09:00', to: '21:00' },
      { from: '22:00', to: '06:00' },
      { from: '01:00', to: '01:30' },
      { from: '02:30', to: '03:30', days: [7] },
    ];
    for (const window of windows) {
      for (const [zone, start] of [
        [NEW_YORK, '2026-03-06T00:00:00Z'],
        [NEW_YORK, '2026-10-30T00:00:00Z'],
        [KATHMANDU, '2026-11-27T00:00:00Z'],
      ] as const) {
        for (let t = Date.parse(start); t < Date.parse(start) + 4 * DAY; t += 97 * MINUTE) {
          const answer = nextSendInstant(window, zone, new Date(t)).getTime();
          expect(answer).toBeGreaterThanOrEqual(t);
          expect(isInsideSendWindow(window, zone, new Date(answer))).toBe(true);
          for (let u = t; u < answer; u += 47 * MINUTE) {
            expect(
              isInsideSendWindow(window, zone, new Date(u)),
              `${zone} ${new Date(u).toISOString()}`,
            ).toBe(false);
          }
        }
      }
    }
  });
});

/** The instants, stepping minute by minute from `fromDay` to `untilDay` (UTC), at which the window opens. */
function openingsBetween(window: SendWindow, zone: string, fromDay: string, untilDay: string): string[] {
  const openings: string[] = [];
  let wasInside = false;
  for (let t = Date.parse(`${fromDay}T00:00:00Z`); t < Date.parse(`${untilDay}T00:00:00Z`); t += MINUTE) {
    const inside = isInsideSendWindow(window, zone, new Date(t));
    if (inside && !wasInside) openings.push(new Date(t).toISOString());
    wasInside = inside;
  }
  return openings;
}
