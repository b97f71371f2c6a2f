import { EventEmitter } from 'node:events';
import cron, { type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { materialiseAhead } from '../delivery/sql/audienceBlocks.js';
import { BroadcasterError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { completeFinishedCampaigns } from './completeFinishedCampaigns.js';
import { completeFinishedRuns } from './completeFinishedRuns.js';
import { createDueRun } from './createDueRun.js';
import {
  dropOldDeliveryPartitions,
  PARTITION_PERIOD_DAYS,
  upkeepDeliveryPartitions,
} from './deliveryPartitions.js';
import { expandCampaignRun } from './expandCampaignRun.js';
import { forgetOldDeliveries } from './forgetOldDeliveries.js';
import { listDueCampaigns } from './listDueCampaigns.js';
import { listRunsToExpand } from './listRunsToExpand.js';

export interface TimekeeperOptions {
  sql: Sql;
  clock: Clock;
  logger?: Logger;
  /** Contacts per expansion batch (one INSERT … SELECT each); see expandCampaignRun. */
  expandBatchSize?: number;
  /**
   * RETENTION_DAYS: the history of runs that ended before this many days ago is removed, once an hour:
   * whole partitions of deliveries where every run in them is over (deliveryPartitions.ts), settled
   * deliveries of finished runs row by row where a partition must stay.
   */
  retentionDays?: number;
}

export interface TickResult {
  /** Runs inserted by this tick (a run another instance created first is not counted). */
  runsCreated: number;
  /** Runs whose expansion this tick carried to the end. */
  runsExpanded: number;
  /** Delivery rows made from expanded audiences as the workers used up the last (materialiseAhead). */
  deliveriesMade: number;
  /** Old deliveries this tick removed row by row (RETENTION_DAYS; at most once an hour of engine time)… */
  deliveriesForgotten: number;
  /** …and partitions of deliveries it dropped whole. */
  partitionsDropped: number;
}

const HOUR_MS = 3_600_000;
/** Retention's pace: batches of 10,000, at most 100 an hour (1,000,000 rows), so it never holds a tick long. */
const RETENTION_BATCH = 10_000;
const RETENTION_BATCHES_PER_PASS = 100;

/** One campaign or run failed during a tick; the others were still served. */
export class TimekeeperError extends BroadcasterError {
  constructor(
    code: string,
    message: string,
    details: { campaignId?: number; runId?: number },
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(code, `${message}: ${reason}`, details, { cause });
  }
}

interface TimekeeperEvents {
  /** A background failure. Emitted only when someone listens: an unheard 'error' would crash Node. */
  error: [Error];
  tick: [TickResult];
}

/** Every second, as a node-cron expression with seconds. */
const EVERY_SECOND = '* * * * * *';

/**
 * The scheduler role: each tick turns due campaign instants into runs, expands pending runs,
 * makes delivery rows from expanded audiences ahead of the workers, and completes finished runs and
 * campaigns. Several instances may tick at once: every
 * step is guarded by data (row locks with skip locked, unique keys, conditional updates), not by a
 * leader.
 */
export class Timekeeper extends EventEmitter<TimekeeperEvents> {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #expandBatchSize: number | undefined;
  readonly #retentionDays: number | undefined;
  #lastHistoryAt: number | undefined;
  #task: ScheduledTask | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(options: TimekeeperOptions) {
    super();
    this.#sql = options.sql;
    this.#clock = options.clock;
    this.#logger = (options.logger ?? silentLogger).child({ role: 'timekeeper' });
    this.#expandBatchSize = options.expandBatchSize;
    this.#retentionDays = options.retentionDays;
  }

  /** One pass over the schedule, at one instant of the engine clock. */
  async tick(): Promise<TickResult> {
    const now = this.#clock.now();
    const runsCreated = await this.#createDueRuns(now);
    const runsExpanded = await this.#expandPendingRuns(now);
    const deliveriesMade = await this.#materialiseAhead(now);
    await this.#completeFinished(now);
    const { deliveriesForgotten, partitionsDropped } = await this.#keepHistory(now);
    return { runsCreated, runsExpanded, deliveriesMade, deliveriesForgotten, partitionsDropped };
  }

  /** Ticks every second until stop(); a tick still running when the next is due makes it skip. */
  start(): void {
    if (this.#task) return;
    this.#task = cron.schedule(EVERY_SECOND, () => this.#tickInBackground(), {
      name: 'broadcaster-timekeeper',
      noOverlap: true,
      // A tick missed because the event loop was busy is harmless: the next one reads the data.
      suppressMissedWarning: true,
      logger: cronLogger(this.#logger),
    });
    this.#task.on('execution:overlap', () => this.#logger.debug('previous tick still running: tick skipped'));
    this.#logger.info('timekeeper started');
  }

  /** Stops ticking and waits for a tick in progress to finish. */
  async stop(): Promise<void> {
    const task = this.#task;
    this.#task = undefined;
    if (task) {
      await task.stop();
      await task.destroy();
      this.#logger.info('timekeeper stopped');
    }
    await this.#inFlight;
  }

  #tickInBackground(): Promise<void> {
    const tick = this.tick()
      .then((result) => {
        this.emit('tick', result);
      })
      .catch((error: unknown) => this.#report(error, 'timekeeper tick failed'));
    this.#inFlight = tick;
    return tick.finally(() => {
      if (this.#inFlight === tick) this.#inFlight = undefined;
    });
  }

  async #createDueRuns(now: Date): Promise<number> {
    let created = 0;
    for (const campaignId of await listDueCampaigns(this.#sql, now)) {
      try {
        const run = await createDueRun(this.#sql, campaignId, now);
        if (!run) continue; // another instance has it, or it changed since the listing
        if (run.skippedInstants > 0) {
          this.#logger.warn(
            { campaignId, skippedInstants: run.skippedInstants, scheduledFor: run.scheduledFor },
            'missed schedule instants skipped: one run created for the latest only',
          );
        }
        if (run.runId === null) continue;
        created++;
        this.#logger.info(
          { campaignId, runId: run.runId, scheduledFor: run.scheduledFor, nextRunAt: run.nextRunAt },
          'campaign run created',
        );
      } catch (error) {
        this.#report(
          new TimekeeperError(
            'run_creation_failed',
            `could not create the due run of campaign ${campaignId}`,
            { campaignId },
            error,
          ),
        );
      }
    }
    return created;
  }

  async #expandPendingRuns(now: Date): Promise<number> {
    let expanded = 0;
    for (const runId of await listRunsToExpand(this.#sql)) {
      try {
        const counts = await expandCampaignRun(this.#sql, runId, { now, batchSize: this.#expandBatchSize });
        expanded++;
        this.#logger.info({ runId, ...counts }, 'campaign run expanded');
      } catch (error) {
        this.#report(
          new TimekeeperError(
            'run_expansion_failed',
            `could not expand campaign run ${runId}`,
            { runId },
            error,
          ),
        );
      }
    }
    return expanded;
  }

  /** Running campaigns' audiences, made into delivery rows a block at a time ahead of the workers. */
  async #materialiseAhead(now: Date): Promise<number> {
    try {
      return await materialiseAhead(this.#sql, { now });
    } catch (error) {
      this.#report(
        new TimekeeperError('materialise_failed', 'could not make the next deliveries', {}, error),
      );
      return 0;
    }
  }

  async #completeFinished(now: Date): Promise<void> {
    for (const { runId, campaignId } of await completeFinishedRuns(this.#sql, now)) {
      this.#logger.info({ runId, campaignId }, 'campaign run completed');
    }
    for (const campaignId of await completeFinishedCampaigns(this.#sql, now)) {
      this.#logger.info({ campaignId }, 'campaign completed');
    }
  }

  /**
   * Once an hour of engine time: a partition of deliveries ready ahead of the runs, a new range started
   * when the runs' partition is a period old (with RETENTION_DAYS: a week, or RETENTION_DAYS if
   * shorter), and the history older than RETENTION_DAYS removed: partitions dropped whole first, then
   * settled deliveries of finished runs row by row in the partitions that stay.
   */
  async #keepHistory(now: Date): Promise<{ deliveriesForgotten: number; partitionsDropped: number }> {
    const none = { deliveriesForgotten: 0, partitionsDropped: 0 };
    if (this.#lastHistoryAt !== undefined && now.getTime() - this.#lastHistoryAt < HOUR_MS) return none;
    this.#lastHistoryAt = now.getTime();
    const retentionDays = this.#retentionDays;
    try {
      const periodDays =
        retentionDays === undefined ? undefined : Math.min(PARTITION_PERIOD_DAYS, retentionDays);
      const { made, receiving } = await upkeepDeliveryPartitions(this.#sql, { now, periodDays });
      if (made.length > 0) {
        this.#logger.info({ made, receiving }, 'partitions of deliveries made ahead of the runs');
      }
    } catch (error) {
      this.#report(new TimekeeperError('partitions_failed', 'could not make the next partition', {}, error));
    }
    if (retentionDays === undefined) return none;
    const before = new Date(now.getTime() - retentionDays * 24 * HOUR_MS);
    const dropped = await dropOldDeliveryPartitions(this.#sql, { before });
    if (dropped.length > 0) {
      this.#logger.info(
        { dropped, before },
        'old partitions of deliveries dropped (RETENTION_DAYS); their counts kept',
      );
    }
    return { deliveriesForgotten: await this.#forgetOld(before), partitionsDropped: dropped.length };
  }

  /** RETENTION_DAYS: settled deliveries of finished runs, older than `before`, row by row. */
  async #forgetOld(before: Date): Promise<number> {
    let forgotten = 0;
    for (let batch = 0; batch < RETENTION_BATCHES_PER_PASS; batch++) {
      const n = await forgetOldDeliveries(this.#sql, { before, batchSize: RETENTION_BATCH });
      forgotten += n;
      if (n < RETENTION_BATCH) break;
    }
    if (forgotten > 0)
      this.#logger.info({ forgotten, before }, 'old deliveries removed (RETENTION_DAYS); their counts kept');
    return forgotten;
  }

  /** Background failures are logged, and emitted for whoever listens (metrics, tests). */
  #report(error: unknown, message?: string): void {
    const err = error instanceof Error ? error : new Error(String(error));
    const details = err instanceof BroadcasterError ? err.details : {};
    this.#logger.error({ err, ...details }, message ?? err.message);
    if (this.listenerCount('error') === 0) return;
    try {
      this.emit('error', err);
    } catch (listenerError) {
      this.#logger.error({ err: listenerError }, 'a timekeeper error listener threw');
    }
  }
}

/** node-cron's own messages go to our log; its warnings (overlap) are expected, hence debug. */
function cronLogger(logger: Logger): CronLogger {
  return {
    info: (message) => logger.debug(message),
    warn: (message) => logger.debug(message),
    error: (message, err) => logger.error({ err: message instanceof Error ? message : err }, String(message)),
    debug: (message) => logger.debug(String(message)),
  };
}
