import type { Clock } from '../../clock.js';

/** A clock that can be moved by hand: set() and advance(). Control endpoints need one of these. */
export interface AdjustableClock extends Clock {
  advance(ms: number): void;
  set(to: Date | string | number): void;
}

export function isAdjustableClock(clock: Clock): clock is AdjustableClock {
  const candidate = clock as Partial<AdjustableClock>;
  return typeof candidate.advance === 'function' && typeof candidate.set === 'function';
}

/**
 * The sandbox's default business clock: system time plus an offset, so a separate process (the crash
 * suite, a user's dry run) can skip the seven-minute WhatsApp delay without waiting for it.
 */
export class ShiftableClock implements AdjustableClock {
  #offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }

  set(to: Date | string | number): void {
    this.#offsetMs = new Date(to).getTime() - Date.now();
  }
}
