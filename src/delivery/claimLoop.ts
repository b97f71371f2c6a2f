import { DELIVERIES_CHANNEL } from '../db/channels.js';
import type { Sql } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { DeliveryDispatch } from './deliveryDispatch.js';
import type { WorkerClaims } from './workerClaims.js';

export interface ClaimLoopOptions {
  sql: Sql;
  /** Deliveries held at most: claims are topped up to this. */
  batchSize: number;
  /** Real-time pause between polls when idle (a NOTIFY wakes the loop sooner). */
  idlePollMs: number;
  claims: WorkerClaims;
  dispatch: DeliveryDispatch;
  logger: Logger;
  /** The worker's count of failed rounds of claims. */
  failures: { claim: number };
}

/**
 * A running worker's loop, a pipeline: it claims more as soon as half a batch has finished, instead of
 * waiting for a round's slowest delivery, and sleeps (until a NOTIFY, a finished delivery or the poll
 * interval) when nothing is due.
 */
export class ClaimLoop {
  readonly #o: ClaimLoopOptions;
  #running = false;
  #wake: (() => void) | undefined;
  #wakeOnFinish = false;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(options: ClaimLoopOptions) {
    this.#o = options;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Runs until halt(); resolves when the loop has left off (deliveries may still be in flight). */
  async run(): Promise<void> {
    this.#running = true;
    await this.#listen();
    const { batchSize, dispatch } = this.#o;
    while (this.#running) {
      const room = batchSize - dispatch.inFlight;
      if (room < Math.ceil(batchSize / 2)) {
        await this.#waitForFinishes();
        continue;
      }
      const claimed = await this.#claimRound(room);
      // Nothing due (or the database failed): until a NOTIFY or the poll interval.
      if (claimed === 0 && this.#running) await this.#pause();
    }
  }

  halt(): void {
    this.#running = false;
    this.#wake?.();
  }

  /** Tells the loop a delivery finished: it wakes if it was waiting for room. */
  deliveryFinished(): void {
    if (this.#wakeOnFinish) this.#wake?.();
  }

  /** Stops listening for NOTIFY; after run() has resolved. */
  async unlisten(): Promise<void> {
    await this.#unlisten?.();
  }

  async #listen(): Promise<void> {
    try {
      const listener = await this.#o.sql.listen(DELIVERIES_CHANNEL, () => this.#wake?.());
      this.#unlisten = () => listener.unlisten();
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'LISTEN failed; polling only');
    }
  }

  /** Claims up to `room` deliveries and sets them going; how many, 0 when the claim failed. */
  async #claimRound(room: number): Promise<number> {
    try {
      const deliveries = await this.#o.claims.claim(room);
      for (const d of deliveries) void this.#o.dispatch.dispatch(d);
      return deliveries.length;
    } catch (error) {
      this.#o.failures.claim++;
      this.#o.logger.error({ err: error }, 'delivery round failed');
      return 0;
    }
  }

  /** Enough in hand: waits for deliveries to finish (or the poll interval) before claiming more. */
  async #waitForFinishes(): Promise<void> {
    this.#wakeOnFinish = true;
    await this.#pause();
    this.#wakeOnFinish = false;
  }

  /** Until woken (a NOTIFY, halt(), or a finished delivery when asked) or the poll interval has passed. */
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
