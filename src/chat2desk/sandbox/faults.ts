import { type FaultOptions, validateFaultOptions } from './options.js';

export type FaultKind = 'none' | 'drop' | 'hang' | 'serverError' | 'rateLimit';

export interface FaultDecision {
  kind: FaultKind;
  /** For serverError: 500, 502 or 503. */
  httpStatus: number;
  latencyMs: number;
  /** POST /v1/messages only: process it, then drop the connection instead of answering. */
  acceptThenDrop: boolean;
}

const NO_FAULT: FaultDecision = { kind: 'none', httpStatus: 0, latencyMs: 0, acceptThenDrop: false };
const SERVER_ERROR_STATUSES = [500, 502, 503] as const;
const DEFAULT_SEED = 0x5eed;

/** Decides, per API request, which fault (if any) it meets; seeded, so a run can be replayed. */
export class FaultInjector {
  #options: FaultOptions = {};
  #random: () => number = mulberry32(DEFAULT_SEED);

  constructor(options: FaultOptions = {}) {
    this.set(options);
  }

  /** Replaces every fault option and restarts the PRNG from the seed. */
  set(options: FaultOptions): void {
    this.#options = validateFaultOptions(options);
    this.#random = mulberry32(this.#options.seed ?? DEFAULT_SEED);
  }

  get options(): FaultOptions {
    return { ...this.#options };
  }

  decide(isMessagePost: boolean): FaultDecision {
    const o = this.#options;
    const latencyMs = o.latencyMs ?? 0;
    if (this.#hits(o.dropConnectionRate)) return { ...NO_FAULT, kind: 'drop' };
    if (this.#hits(o.hangRate)) return { ...NO_FAULT, kind: 'hang' };
    if (this.#hits(o.serverErrorRate)) {
      const httpStatus = SERVER_ERROR_STATUSES[Math.floor(this.#random() * SERVER_ERROR_STATUSES.length)]!;
      return { kind: 'serverError', httpStatus, latencyMs, acceptThenDrop: false };
    }
    if (this.#hits(o.rateLimitRate))
      return { kind: 'rateLimit', httpStatus: 429, latencyMs, acceptThenDrop: false };
    const acceptThenDrop = isMessagePost && this.#hits(o.acceptThenDropRate);
    if (latencyMs === 0 && !acceptThenDrop) return NO_FAULT;
    return { kind: 'none', httpStatus: 0, latencyMs, acceptThenDrop };
  }

  /** A rate of 0 draws nothing, so enabling one fault does not shift the others' sequence needlessly. */
  #hits(rate: number | undefined): boolean {
    if (!rate) return false;
    return this.#random() < rate;
  }
}

/** Small, fast, deterministic 32-bit PRNG; plenty for picking faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
