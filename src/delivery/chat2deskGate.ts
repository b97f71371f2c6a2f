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
/** A campaign's own pace: asked with a horizon, so a slow campaign never keeps a worker waiting. */
type PacingLimiter = Pick<SharedRateLimiter, 'tryAcquire'>;

/** What admission gives: a permit for a request now, or the real time (epoch ms) to come back at. */
export type Admission = { permit: RatePermit } | { notBefore: number };

/**
 * Every request to Chat2Desk passes here first: it waits for a seat of the account's shared rate
 * limit and takes one request of the monthly quota, so no caller can forget either (a message also
 * keeps to its campaign's pace: admitMessage). The seats are held until the request is over: `call`
 * does both.
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
  async admit(): Promise<RatePermit> {
    if (!(await this.quota.tryReserve())) throw new QuotaGuardError();
    return this.#acquire();
  }

  /**
   * Admission for a message: the campaign's own pace first, waiting at most `withinMs` for it (else
   * `notBefore`, and nothing is spent), then admit(): the quota and the account's rate limit. The
   * caller records `sending` only once it holds the permit, and sends only once that is recorded.
   */
  async admitMessage(campaign: PacingLimiter | undefined, withinMs: number): Promise<Admission> {
    const paced = campaign ? await campaign.tryAcquire(withinMs) : undefined;
    if (paced && 'notBefore' in paced) return paced;
    let account: RatePermit;
    try {
      account = await this.admit();
    } catch (error) {
      await paced?.release();
      throw error;
    }
    if (!paced) return { permit: account };
    return {
      permit: { release: async () => void (await Promise.all([account.release(), paced.release()])) },
    };
  }

  /**
   * For the few requests that must go out before the quota is known (api_info at start-up, which tells
   * the quota): paced by the rate limit, counted, but not refused by the quota guard.
   */
  async callBeforeQuotaIsKnown<T>(request: () => Promise<T>): Promise<T> {
    return whileHolding(await this.#acquire(), request);
  }

  async call<T>(request: () => Promise<T>): Promise<T> {
    return whileHolding(await this.admit(), request);
  }

  async #acquire(): Promise<RatePermit> {
    const account = await this.limiter.acquire();
    this.#requests++;
    return account;
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
