import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../src/clock.js';

describe('ManualClock', () => {
  it('starts at midnight UTC on 1 January 2026 when given no start', () => {
    expect(new ManualClock().now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('starts at the instant given as a Date, an ISO string or epoch milliseconds', () => {
    const instant = '2026-03-29T00:59:59.500Z';
    for (const start of [new Date(instant), instant, Date.parse(instant)]) {
      expect(new ManualClock(start).now().toISOString()).toBe(instant);
    }
  });

  it('stands still until told to move', () => {
    const clock = new ManualClock('2026-05-01T10:00:00Z');
    const first = clock.now();
    const second = clock.now();

    expect(second.getTime()).toBe(first.getTime());
  });

  it('advances by the milliseconds given, backwards for a negative amount', () => {
    const clock = new ManualClock('2026-05-01T10:00:00Z');

    clock.advance(90_000);
    expect(clock.now().toISOString()).toBe('2026-05-01T10:01:30.000Z');
    clock.advance(-3_600_000);
    expect(clock.now().toISOString()).toBe('2026-05-01T09:01:30.000Z');
  });

  it('jumps to the instant set, earlier or later', () => {
    const clock = new ManualClock('2026-05-01T10:00:00Z');

    clock.set('2025-12-31T23:59:59Z');
    expect(clock.now().toISOString()).toBe('2025-12-31T23:59:59.000Z');
    clock.set(new Date('2027-01-01T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('hands out a fresh Date each time, so a caller changing one does not move the clock', () => {
    const clock = new ManualClock('2026-05-01T10:00:00Z');

    clock.now().setUTCFullYear(2030);

    expect(clock.now().toISOString()).toBe('2026-05-01T10:00:00.000Z');
  });
});

describe('systemClock', () => {
  it('reads the machine’s time', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    const after = Date.now();

    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
  });
});
