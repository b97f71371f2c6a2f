import { Histogram, type Registry } from 'prom-client';
import type { SharedRateLimiter } from '../delivery/rateLimiter.js';
import { countedOnScrape, metricOnce } from './registry.js';

export type RateLimiterWaitObserver = (waitedMs: number) => void;

/** Records how long each request waited for its slot of the shared Chat2Desk rate limit. */
export function rateLimiterWaitObserver(registry: Registry): RateLimiterWaitObserver {
  const waits = metricOnce(
    registry,
    'broadcaster_rate_limiter_wait_seconds',
    () =>
      new Histogram({
        name: 'broadcaster_rate_limiter_wait_seconds',
        help: 'Time a Chat2Desk request waited for a slot of the shared rate limit',
        buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
  );
  return (waitedMs) => waits.observe(Math.max(0, waitedMs) / 1000);
}

/**
 * The limiter as Chat2DeskGate sees it, timing each `acquire`. Real time, as the limiter's own:
 * the wait measured is the one the account's request budget imposes.
 */
export function timedRateLimiter(
  limiter: Pick<SharedRateLimiter, 'acquire'>,
  observe: RateLimiterWaitObserver,
): Pick<SharedRateLimiter, 'acquire'> {
  return {
    async acquire() {
      const startedAt = performance.now();
      const permit = await limiter.acquire();
      observe(performance.now() - startedAt);
      return permit;
    },
  };
}

/**
 * The limiter's own counts, read when Prometheus scrapes: slots given up because every seat was
 * still busy (requests answered slower than the pacing margin), and seats that could not be given
 * back because the database did not answer (they free themselves after the longest request time).
 */
export function registerRateLimiterCounts(
  registry: Registry,
  limiter: Pick<SharedRateLimiter, 'seatlessCount' | 'unreleasedCount'>,
): void {
  const counter = (name: string, help: string, read: () => number) =>
    countedOnScrape(registry, { name, help }, read);
  counter(
    'broadcaster_rate_limiter_seatless_slots_total',
    'Rate-limit slots given up because every seat was still held by a recent request',
    () => limiter.seatlessCount,
  );
  counter(
    'broadcaster_rate_limiter_unreleased_seats_total',
    'Rate-limit seats that could not be given back (database unavailable); each frees itself later',
    () => limiter.unreleasedCount,
  );
}
