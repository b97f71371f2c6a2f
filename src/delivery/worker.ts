import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Clock } from '../clock.js';
import { DEFAULT_PHONE_REGION, type PhoneRegion } from '../contacts/phone.js';
import { DELIVERIES_CHANNEL } from '../db/channels.js';
import type { Sql } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { type Logger, silentLogger } from '../logger.js';
import type { Chat2DeskGate } from './chat2deskGate.js';
import { ClientDirectorySync } from './clientDirectorySync.js';
import { DeliverySender } from './deliverySender.js';
import { LeaseKeeper } from './leaseKeeper.js';
import { DEFAULT_SAFETY_MARGIN_MS } from './rateLimiter.js';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  claimStaleSending,
  reclaimOwnDeliveries,
} from './sql/claimDueDeliveries.js';
import { MoveBatcher } from './sql/moveDeliveries.js';

export interface DeliveryWorkerOptions {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  whatsappDelayMs: number;
  defaultTimezone?: string;
  logger?: Logger;
  workerId?: string;
  /** Deliveries claimed at a time. */
  batchSize?: number;
  /** Deliveries in flight at once (Chat2Desk requests overlap; the rate limiter still paces them). */
  concurrency?: number;
  /** How long a claim holds before another worker may take it over (a crashed worker's). */
  leaseMs?: number;
  /** Real-time pause between polls when idle (a NOTIFY wakes the worker sooner). */
  idlePollMs?: number;
  /** Real time between renewals of the leases this worker holds. Default a quarter of leaseMs. */
  leaseRenewalMs?: number;
  /**
   * How long a delivery may wait for its campaign's pace (rateLimit.perSecond) before it goes back
   * to `waiting` for its slot instead, freeing the worker. Real ms; default 1,000.
   */
  admissionHorizonMs?: number;
  /** The rate limiters' pacing margin (CHAT2DESK_RATE_MARGIN_MS), for campaign limiters too. */
  rateMarginMs?: number;
  /** Real time for campaign pacing (epoch ms); the rate limiters count real seconds. */
  realTime?: () => number;
  /**
   * Resolves once client replies (STOP) received up to the given instant have been applied: asked
   * before each message, so an opt-out that reached Chat2Desk before a message was due is honoured.
   */
  replies?: { checkedSince(at: Date): Promise<void> };
  random?: () => number;
  /** How Chat2Desk's phones without a country code are read (DEFAULT_PHONE_REGION). */
  phoneRegion?: PhoneRegion;
}

/** Background failures a worker survives, counted for /metrics (never only in a log line). */
export interface WorkerFailureCounts {
  /** A campaign could not be paused for quota or auth (its deliveries were put back regardless). */
  campaignPause: number;
  /** Leases could not be renewed (the database did not answer). */
  leaseRenewal: number;
  /** A delivery's processing failed unexpectedly (it is retried with back-off, then failed). */
  processing: number;
  /** A round of claims failed. */
  claim: number;
}

/**
 * Claims due deliveries — fairly between campaigns, each claim with its own lease token — keeps their
 * leases while it holds them, and hands each to its DeliverySender, which takes it to a final or
 * waiting state. The running loop pipelines: it claims again as soon as half a batch is done.
 */
export class DeliveryWorker {
  readonly workerId: string;
  readonly #o: Required<
    Omit<
      DeliveryWorkerOptions,
      'logger' | 'workerId' | 'defaultTimezone' | 'replies' | 'leaseRenewalMs' | 'phoneRegion'
    >
  > & {
    defaultTimezone: string;
  };
  readonly #sender: DeliverySender;
  /** Learns the account's Chat2Desk clients when a run asks (see requestClientDirectorySync). */
  readonly directory: ClientDirectorySync;
  readonly failures: WorkerFailureCounts = { campaignPause: 0, leaseRenewal: 0, processing: 0, claim: 0 };
  readonly #leases: LeaseKeeper;
  readonly #logger: Logger;
  readonly #limit: ReturnType<typeof pLimit>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  /** Own claims whose processing broke off because the database went away: taken up again first. */
  readonly #interrupted = new Set<string>();
  /** Deliveries being processed (or waiting for a concurrency slot), for the running loop and stop(). */
  readonly #inFlight = new Set<Promise<void>>();
  #wakeOnFinish = false;
  /** Every state change of this worker's deliveries goes through here: group commit under load. */
  readonly #moves: MoveBatcher;

  constructor(options: DeliveryWorkerOptions) {
    this.workerId = options.workerId ?? `worker-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.#logger = (options.logger ?? silentLogger).child({ workerId: this.workerId });
    this.#o = {
      sql: options.sql,
      client: options.client,
      gate: options.gate,
      clock: options.clock,
      whatsappDelayMs: options.whatsappDelayMs,
      defaultTimezone: options.defaultTimezone ?? 'UTC',
      batchSize: options.batchSize ?? 100,
      concurrency: options.concurrency ?? 16,
      leaseMs: options.leaseMs ?? 120_000,
      idlePollMs: options.idlePollMs ?? 250,
      admissionHorizonMs: options.admissionHorizonMs ?? 1000,
      rateMarginMs: options.rateMarginMs ?? DEFAULT_SAFETY_MARGIN_MS,
      realTime: options.realTime ?? Date.now,
      random: options.random ?? Math.random,
    };
    this.#limit = pLimit(this.#o.concurrency);
    this.#moves = new MoveBatcher(this.#o.sql);
    this.#sender = new DeliverySender(this.#o, {
      workerId: this.workerId,
      logger: this.#logger,
      moves: this.#moves,
      replies: options.replies,
      failures: this.failures,
    });
    this.directory = new ClientDirectorySync({
      sql: this.#o.sql,
      client: this.#o.client,
      gate: this.#o.gate,
      clock: this.#o.clock,
      phoneRegion: options.phoneRegion ?? DEFAULT_PHONE_REGION,
      logger: this.#logger,
      owner: `${this.workerId}-directory`,
    });
    this.#leases = new LeaseKeeper({
      sql: this.#o.sql,
      clock: this.#o.clock,
      workerId: this.workerId,
      everyMs: options.leaseRenewalMs ?? Math.max(50, Math.floor(this.#o.leaseMs / 4)),
      logger: this.#logger,
      onFailure: () => {
        this.failures.leaseRenewal++;
      },
    });
  }

  /** Renews every lease this worker holds now (the timer does it every quarter lease). */
  renewLeases(): Promise<void> {
    return this.#leases.renewNow();
  }

  /**
   * One round: take up own interrupted work, recover stale sends, claim due deliveries, process them
   * all. Returns how many it handled. (The running loop, start(), does not wait for a whole round.)
   */
  async runOnce(): Promise<number> {
    const claimed = await this.#claim(this.#o.batchSize);
    await Promise.all(claimed.map((d) => this.#dispatch(d)));
    return claimed.length;
  }

  /**
   * Runs rounds until nothing is due (by the engine clock), a requested client directory sync first
   * (the running worker syncs beside its loop): for tests and the demo.
   */
  async drain(maxRounds = 10_000): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      await this.directory.syncOnce();
      if ((await this.runOnce()) === 0) return;
    }
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#leases.start();
    this.directory.start();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.directory.stop();
    await this.#loop;
    await Promise.all(this.#inFlight);
    await this.#leases.stop();
    await this.#unlisten?.();
  }

  /** Up to `limit` deliveries for this worker: its own interrupted ones, stale sends, then due ones. */
  async #claim(limit: number): Promise<ClaimedDelivery[]> {
    const { sql, clock, leaseMs } = this.#o;
    const claim = { workerId: this.workerId, now: clock.now(), leaseMs };
    const pacing = {
      realNowMs: this.#o.realTime(),
      horizonMs: this.#o.admissionHorizonMs,
      marginMs: this.#o.rateMarginMs,
    };
    const interrupted = await reclaimOwnDeliveries(sql, { ...claim, ids: [...this.#interrupted] });
    const stale = await claimStaleSending(sql, {
      ...claim,
      limit: Math.max(0, limit - interrupted.length),
    });
    const due = await claimDueDeliveries(sql, {
      ...claim,
      pacing,
      limit: Math.max(0, limit - interrupted.length - stale.length),
    });
    // Interrupted claims another worker took over meanwhile are not ours to renew any more.
    const retaken = new Set(interrupted.map((d) => d.id));
    for (const id of this.#interrupted) if (!retaken.has(id)) this.#leases.drop(id);
    this.#interrupted.clear();
    const claimed = [...interrupted, ...stale, ...due];
    for (const d of claimed) this.#leases.hold(d);
    return claimed;
  }

  /** Processes one claimed delivery within the concurrency limit; never rejects. */
  #dispatch(d: ClaimedDelivery): Promise<void> {
    const done = this.#limit(() =>
      this.#sender.process(d).catch((error: unknown) => {
        this.failures.processing++;
        this.#logger.error({ err: error, deliveryId: d.id }, 'delivery processing failed');
        // The database went away mid-way: this worker takes the claim up again once it answers.
        // Any other failure could not even be recorded: the claim stays until its lease runs out,
        // then any worker takes it up (a `sending` one is reconciled first).
        if (isDatabaseUnavailable(error)) this.#interrupted.add(d.id);
      }),
    ).finally(() => {
      if (!this.#interrupted.has(d.id)) this.#leases.drop(d.id);
      this.#inFlight.delete(done);
      if (this.#wakeOnFinish) this.#wake?.();
    });
    this.#inFlight.add(done);
    return done;
  }

  /**
   * The running loop, a pipeline: it claims more as soon as half a batch has finished, instead of
   * waiting for a round's slowest delivery, and sleeps (until a NOTIFY, a finished delivery or the
   * poll interval) when nothing is due.
   */
  async #run(): Promise<void> {
    try {
      const listener = await this.#o.sql.listen(DELIVERIES_CHANNEL, () => this.#wake?.());
      this.#unlisten = () => listener.unlisten();
    } catch (error) {
      this.#logger.warn({ err: error }, 'LISTEN failed; polling only');
    }
    const { batchSize } = this.#o;
    while (this.#running) {
      const room = batchSize - this.#inFlight.size;
      if (room < Math.ceil(batchSize / 2)) {
        // Enough in hand: wait for deliveries to finish (or the poll interval) before claiming more.
        this.#wakeOnFinish = true;
        await this.#pause();
        this.#wakeOnFinish = false;
        continue;
      }
      let claimed = 0;
      try {
        const deliveries = await this.#claim(room);
        for (const d of deliveries) void this.#dispatch(d);
        claimed = deliveries.length;
      } catch (error) {
        this.failures.claim++;
        this.#logger.error({ err: error }, 'delivery round failed');
      }
      // Nothing due (or the database failed): until a NOTIFY or the poll interval.
      if (claimed === 0 && this.#running) await this.#pause();
    }
  }

  /** Until woken (a NOTIFY, stop(), or a finished delivery when asked) or the poll interval has passed. */
  async #pause(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#o.idlePollMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }
}
