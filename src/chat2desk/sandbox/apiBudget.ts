/** Requests in the current fixed one-second window of real time; refused requests count too. */
export class RequestRateLimiter {
  #windowSecond = -1;
  #count = 0;

  /** false when this request is over the limit (0 = no limit). */
  tryAcquire(limitPerSecond: number, realMs: number): boolean {
    const second = Math.floor(realMs / 1000);
    if (second !== this.#windowSecond) {
      this.#windowSecond = second;
      this.#count = 0;
    }
    this.#count++;
    return limitPerSecond <= 0 || this.#count <= limitPerSecond;
  }

  reset(): void {
    this.#windowSecond = -1;
    this.#count = 0;
  }
}

/** API requests in the current calendar month (UTC) of the business clock, as api_info reports them. */
export class MonthlyRequestCounter {
  #month = -1;
  #count = 0;

  /** Counts one request and returns the month's total including it. */
  count(businessMs: number): number {
    this.#roll(businessMs);
    return ++this.#count;
  }

  current(businessMs: number): number {
    this.#roll(businessMs);
    return this.#count;
  }

  reset(): void {
    this.#month = -1;
    this.#count = 0;
  }

  #roll(businessMs: number): void {
    const at = new Date(businessMs);
    const month = at.getUTCFullYear() * 12 + at.getUTCMonth();
    if (month !== this.#month) {
      this.#month = month;
      this.#count = 0;
    }
  }
}
