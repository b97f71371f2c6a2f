import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import type { Logger } from '../logger.js';
import { MAX_SEND_ATTEMPTS, retryDelayMs } from './backoff.js';
import type { SendTiming } from './sendTiming.js';
import { type ClaimedDelivery, releaseDeliveries } from './sql/claimDueDeliveries.js';
import type { MoveBatcher } from './sql/moveDeliveries.js';
import type { DeliveryChanges, MoveDelivery } from './sql/moveDelivery.js';
import { REASONS } from './states.js';

export interface ClaimSettlerOptions {
  sql: Sql;
  clock: Clock;
  random: () => number;
  workerId: string;
  logger: Logger;
  moves: MoveBatcher;
}

/**
 * How a worker lets go of a claimed delivery: every move it makes goes through the worker's
 * MoveBatcher with the claim's lease token (so a claim taken over meanwhile moves nothing), and the
 * retry rules (back-off, attempts, a cancelled campaign) are decided here once.
 */
export class ClaimSettler {
  readonly #o: ClaimSettlerOptions;

  constructor(options: ClaimSettlerOptions) {
    this.#o = options;
  }

  /** Not now: skipped for good, or waiting (with the claim let go) until the given instant. */
  holdBack(
    d: ClaimedDelivery,
    timing: Exclude<SendTiming, { action: 'send' }>,
    changes: MoveDelivery['changes'] = {},
  ): Promise<void> {
    if (timing.action === 'skip') return this.settle(d, 'skipped', timing.reason, changes);
    return this.settle(d, 'waiting', timing.reason, { ...changes, nextAttemptAt: timing.until });
  }

  /** A state the worker is done with for now (waiting) or for good (skipped, failed); the claim is let go. */
  async settle(
    d: ClaimedDelivery,
    to: 'waiting' | 'skipped' | 'failed',
    reason: string,
    changes: MoveDelivery['changes'] = {},
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.move(d, to, reason, { ...changes, release: true }, details);
  }

  /**
   * Transient trouble: wait with back-off, or fail once the attempts are spent. A delivery recorded
   * as `sending` counted its attempt then; one that failed before sending counts it now.
   */
  async retry(
    d: ClaimedDelivery,
    cause: string,
    details?: Record<string, unknown>,
    changes: Pick<DeliveryChanges, 'chat2deskClientId'> = {},
  ): Promise<void> {
    // A send found not to have gone out, of a campaign cancelled meanwhile: no second try. (A pending
    // delivery of a cancelled campaign was skipped by the cancel itself.)
    if (d.state === 'sending' && (await campaignStatusOf(this.#o.sql, d.campaignId)) === 'cancelled') {
      return this.settle(d, 'skipped', REASONS.cancelled, {}, details);
    }
    const attempts = d.state === 'sending' ? d.attempts : d.attempts + 1;
    if (attempts >= MAX_SEND_ATTEMPTS) {
      return this.settle(d, 'failed', REASONS.attemptsExhausted(cause), { attempts }, details);
    }
    const next = new Date(
      this.#o.clock.now().getTime() + retryDelayMs(Math.max(1, attempts), this.#o.random),
    );
    await this.settle(
      d,
      'waiting',
      REASONS.retry(cause),
      { nextAttemptAt: next, attempts, ...changes },
      details,
    );
  }

  /** Back to the queue unsent, untouched by attempts: its campaign is paused and will resume it. */
  async putBack(d: ClaimedDelivery): Promise<void> {
    if (d.state === 'sending') {
      await this.move(d, 'queued', null, { release: true, attempts: Math.max(0, d.attempts - 1) });
    } else {
      await this.release(d);
    }
  }

  /** The claim let go with the delivery's state untouched (its campaign paused, or taken meanwhile). */
  release(d: ClaimedDelivery): Promise<unknown> {
    return releaseDeliveries(this.#o.sql, [d], this.#o.workerId);
  }

  /** One move of the claimed delivery; false when someone else moved it first (logged, not thrown). */
  async move(
    d: ClaimedDelivery,
    to: MoveDelivery['to'],
    reason: string | null,
    changes: MoveDelivery['changes'],
    details?: Record<string, unknown>,
  ): Promise<boolean> {
    const moved = await this.#o.moves.move({
      id: d.id,
      runId: d.runId,
      to,
      reason,
      now: this.#o.clock.now(),
      workerId: this.#o.workerId,
      leaseToken: d.leaseToken,
      // The campaign's status is checked by the move into `sending` (a paused campaign sends nothing).
      ...(to === 'sending' ? { campaignId: d.campaignId } : {}),
      changes,
      ...(details ? { details } : {}),
    });
    if (!moved) {
      if (to !== 'sending')
        this.#o.logger.warn({ deliveryId: d.id, to }, 'delivery moved by someone else first');
    } else this.logStateChange(d, to, reason);
    return moved;
  }

  /** One debug line per state change: enough to follow a delivery, cheap when debug is off. */
  logStateChange(d: ClaimedDelivery, to: MoveDelivery['to'], reason: string | null): void {
    if (!this.#o.logger.isLevelEnabled('debug')) return;
    this.#o.logger.debug(
      { deliveryId: d.id, campaignId: d.campaignId, from: d.state, to, reason },
      'delivery state',
    );
  }
}

async function campaignStatusOf(sql: Sql, campaignId: number): Promise<string | undefined> {
  const [row] = await sql<{ status: string }[]>`select status from campaigns where id = ${campaignId}`;
  return row?.status;
}
