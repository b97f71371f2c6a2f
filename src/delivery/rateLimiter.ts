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
  /** Extra spacing per second of slots, so jitter seldom finds a seat still busy. Default 10. */
  safetyMarginMs?: number;
  /**
   * The longest a request can take (the HTTP client's timeout): a seat whose holder died is taken
   * back this long (plus 1 s) after it was taken. Default 60 000.
   */
  longestRequestMs?: number;
}

/** What acquire() hands out: give it back when the request's answer (or failure) has come back. */
export interface RatePermit {
  /** Idempotent; never throws (a seat that cannot be given back is taken back after longestRequestMs). */
  release(): Promise<void>;
}

/** One statement can only space requests whole milliseconds apart (the column holds whole ms). */
const MAX_PER_SECOND = 1000;
/** One request a day: below that a seat's window no longer fits the bigint milliseconds it is kept in. */
const MIN_PER_SECOND = 1 / 86_400;
export const DEFAULT_SAFETY_MARGIN_MS = 10;
const DEFAULT_LONGEST_REQUEST_MS = 60_000;
/**
 * Chat2Desk counts a request when it arrives, which is after we sent it and before its answer
 * reached us. Our clock and the server's may disagree by a little (two processes reading the wall
 * clock differently, whole-ms rounding): a seat stays busy this much longer than its window.
 */
const CLOCK_TOLERANCE_MS = 2;

const NO_LIMIT: RatePermit = { release: async () => {} };

/**
 * A request rate shared by every worker and engine instance, kept in PostgreSQL, in two parts.
 *
 * The guarantee — never more than perSecond requests reach the server in any sliding second —
 * comes from perSecond *seats* (rate_limiter_seats). A request takes a free seat right before it is
 * sent and holds it until 1 s after its answer came back. The server counted it at some instant
 * between the two, so the next request on the same seat reaches the server more than a second
 * later; with perSecond seats no second holds more than perSecond arrivals. (A fractional rate r
 * has ceil(r) seats held ceil(r)/r s: 0.5/s is one request in any 2 s, 2.5/s three in any 1.2 s.)
 * This holds however late a request reaches the server (a stalled event loop, a new connection, a
 * busy server): a slow request only keeps its seat longer. A process that dies holding a seat leaves it busy for
 * longestRequestMs + 1 s, the latest its request could still arrive.
 *
 * The pacing — requests spread evenly, not a burst of perSecond at the top of each second — comes
 * from GCRA: slots `spacing = (1000 + safetyMarginMs) / perSecond` ms apart, its theoretical arrival
 * time in rate_limiters (fractional ms), each acquire reserving the next free slot with one upsert
 * and sleeping until it. Slot k prefers seat k mod perSecond, the one slot k − perSecond used 1000 + margin ms
 * earlier: free again if that request's answer took under margin ms. If no seat is free, the caller
 * waits for the first one to free if that is before the next slot is due; otherwise it gives the slot
 * up and reserves a new one, so waiting callers stay spread out instead of all polling.
 * The achieved rate is perSecond · 1000 / (1000 + max(margin, typical answer time)).
 *
 * Real time on purpose, not the engine's injectable Clock: the account's limit is counted by
 * Chat2Desk in real seconds, whatever business time a test or a replay pretends it is (instances on
 * different machines need NTP).
 *
 * After an idle spell the next slot is now: one request at once, then one spacing apart, never a
 * burst (the row is never behind now by more than it was when the spell began).
 */
export class SharedRateLimiter {
  readonly name: string;
  readonly perSecond: number;
  /** ms between slots, fractional. */
  readonly spacingMs: number;
  #sql: Sql;
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;
  #longestRequestMs: number;
  /** ceil(perSecond) seats, each busy for #seatWindowMs after its request's answer. */
  #seats: number;
  #seatWindowMs: number;
  #seatsReady: Promise<void> | undefined;
  #reserved = 0;
  #seatless = 0;
  #unreleased = 0;

  constructor(options: SharedRateLimiterOptions) {
    const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
    const longest = options.longestRequestMs ?? DEFAULT_LONGEST_REQUEST_MS;
    const rate = options.perSecond;
    if (!Number.isFinite(rate) || rate > MAX_PER_SECOND || (rate > 0 && rate < MIN_PER_SECOND)) {
      throw new BroadcasterError(
        'rate_limit_invalid',
        `perSecond must be 0 (no limit) or from one a day to ${MAX_PER_SECOND}`,
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
    if (!Number.isFinite(longest) || longest <= 0) {
      throw new BroadcasterError('rate_limit_invalid', 'longestRequestMs must be a positive number', {
        field: 'longestRequestMs',
        value: longest,
        limiter: options.name,
      });
    }
    this.name = options.name;
    this.perSecond = Math.max(0, options.perSecond);
    this.spacingMs = this.perSecond > 0 ? (1000 + margin) / this.perSecond : 0;
    this.#seats = Math.ceil(this.perSecond);
    this.#seatWindowMs = this.perSecond > 0 ? Math.ceil((this.#seats * 1000) / this.perSecond) : 0;
    this.#longestRequestMs = longest;
    this.#sql = options.sql;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleepMs;
  }

  /** Slots this instance has reserved since it was made (given-up ones included), for metrics. */
  get reservedCount(): number {
    return this.#reserved;
  }

  /** Slots given up because every seat was still busy, for metrics. */
  get seatlessCount(): number {
    return this.#seatless;
  }

  /** Permits whose seat could not be given back (the database did not answer), for metrics. */
  get unreleasedCount(): number {
    return this.#unreleased;
  }

  /**
   * Resolves when the caller may send one request; release the permit when its answer (or its
   * failure) has come back.
   */
  async acquire(): Promise<RatePermit> {
    return (await this.#admit(Number.POSITIVE_INFINITY)) as RatePermit;
  }

  /**
   * As acquire, but waits at most `withinMs` for a slot and a seat: when neither comes that soon,
   * reserves nothing and says when to come back (real ms since the epoch), so the caller can let go
   * of what it holds instead of waiting. A campaign paced at one message a minute never keeps a
   * worker waiting for a minute.
   */
  async tryAcquire(withinMs: number): Promise<RatePermit | { notBefore: number }> {
    return this.#admit(Math.max(0, withinMs));
  }

  async #admit(withinMs: number): Promise<RatePermit | { notBefore: number }> {
    if (this.perSecond <= 0) return NO_LIMIT;
    this.#seatsReady ??= this.#createSeats().catch((error: unknown) => {
      this.#seatsReady = undefined;
      throw error;
    });
    await this.#seatsReady;
    for (;;) {
      const reserved = await this.#reserveSlot(withinMs);
      if ('notBefore' in reserved) return reserved;
      const { slot, index } = reserved;
      this.#reserved++;
      // Loop: a timer may fire a little early, and the slot is a promise about real time.
      for (let wait = slot - this.#now(); wait > 0; wait = slot - this.#now()) await this.#sleep(wait);
      const preferred = index % this.#seats;
      const first = await this.#takeSeat(preferred);
      if ('permit' in first) return first.permit;
      // Every seat is busy. One that frees before the next slot is due (and within the caller's
      // horizon) is worth waiting for rather than wasting this slot; otherwise the slot is given up.
      const wait = first.nextFreeAt - this.#now();
      if (wait <= this.spacingMs && wait <= withinMs) {
        if (wait > 0) await this.#sleep(wait);
        const second = await this.#takeSeat(preferred);
        if ('permit' in second) return second.permit;
      }
      this.#seatless++;
      if (Number.isFinite(withinMs)) return { notBefore: Math.max(first.nextFreeAt, this.#now()) };
    }
  }

  async #createSeats(): Promise<void> {
    await this.#sql`
      insert into rate_limiter_seats (name, seat)
      select ${this.name}, seat from generate_series(0, ${this.#seats - 1}::int) seat
      on conflict do nothing`;
  }

  /**
   * The next slot is the later of the shared theoretical arrival time and now; the row then holds
   * that plus one spacing (fractional ms: no rounding drifts the rate). Only a slot within
   * `withinMs` from now is reserved; otherwise nothing changes and the answer is when that slot is.
   * The caller waits until the whole millisecond at or after its slot.
   */
  async #reserveSlot(withinMs: number): Promise<{ slot: number; index: number } | { notBefore: number }> {
    const now = this.#now();
    const s = this.spacingMs;
    const latest = Number.isFinite(withinMs) ? now + withinMs : null;
    const [row] = await this.#sql<{ slot: number }[]>`
      insert into rate_limiters as r (name, theoretical_arrival_ms, updated_at)
      values (${this.name}, ${now}::float8 + ${s}::float8, ${new Date(now)})
      on conflict (name) do update set
        theoretical_arrival_ms = greatest(r.theoretical_arrival_ms, ${now}::float8) + ${s}::float8,
        updated_at = excluded.updated_at
      where ${latest}::float8 is null or greatest(r.theoretical_arrival_ms, ${now}::float8) <= ${latest}::float8
      returning theoretical_arrival_ms - ${s}::float8 as slot`;
    if (!row) {
      const [next] = await this.#sql<{ at: number }[]>`
        select greatest(theoretical_arrival_ms, ${now}::float8) as at from rate_limiters where name = ${this.name}`;
      return { notBefore: Math.ceil(next?.at ?? now) };
    }
    // (t + s) − s may miss t by an ulp: a slot on a whole millisecond must not slip to the next one.
    const slot = Math.ceil(row.slot - 0.001);
    return { slot, index: Math.floor(row.slot / s + 0.5) };
  }

  /**
   * Takes a seat that is free now — `preferred` if it is, else the next free one round the ring —
   * marking it busy until the longest a request can take has passed; if none is free, says when the
   * first one will be.
   */
  async #takeSeat(preferred: number): Promise<{ permit: RatePermit } | { nextFreeAt: number }> {
    const n = this.#seats;
    const now = Math.floor(this.#now());
    const heldUntil = now + this.#longestRequestMs + this.#seatWindowMs + CLOCK_TOLERANCE_MS;
    const [row] = await this.#sql<{ seat: number | null; nextFreeAt: string | null }[]>`
      with free as (
        select seat from rate_limiter_seats
        where name = ${this.name} and seat < ${n} and busy_until_ms <= ${now}
        order by (seat - ${preferred} + ${n}) % ${n}
        limit 1
        for update skip locked
      ), taken as (
        update rate_limiter_seats s set busy_until_ms = ${heldUntil}
        from free where s.name = ${this.name} and s.seat = free.seat
        returning s.seat
      )
      select seat,
             -- Only when no seat was taken: an uncorrelated subquery runs when first needed.
             case when seat is null then
               (select min(busy_until_ms) from rate_limiter_seats where name = ${this.name} and seat < ${n})::text
             end as "nextFreeAt"
      from (select (select seat from taken) as seat) attempt`;
    if (row!.seat !== null) return { permit: this.#permit(row!.seat, heldUntil) };
    return { nextFreeAt: Number(row!.nextFreeAt) };
  }

  #permit(seat: number, heldUntil: number): RatePermit {
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        // Only if the seat is still ours: after heldUntil another request may have taken it.
        const busyUntil = Math.ceil(this.#now()) + this.#seatWindowMs + CLOCK_TOLERANCE_MS;
        try {
          await this.#sql`
            update rate_limiter_seats set busy_until_ms = ${busyUntil}
            where name = ${this.name} and seat = ${seat} and busy_until_ms = ${heldUntil}`;
        } catch {
          // Safe to leave: the seat frees itself at heldUntil. Counted for /metrics, not thrown at a
          // caller whose request is already over.
          this.#unreleased++;
        }
      },
    };
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
