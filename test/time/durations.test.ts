import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/time/durations.js';

describe('parseDuration', () => {
  it('reads days, hours, minutes and seconds, largest first', () => {
    expect(parseDuration('-24h')).toEqual({ seconds: -86_400, signed: true });
    expect(parseDuration('-15m')).toEqual({ seconds: -900, signed: true });
    expect(parseDuration('-1h30m')).toEqual({ seconds: -5_400, signed: true });
    expect(parseDuration('+2d')).toEqual({ seconds: 172_800, signed: true });
    expect(parseDuration('30m')).toEqual({ seconds: 1_800, signed: false });
    expect(parseDuration('1d2h3m4s')).toEqual({ seconds: 93_784, signed: false });
  });

  it('refuses anything else', () => {
    for (const text of ['', '-', '24', 'h', '30m1h', '1.5h', '1 h', '-24H', 'soon']) {
      expect(parseDuration(text), text).toBeNull();
    }
  });
});

describe('formatDuration', () => {
  it('writes hours at most, as reminders are usually written', () => {
    expect(formatDuration(-86_400)).toBe('-24h');
    expect(formatDuration(-5_400)).toBe('-1h30m');
    expect(formatDuration(3_600, { signed: true })).toBe('+1h');
    expect(formatDuration(1_800)).toBe('30m');
    expect(formatDuration(0, { signed: true })).toBe('0m');
    expect(formatDuration(61)).toBe('1m1s');
  });

  it('reads back as the same number of seconds', () => {
    for (const seconds of [-172_800, -86_400, -5_400, -61, 0, 1, 59, 3_600, 93_784]) {
      expect(parseDuration(formatDuration(seconds, { signed: true }))?.seconds).toBe(seconds);
    }
  });
});
