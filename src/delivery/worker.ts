import { randomBytes } from 'node:crypto';
import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { type Logger, silentLogger } from '../logger.js';
import { DEFAULT_PHONE_REGION, type PhoneRegion } from '../phones/phone.js';
import type { CampaignPauser } from './campaignPauser.js';
import type { Chat2DeskGate } from './chat2deskGate.js';
import { ClaimLoop } from './claimLoop.js';
import { ClientDirectorySync } from './clientDirectorySync.js';
import { DeliveryDispatch } from './deliveryDispatch.js';
import { DeliverySender } from './deliverySender.js';
import { LeaseKeeper } from './leaseKeeper.js';
import { DEFAULT_SAFETY_MARGIN_MS } from './rateLimiter.js';
import { MoveBatcher } from './sql/moveDeliveries.js';
import { WorkerClaims } from './workerClaims.js';

export interface DeliveryWorkerOptions {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  whatsappDelayMs: number;
  defaultTimezone?: string;
  logger?: Logger;
  workerId?: string;
  /** Deliveries claimed at a time. Default DEFAULT_BATCH_SIZE. */
  batchSize?: number;
  /**
   * Deliveries in flight at once (Chat2Desk requests overlap; the rate limiter still paces them).
   * Default DEFAULT_CONCURRENCY.
   */
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
  /** Pauses a campaign when the quota or the token stops it (campaignPauser in src/campaigns/lifecycle.ts). */
  pauseCampaign: CampaignPauser;
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
 * waiting state. Its parts: WorkerClaims (what it holds), DeliveryDispatch (what is in flight) and,
 * once started, the pipelined ClaimLoop.
 */
export class DeliveryWorker {
  readonly workerId: string;
  readonly #o: WorkerSettings;
  /** Learns the account's Chat2Desk clients when a run asks (see requestClientDirectorySync). */
  readonly directory: ClientDirectorySync;
  readonly failures: WorkerFailureCounts = { campaignPause: 0, leaseRenewal: 0, processing: 0, claim: 0 };
  readonly #logger: Logger;
  readonly #leases: LeaseKeeper;
  readonly #claims: WorkerClaims;
  readonly #dispatch: DeliveryDispatch;
  readonly #loop: ClaimLoop;
  #looping: Promise<void> | undefined;

  constructor(options: DeliveryWorkerOptions) {
    this.workerId = options.workerId ?? `worker-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.#logger = (options.logger ?? silentLogger).child({ workerId: this.workerId });
    this.#o = withDefaults(options);
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
    this.#claims = new WorkerClaims({ ...this.#o, workerId: this.workerId, leases: this.#leases });
    this.#dispatch = new DeliveryDispatch({
      concurrency: this.#o.concurrency,
      sender: this.#createSender(options),
      claims: this.#claims,
      logger: this.#logger,
      failures: this.failures,
      onFinished: () => this.#loop.deliveryFinished(),
    });
    this.#loop = new ClaimLoop({
      sql: this.#o.sql,
      batchSize: this.#o.batchSize,
      idlePollMs: this.#o.idlePollMs,
      claims: this.#claims,
      dispatch: this.#dispatch,
      logger: this.#logger,
      failures: this.failures,
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
    const claimed = await this.#claims.claim(this.#o.batchSize);
    await Promise.all(claimed.map((d) => this.#dispatch.dispatch(d)));
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
    if (this.#loop.running) return;
    this.#leases.start();
    this.directory.start();
    this.#looping = this.#loop.run();
  }

  async stop(): Promise<void> {
    this.#loop.halt();
    await this.directory.stop();
    await this.#looping;
    await this.#dispatch.settled();
    await this.#leases.stop();
    await this.#loop.unlisten();
  }

  /** Every state change of this worker's deliveries goes through one MoveBatcher: group commit under load. */
  #createSender(options: DeliveryWorkerOptions): DeliverySender {
    return new DeliverySender(this.#o, {
      workerId: this.workerId,
      logger: this.#logger,
      moves: new MoveBatcher(this.#o.sql),
      replies: options.replies,
      failures: this.failures,
    });
  }
}

/** The options every part of the worker reads, defaults filled in. */
type WorkerSettings = Required<
  Omit<
    DeliveryWorkerOptions,
    'logger' | 'workerId' | 'defaultTimezone' | 'replies' | 'leaseRenewalMs' | 'phoneRegion'
  >
> & {
  defaultTimezone: string;
};

/**
 * Deliveries one worker keeps in flight. Each spends most of its time waiting (the durable `sending`
 * commit, Chat2Desk's answer, the outcome's commit), so a process sends at about concurrency ÷ that
 * time: bench/dispatch.mjs, 60,000 deliveries, one process, 2,006 sends/s at 64 in flight and 3,183 at
 * 128 with claims of 256. Not raised: a worker that dies strands what it claimed until the lease runs
 * out, and claims of 256 left the crash suite's small campaigns waiting (docs/performance.md §2).
 */
const DEFAULT_CONCURRENCY = 16;
/** Deliveries claimed at a time. */
const DEFAULT_BATCH_SIZE = 100;

function withDefaults(options: DeliveryWorkerOptions): WorkerSettings {
  return {
    sql: options.sql,
    client: options.client,
    gate: options.gate,
    clock: options.clock,
    whatsappDelayMs: options.whatsappDelayMs,
    defaultTimezone: options.defaultTimezone ?? 'UTC',
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    leaseMs: options.leaseMs ?? 120_000,
    idlePollMs: options.idlePollMs ?? 250,
    admissionHorizonMs: options.admissionHorizonMs ?? 1000,
    rateMarginMs: options.rateMarginMs ?? DEFAULT_SAFETY_MARGIN_MS,
    realTime: options.realTime ?? Date.now,
    random: options.random ?? Math.random,
    pauseCampaign: options.pauseCampaign,
  };
}
