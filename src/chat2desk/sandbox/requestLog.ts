export interface RequestLogEntry {
  method: string;
  path: string;
  /** The path with numeric segments as ":id", e.g. "GET /v1/messages/:id". */
  route: string;
  /** HTTP status answered; 0 = no answer (dropped, hung, or still in flight). */
  status: number;
  businessTime: Date;
  /** Real time of arrival, ms since the epoch (monotonic within the process). */
  realTimeMs: number;
}

/**
 * Every API request, kept column-wise (parallel arrays, no object per request) so a benchmark's
 * hundreds of thousands of requests stay cheap; the busiest second is maintained as requests arrive.
 */
export class RequestLog {
  #methods: string[] = [];
  #paths: string[] = [];
  #routes: string[] = [];
  #statuses: number[] = [];
  #businessMs: number[] = [];
  #realMs: number[] = [];
  #routeCounts = new Map<string, number>();
  #windowStart = 0;
  #busiest = 0;

  /** Records an arriving request and returns its index, for finish(). */
  begin(method: string, path: string, route: string, businessMs: number, realMs: number): number {
    const index = this.#realMs.length;
    this.#methods.push(method);
    this.#paths.push(path);
    this.#routes.push(route);
    this.#statuses.push(0);
    this.#businessMs.push(businessMs);
    this.#realMs.push(realMs);
    this.#routeCounts.set(route, (this.#routeCounts.get(route) ?? 0) + 1);
    // Arrivals are appended in real-time order, so a two-pointer window gives the busiest second in O(1).
    while (this.#realMs[this.#windowStart]! <= realMs - 1000) this.#windowStart++;
    this.#busiest = Math.max(this.#busiest, index + 1 - this.#windowStart);
    return index;
  }

  finish(index: number, status: number): void {
    this.#statuses[index] = status;
  }

  get length(): number {
    return this.#realMs.length;
  }

  /** Most requests (answered, refused or dropped) in any sliding real-time window of 1000 ms. */
  busiestSecond(): number {
    return this.#busiest;
  }

  entry(index: number): RequestLogEntry | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return {
      method: this.#methods[index]!,
      path: this.#paths[index]!,
      route: this.#routes[index]!,
      status: this.#statuses[index]!,
      businessTime: new Date(this.#businessMs[index]!),
      realTimeMs: this.#realMs[index]!,
    };
  }

  entries(): RequestLogEntry[] {
    const out: RequestLogEntry[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.entry(i)!);
    return out;
  }

  /** Real arrival times, in order: for callers computing their own windows. */
  realTimes(): readonly number[] {
    return this.#realMs;
  }

  routeCounts(): Record<string, number> {
    return Object.fromEntries(this.#routeCounts);
  }

  statusCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const status of this.#statuses) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  clear(): void {
    this.#methods = [];
    this.#paths = [];
    this.#routes = [];
    this.#statuses = [];
    this.#businessMs = [];
    this.#realMs = [];
    this.#routeCounts.clear();
    this.#windowStart = 0;
    this.#busiest = 0;
  }
}
