import { describe, expect, it } from 'vitest';
import { MAX_SEND_ATTEMPTS, retryDelayMs } from '../../src/delivery/backoff.js';

const middle = () => 0.5;

describe('retryDelayMs', () => {
  it('doubles from one second, attempt by attempt', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000,
    ]);
  });

  it('is capped at five minutes', () => {
    expect(retryDelayMs(9, middle)).toBe(256_000);
    expect(retryDelayMs(10, middle)).toBe(300_000);
    expect(retryDelayMs(50, middle)).toBe(300_000);
  });

  it('spreads each delay 25 % either side', () => {
    expect(retryDelayMs(3, () => 0)).toBe(3_000);
    expect(retryDelayMs(3, () => 0.999999)).toBe(5_000);
    expect(retryDelayMs(100, () => 0)).toBe(225_000);
    expect(retryDelayMs(100, () => 0.999999)).toBe(375_000);
  });

  it('takes attempt 0 or below as the first', () => {
    expect(retryDelayMs(0, middle)).toBe(1_000);
    expect(retryDelayMs(-3, middle)).toBe(1_000);
  });

  it('stays within the spread with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const delay = retryDelayMs(2);
      expect(delay).toBeGreaterThanOrEqual(1_500);
      expect(delay).toBeLessThanOrEqual(2_500);
      expect(Number.isInteger(delay)).toBe(true);
    }
  });
});

describe('MAX_SEND_ATTEMPTS', () => {
  it('gives a failing delivery five waits, about half a minute in all, before it fails for good', () => {
    expect(MAX_SEND_ATTEMPTS).toBe(6);
    const total = Array.from({ length: MAX_SEND_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1, middle)).reduce(
      (a, b) => a + b,
      0,
    );
    expect(total).toBe(31_000);
  });
});
