import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';

export interface SharedRateLimiterOptions {
  sql: Sql;
  /** The row in rate_limiters; every instance using the same name shares one budget. */
  name: string;
  /** Requests per second of real time; 0 (or less) means no limit. */
  perSecond: number;
  /** Real time in ms since the epoch. Default Date.now. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How much later than its slot a request may reach the server, relative to the others. Default 10. */
  safetyMarginMs?: number;
}

/** One statement can only space requests whole milliseconds apart (the column holds whole ms). */
const MAX_PER_SECOND = 1000;
export const DEFAULT_SAFETY_MARGIN_MS = 20;

/**
 * A request rate shared by every worker and engine instance: GCRA with no burst, its theoretical
 * arrival time kept in PostgreSQL. Each acquire reserves the next free slot with one upsert and sleeps
 * until it.
 *
 * Real time on purpose, not the engine's injectable Clock: the account's limit is counted by
 * Chat2Desk in real seconds, whatever business time a test or a replay pretends it is.
 *
 * Slots are `spacing = (1000 + safetyMarginMs) / perSecond` ms apart, so any perSecond + 1
 * consecutive slots span at least 1000 + safetyMarginMs − 1 ms (−1: slots are rounded up to whole
 * ms). Requests therefore reach the server at most perSecond in any sliding second as long as none
 * arrives more than ~safetyMarginMs − 1 later than its slot relative to the others: network and
 * timer jitter, and clock differences between hosts (instances on different machines need NTP).
 * The price is the achieved rate, perSecond · 1000 / (1000 + safetyMarginMs): 1.96 % below the
 * configured rate at the default 20 ms, which covers the jitter of a loaded 2-core host.
 *
 * A fractional spacing (50.5 ms at 20/s) cannot be added to a whole-ms column without drifting, so
 * slots sit on a lattice: slot k is at ceil(k · spacing) ms since the epoch. The first request after
 * an idle spell therefore waits for the next lattice point (under one spacing), never for a burst.
 */
export class SharedRateLimiter {
  readonly name: string;
  readonly perSecond: number;
  /** ms between slots, fractional. */
  readonly spacingMs: number;
  #sql: Sql;
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;
  #lateToleranceMs: number;
  #reserved = 0;
  #abandoned = 0;

  constructor(options: SharedRateLimiterOptions) {
    const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
    if (!Number.isFinite(options.perSecond) || options.perSecond > MAX_PER_SECOND) {
      throw new BroadcasterError(
        'rate_limit_invalid',
        `perSecond must be a number up to ${MAX_PER_SECOND} (0 means no limit)`,
        { field: 'perSecond', value: options.perSecond, limiter: options.name },
      );
    }
    if (!Number.isFinite(margin) || margin < 0 || margin > 1000) {
      throw new BroadcasterError('rate_limit_invalid', 'safetyMarginMs must be from 0 to 1000', {
        field: 'safetyMarginMs',
        value: margin,
        limiter: options.name,
      });
    }
    this.name = options.name;
    this.perSecond = Math.max(0, options.perSecond);
    this.spacingMs = this.perSecond > 0 ? (1000 + margin) / this.perSecond : 0;
    // At least 1 ms: Date.now() counts whole ms, so an on-time wake may read 1 ms past the slot.
    this.#lateToleranceMs = Math.max(1, margin / 2);
    this.#sql = options.sql;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleepMs;
  }

  /** Slots this instance has reserved since it was made (abandoned ones included), for metrics. */
  get reservedCount(): number {
    return this.#reserved;
  }

  /** Slots given up because the caller reached them too late (see acquire), for metrics. */
  get abandonedCount(): number {
    return this.#abandoned;
  }

  /**
   * Resolves when the caller may send one request.
   *
   * A caller that reaches its slot more than half the safety margin late (a slow reservation when
   * the limiter was idle, a GC pause, a busy event loop) would send among the following slots and
   * could make perSecond + 1 in one second with the request perSecond slots later; it gives the slot
   * up and reserves a fresh one instead. The other half of the margin is left to the network.
   */
  async acquire(): Promise<void> {
    if (this.perSecond <= 0) return;
    for (;;) {
      const slot = await this.#reserveSlot();
      this.#reserved++;
      // Loop: a timer may fire a little early, and the slot is a promise about real time.
      for (let wait = slot - this.#now(); wait > 0; wait = slot - this.#now()) await this.#sleep(wait);
      if (this.#now() - slot <= this.#lateToleranceMs) return;
      this.#abandoned++;
    }
  }

  /**
   * Slot k is the first lattice point at or after both the shared theoretical arrival time and now;
   * the row then holds slot k + 1. `floor((x − 1) / s) + 1` is the smallest k with ceil(k·s) ≥ x.
   */
  async #reserveSlot(): Promise<number> {
    const now = Math.ceil(this.#now());
    const s = String(this.spacingMs);
    const [row] = await this.#sql<{ slot: string }[]>`
      insert into rate_limiters as r (name, theoretical_arrival_ms, updated_at)
      values (
        ${this.name},
        ceil((floor((${now}::numeric - 1) / ${s}::numeric) + 2) * ${s}::numeric),
        ${new Date(now)}
      )
      on conflict (name) do update set
        theoretical_arrival_ms =
          ceil((floor((greatest(r.theoretical_arrival_ms, ${now}::numeric) - 1) / ${s}::numeric) + 2) * ${s}::numeric),
        updated_at = excluded.updated_at
      returning ceil(floor((theoretical_arrival_ms - 1) / ${s}::numeric) * ${s}::numeric)::text as slot`;
    return Number(row!.slot);
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
