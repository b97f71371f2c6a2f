import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';

/** What the queue runs: `dueAt` is when it was due, which may be well before now after a clock jump. */
export type DueTask = (dueAt: Date) => void | Promise<void>;

interface Entry {
  at: number;
  seq: number;
  kind: string;
  run: DueTask;
}

/** Real time between looks at the queue: the sandbox clock may move by itself (system time) or by hand. */
const LOOK_EVERY_MS = 250;

/**
 * Work due at instants of the sandbox clock (web hook retries, a message's status changes): run in
 * due order by runDue(), which control endpoints call after moving the clock, and which also runs on
 * a short real-time interval, so moving the clock by hand or letting it run makes the due work happen
 * — never real timers as long as the delay. One pass at a time; a pass asked for during another runs
 * right after it.
 */
export class ClockQueue {
  readonly #clock: Clock;
  readonly #logger: Logger;
  #entries: Entry[] = [];
  #seq = 0;
  #pass: Promise<void> | undefined;
  #again = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
    this.#timer = setInterval(() => {
      if (this.#entries.length > 0) void this.runDue();
    }, LOOK_EVERY_MS);
    this.#timer.unref?.();
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Runs `run` once the clock reaches `at`; `kind` lets a group be dropped (dropKind). */
  at(at: Date | number, kind: string, run: DueTask): void {
    if (this.#closed) return;
    const entry: Entry = { at: new Date(at).getTime(), seq: this.#seq++, kind, run };
    // Binary search for the first entry due later (ties keep their order).
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#entries[mid]!.at <= entry.at) lo = mid + 1;
      else hi = mid;
    }
    this.#entries.splice(lo, 0, entry);
  }

  dropKind(kind: string): void {
    this.#entries = this.#entries.filter((e) => e.kind !== kind);
  }

  /** Runs everything due by now (and what that schedules for by now); resolves when done. */
  runDue(): Promise<void> {
    if (this.#pass) {
      this.#again = true;
      return this.#pass;
    }
    this.#pass = (async () => {
      do {
        this.#again = false;
        await this.#drain();
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#pass = undefined;
    });
    return this.#pass;
  }

  /** Stops looking; the pass under way finishes (its deliveries are aborted by their dispatcher). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#entries = [];
    await this.#pass;
  }

  async #drain(): Promise<void> {
    while (!this.#closed) {
      const next = this.#entries[0];
      if (!next || next.at > this.#clock.now().getTime()) return;
      this.#entries.shift();
      try {
        await next.run(new Date(next.at));
      } catch (error) {
        this.#logger.error({ err: error, kind: next.kind }, 'sandbox scheduled work failed');
      }
    }
  }
}
