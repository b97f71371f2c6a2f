import type { Sql } from '../db/database.js';
import { SharedRateLimiter } from './rateLimiter.js';
import { campaignLimiterName } from './sql/claimDueDeliveries.js';

/**
 * The campaigns' own paces (rateLimit.perSecond), one shared limiter per campaign and rate, made when
 * a delivery of it first needs one. Keyed by the rate too: a stored rate is fixed once a campaign
 * runs, but a new instance may read another.
 */
export class CampaignLimiters {
  readonly #limiters = new Map<string, SharedRateLimiter>();

  constructor(
    private readonly o: {
      sql: Sql;
      rateMarginMs: number;
      longestRequestMs: number;
      realTime: () => number;
    },
  ) {}

  /** The campaign's limiter, or undefined when it keeps no pace of its own. */
  of(d: { campaignId: number; rateLimitPerSecond: number | null }): SharedRateLimiter | undefined {
    if (!d.rateLimitPerSecond) return undefined;
    const key = `${d.campaignId}:${d.rateLimitPerSecond}`;
    let limiter = this.#limiters.get(key);
    if (!limiter) {
      limiter = new SharedRateLimiter({
        sql: this.o.sql,
        name: campaignLimiterName(d.campaignId),
        perSecond: d.rateLimitPerSecond,
        safetyMarginMs: this.o.rateMarginMs,
        longestRequestMs: this.o.longestRequestMs,
        now: this.o.realTime,
      });
      this.#limiters.set(key, limiter);
    }
    return limiter;
  }
}
