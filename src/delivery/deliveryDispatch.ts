import pLimit from 'p-limit';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { Logger } from '../logger.js';
import type { DeliverySender } from './deliverySender.js';
import type { ClaimedDelivery } from './sql/claimDueDeliveries.js';
import type { WorkerClaims } from './workerClaims.js';

export interface DeliveryDispatchOptions {
  /** Deliveries in flight at once (Chat2Desk requests overlap; the rate limiter still paces them). */
  concurrency: number;
  sender: DeliverySender;
  claims: WorkerClaims;
  logger: Logger;
  /** The worker's count of deliveries whose processing failed unexpectedly. */
  failures: { processing: number };
  /** Called each time a delivery has finished, whatever its outcome. */
  onFinished: () => void;
}

/**
 * Hands claimed deliveries to the sender, at most `concurrency` at once, and knows which are in
 * flight. A failure is counted and logged, never thrown: the claim is released, or — when the
 * database went away — kept to be taken up again.
 */
export class DeliveryDispatch {
  readonly #o: DeliveryDispatchOptions;
  readonly #limit: ReturnType<typeof pLimit>;
  /** Deliveries being processed (or waiting for a concurrency slot). */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: DeliveryDispatchOptions) {
    this.#o = options;
    this.#limit = pLimit(options.concurrency);
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Processes one claimed delivery within the concurrency limit; never rejects. */
  dispatch(d: ClaimedDelivery): Promise<void> {
    const { sender, claims, failures, logger } = this.#o;
    const done = this.#limit(() =>
      sender.process(d).catch((error: unknown) => {
        failures.processing++;
        logger.error({ err: error, deliveryId: d.id }, 'delivery processing failed');
        // Any failure but the database's could not even be recorded: the claim stays until its lease
        // runs out, then any worker takes it up (a `sending` one is reconciled first).
        if (isDatabaseUnavailable(error)) claims.interrupt(d.id);
      }),
    ).finally(() => {
      claims.release(d.id);
      this.#inFlight.delete(done);
      this.#o.onFinished();
    });
    this.#inFlight.add(done);
    return done;
  }

  /** Resolves once every delivery in flight now has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.#inFlight);
  }
}
