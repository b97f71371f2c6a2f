import { BroadcasterError } from '../errors.js';
import type { QuotaGuard } from './quotaGuard.js';
import type { RatePermit, SharedRateLimiter } from './rateLimiter.js';

/** The monthly quota would be crossed by one more request: campaigns pause instead of failing. */
export class QuotaGuardError extends BroadcasterError {
  constructor() {
    super('quota_guard', 'the monthly Chat2Desk request quota is (nearly) spent; sending is paused');
  }
}

type Limiter = Pick<SharedRateLimiter, 'acquire'>;

/**
 * Every request to Chat2Desk passes here first: it waits for a seat of the account's shared rate
 * limit (and of the campaign's own, if it has one) and takes one request of the monthly quota, so no
 * caller can forget either. The seats are held until the request is over: `call` does both.
 */
export class Chat2DeskGate {
  #requests = 0;

  constructor(
    private readonly limiter: Limiter,
    private readonly quota: Pick<QuotaGuard, 'tryReserve'>,
  ) {}

  get requests(): number {
    return this.#requests;
  }

  /**
   * Waits until one request may go out now; throws QuotaGuardError when the quota says no. Release
   * the permit once the request's answer, or its failure, has come back.
   */
  async admit(extraLimiter?: Limiter): Promise<RatePermit> {
    if (!(await this.quota.tryReserve())) throw new QuotaGuardError();
    return this.#acquire(extraLimiter);
  }

  /**
   * For the few requests that must go out before the quota is known (api_info at start-up, which tells
   * the quota): paced by the rate limit, counted, but not refused by the quota guard.
   */
  async callBeforeQuotaIsKnown<T>(request: () => Promise<T>): Promise<T> {
    return whileHolding(await this.#acquire(), request);
  }

  async call<T>(request: () => Promise<T>, extraLimiter?: Limiter): Promise<T> {
    return whileHolding(await this.admit(extraLimiter), request);
  }

  async #acquire(extraLimiter?: Limiter): Promise<RatePermit> {
    const extra = extraLimiter ? await extraLimiter.acquire() : undefined;
    let account: RatePermit;
    try {
      account = await this.limiter.acquire();
    } catch (error) {
      await extra?.release();
      throw error;
    }
    this.#requests++;
    if (!extra) return account;
    return { release: async () => void (await Promise.all([account.release(), extra.release()])) };
  }
}

/** Runs the request, then gives its seats back, whatever the outcome. */
export async function whileHolding<T>(permit: RatePermit, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } finally {
    await permit.release();
  }
}
