import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import type { Logger } from '../logger.js';
import { type HeldClaim, renewLeases } from './sql/claimDueDeliveries.js';

/**
 * The claims a worker holds, renewed every `everyMs` of real time while it holds them (a lease is
 * `leaseMs` of engine time; renewing at a quarter of it leaves three chances before it runs out).
 * Renewal is what lets a worker wait — for a slot, a reply check, an answer — without another worker
 * taking the delivery over; the lease token is what makes a takeover safe if renewal fails anyway.
 */
export class LeaseKeeper {
  readonly #held = new Map<string, HeldClaim>();
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #workerId: string;
  readonly #everyMs: number;
  readonly #logger: Logger;
  readonly #onFailure: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #renewing: Promise<void> | undefined;

  constructor(options: {
    sql: Sql;
    clock: Clock;
    workerId: string;
    everyMs: number;
    logger: Logger;
    onFailure: () => void;
  }) {
    this.#sql = options.sql;
    this.#clock = options.clock;
    this.#workerId = options.workerId;
    this.#everyMs = options.everyMs;
    this.#logger = options.logger;
    this.#onFailure = options.onFailure;
  }

  hold(claim: HeldClaim): void {
    this.#held.set(claim.id, { id: claim.id, runId: claim.runId, leaseToken: claim.leaseToken });
  }

  drop(id: string): void {
    this.#held.delete(id);
  }

  get size(): number {
    return this.#held.size;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.renewNow(), this.#everyMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
  }

  /** One renewal of every held claim; a renewal still running is not overlapped. */
  renewNow(): Promise<void> {
    this.#renewing ??= this.#renew().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #renew(): Promise<void> {
    const claims = [...this.#held.values()];
    if (claims.length === 0) return;
    try {
      const kept = await renewLeases(this.#sql, claims, { workerId: this.#workerId, now: this.#clock.now() });
      const lost = claims.filter((c) => !kept.has(c.id) && this.#held.has(c.id));
      // Settled meanwhile (and so no longer renewable), or taken over: the token fences the latter.
      if (lost.length > 0) this.#logger.debug({ deliveries: lost.length }, 'leases not renewed');
    } catch (error) {
      this.#onFailure();
      this.#logger.warn({ err: error, claims: claims.length }, 'could not renew delivery leases');
    }
  }
}
