import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import type { LeaseKeeper } from './leaseKeeper.js';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  claimStaleSending,
  reclaimOwnDeliveries,
} from './sql/claimDueDeliveries.js';

export interface WorkerClaimsOptions {
  sql: Sql;
  clock: Clock;
  workerId: string;
  leaseMs: number;
  /** Real time for campaign pacing (epoch ms); the rate limiters count real seconds. */
  realTime: () => number;
  admissionHorizonMs: number;
  rateMarginMs: number;
  /** Renews the lease of every claim held, until it is released. */
  leases: LeaseKeeper;
}

/**
 * How often a worker looks for stale sends (at most; a sweep that filled its limit looks again at
 * once). A send becomes stale only when its lease runs out, so looking at every claim — hundreds a
 * second, each reading the `sending` index past every delivery that left it since the last vacuum —
 * bought nothing: a crashed worker's sends are taken over within the lease and this much more.
 */
export const STALE_SWEEP_EVERY_MS = 5_000;

/**
 * The deliveries one worker holds: claimed (its own interrupted ones first, then stale sends, then due
 * ones — fairly between campaigns, each with its own lease token), their leases kept while held, and
 * let go when processed — unless the database broke off the processing, when they are taken up again.
 */
export class WorkerClaims {
  readonly #o: WorkerClaimsOptions;
  /** Own claims whose processing broke off because the database went away: taken up again first. */
  readonly #interrupted = new Set<string>();
  /** Engine time of the last sweep for stale sends that found fewer than it could take; null: none yet. */
  #staleSweptAt: number | null = null;

  constructor(options: WorkerClaimsOptions) {
    this.#o = options;
  }

  /** Up to `limit` deliveries for this worker: its own interrupted ones, stale sends, then due ones. */
  async claim(limit: number): Promise<ClaimedDelivery[]> {
    const { sql, clock, leaseMs, workerId } = this.#o;
    const claim = { workerId, now: clock.now(), leaseMs };
    const pacing = {
      realNowMs: this.#o.realTime(),
      horizonMs: this.#o.admissionHorizonMs,
      marginMs: this.#o.rateMarginMs,
    };
    const interrupted = await reclaimOwnDeliveries(sql, { ...claim, ids: [...this.#interrupted] });
    const stale = await this.#staleSends(claim, Math.max(0, limit - interrupted.length));
    const due = await claimDueDeliveries(sql, {
      ...claim,
      pacing,
      limit: Math.max(0, limit - interrupted.length - stale.length),
    });
    this.#forgetInterruptedNotRetaken(interrupted);
    const claimed = [...interrupted, ...stale, ...due];
    for (const d of claimed) this.#o.leases.hold(d);
    return claimed;
  }

  /** Sends whose worker stopped mid-way, when a sweep is due (see STALE_SWEEP_EVERY_MS). */
  async #staleSends(claim: { workerId: string; now: Date; leaseMs: number }, limit: number) {
    const now = claim.now.getTime();
    const every = Math.min(STALE_SWEEP_EVERY_MS, claim.leaseMs / 4);
    const since = this.#staleSweptAt === null ? Number.POSITIVE_INFINITY : now - this.#staleSweptAt;
    // A clock set back (since < 0) looks at once: the sweep is cheap when it is rare.
    if (limit === 0 || (since >= 0 && since < every)) return [];
    const stale = await claimStaleSending(this.#o.sql, { ...claim, limit });
    this.#staleSweptAt = stale.length < limit ? now : null;
    return stale;
  }

  /** The database went away mid-way: this worker takes the claim up again once it answers. */
  interrupt(id: string): void {
    this.#interrupted.add(id);
  }

  /** Processing ended: the lease is no longer renewed, unless the claim is to be taken up again. */
  release(id: string): void {
    if (!this.#interrupted.has(id)) this.#o.leases.drop(id);
  }

  /** Interrupted claims another worker took over meanwhile are not ours to renew any more. */
  #forgetInterruptedNotRetaken(retaken: ClaimedDelivery[]): void {
    const ids = new Set(retaken.map((d) => d.id));
    for (const id of this.#interrupted) if (!ids.has(id)) this.#o.leases.drop(id);
    this.#interrupted.clear();
  }
}
