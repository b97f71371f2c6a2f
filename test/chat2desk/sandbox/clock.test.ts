import { describe, expect, it } from 'vitest';
import { isAdjustableClock, ShiftableClock } from '../../../src/chat2desk/sandbox/clock.js';
import { ManualClock, systemClock } from '../../../src/clock.js';

const MINUTE = 60_000;

describe('isAdjustableClock', () => {
  it('recognises a clock that can be both set and advanced', () => {
    expect(isAdjustableClock(new ShiftableClock())).toBe(true);
    expect(isAdjustableClock(new ManualClock())).toBe(true);
  });

  it('refuses the system clock and a clock missing set or advance', () => {
    expect(isAdjustableClock(systemClock)).toBe(false);
    const onlyAdvance = { now: () => new Date(), advance: () => {} };
    expect(isAdjustableClock(onlyAdvance)).toBe(false);
    const setNotAFunction = { now: () => new Date(), advance: () => {}, set: 'no' };
    expect(isAdjustableClock(setNotAFunction)).toBe(false);
  });
});

describe('ShiftableClock', () => {
  it('tells system time until it is moved', () => {
    const before = Date.now();
    const now = new ShiftableClock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('runs ahead of system time by what it was advanced, and advances add up', () => {
    const clock = new ShiftableClock();
    clock.advance(7 * MINUTE);
    clock.advance(MINUTE);
    const before = Date.now();
    const now = clock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before + 8 * MINUTE);
    expect(now).toBeLessThanOrEqual(Date.now() + 8 * MINUTE);
  });

  it('moves back with a negative advance', () => {
    const clock = new ShiftableClock();
    clock.advance(-MINUTE);
    expect(clock.now().getTime()).toBeLessThanOrEqual(Date.now() - MINUTE);
  });

  it('is set to a Date, an ISO string or epoch milliseconds, and keeps running from there', () => {
    const target = Date.UTC(2030, 5, 1, 12, 0, 0);
    for (const to of [new Date(target), '2030-06-01T12:00:00.000Z', target]) {
      const clock = new ShiftableClock();
      const setAt = Date.now();
      clock.set(to);
      const now = clock.now().getTime();
      expect(now).toBeGreaterThanOrEqual(target);
      expect(now).toBeLessThanOrEqual(target + (Date.now() - setAt));
    }
  });

  it('advances from where it was set, and a later set replaces the offset', () => {
    const clock = new ShiftableClock();
    const target = Date.UTC(2020, 0, 1);
    clock.set(target);
    clock.advance(MINUTE);
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(target + MINUTE);
    const setAgainAt = Date.now();
    clock.set(target);
    const now = clock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(target);
    expect(now).toBeLessThanOrEqual(target + (Date.now() - setAgainAt));
  });
});
