import { BroadcasterError } from '../errors.js';
import type { QuotaGuard } from './quotaGuard.js';
import type { SharedRateLimiter } from './rateLimiter.js';

/** The monthly quota would be crossed by one more request: campaigns pause instead of failing. */
export class QuotaGuardError extends BroadcasterError {
  constructor() {
    super('quota_guard', 'the monthly Chat2Desk request quota is (nearly) spent; sending is paused');
  }
}

/**
 * Every request to Chat2Desk passes here first: it waits for a slot of the account's shared rate
 * limit and takes one request of the monthly quota, so no caller can forget either.
 */
export class Chat2DeskGate {
  #requests = 0;

  constructor(
    private readonly limiter: Pick<SharedRateLimiter, 'acquire'>,
    private readonly quota: Pick<QuotaGuard, 'tryReserve'>,
  ) {}

  get requests(): number {
    return this.#requests;
  }

  /** Waits until one request may go out now; throws QuotaGuardError when the quota says no. */
  async admit(extraLimiter?: Pick<SharedRateLimiter, 'acquire'>): Promise<void> {
    if (!(await this.quota.tryReserve())) throw new QuotaGuardError();
    if (extraLimiter) await extraLimiter.acquire();
    await this.limiter.acquire();
    this.#requests++;
  }

  /**
   * For the few requests that must go out before the quota is known (api_info at start-up, which tells
   * the quota): paced by the rate limit, counted, but not refused by the quota guard.
   */
  async callBeforeQuotaIsKnown<T>(request: () => Promise<T>): Promise<T> {
    await this.limiter.acquire();
    this.#requests++;
    return request();
  }

  async call<T>(request: () => Promise<T>, extraLimiter?: Pick<SharedRateLimiter, 'acquire'>): Promise<T> {
    await this.admit(extraLimiter);
    return request();
  }
}
