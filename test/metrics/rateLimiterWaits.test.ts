import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RatePermit } from '../../src/delivery/rateLimiter.js';
import {
  rateLimiterWaitObserver,
  registerRateLimiterCounts,
  timedRateLimiter,
} from '../../src/metrics/rateLimiterWaits.js';

/** The samples of the exposition whose line starts with `prefix`. */
async function samples(registry: Registry, prefix: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line.startsWith(prefix));
}

const WAIT = 'broadcaster_rate_limiter_wait_seconds';
const permit: RatePermit = { release: async () => {} };

describe('rateLimiterWaitObserver', () => {
  it('records each wait in seconds', async () => {
    const registry = new Registry();
    const observe = rateLimiterWaitObserver(registry);

    observe(40);
    observe(2000);

    const lines = await samples(registry, WAIT);
    expect(lines).toContain(`${WAIT}_bucket{le="0.01"} 0`);
    expect(lines).toContain(`${WAIT}_bucket{le="0.05"} 1`);
    expect(lines).toContain(`${WAIT}_bucket{le="2.5"} 2`);
    expect(lines).toContain(`${WAIT}_sum 2.04`);
    expect(lines).toContain(`${WAIT}_count 2`);
  });

  it('records a negative wait (a clock step) as no wait at all', async () => {
    const registry = new Registry();
    rateLimiterWaitObserver(registry)(-500);

    const lines = await samples(registry, WAIT);
    expect(lines).toContain(`${WAIT}_bucket{le="0.001"} 1`);
    expect(lines).toContain(`${WAIT}_sum 0`);
  });

  it('lets a second observer of one registry record into the same histogram', async () => {
    const registry = new Registry();
    rateLimiterWaitObserver(registry)(1);
    rateLimiterWaitObserver(registry)(1);

    expect(await samples(registry, `${WAIT}_count`)).toEqual([`${WAIT}_count 2`]);
  });
});

describe('timedRateLimiter', () => {
  it('hands back the limiter’s own permit and reports one wait per acquire', async () => {
    const waits: number[] = [];
    const limiter = timedRateLimiter({ acquire: async () => permit }, (ms) => waits.push(ms));

    expect(await limiter.acquire()).toBe(permit);
    expect(await limiter.acquire()).toBe(permit);

    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms >= 0)).toBe(true);
  });

  it('passes a failed acquire on, recording no wait for it', async () => {
    const waits: number[] = [];
    const failure = new Error('database down');
    const limiter = timedRateLimiter(
      {
        acquire: async () => {
          throw failure;
        },
      },
      (ms) => waits.push(ms),
    );

    await expect(limiter.acquire()).rejects.toBe(failure);
    expect(waits).toEqual([]);
  });
});

describe('registerRateLimiterCounts', () => {
  it('exposes the limiter’s seatless slots and unreleased seats as they are when scraped', async () => {
    const registry = new Registry();
    const limiter = { seatlessCount: 0, unreleasedCount: 0 };
    registerRateLimiterCounts(registry, limiter);

    expect(await samples(registry, 'broadcaster_rate_limiter_')).toEqual([
      'broadcaster_rate_limiter_seatless_slots_total 0',
      'broadcaster_rate_limiter_unreleased_seats_total 0',
    ]);

    limiter.seatlessCount = 4;
    limiter.unreleasedCount = 1;

    expect(await samples(registry, 'broadcaster_rate_limiter_')).toEqual([
      'broadcaster_rate_limiter_seatless_slots_total 4',
      'broadcaster_rate_limiter_unreleased_seats_total 1',
    ]);
  });
});
