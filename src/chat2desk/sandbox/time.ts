/** Timestamps in REST answers look like "2016-01-11T19:45:05 UTC" (manual v1.08). */
export function formatApiTime(at: Date): string {
  return at.toISOString().slice(0, 19) + ' UTC';
}

export function formatApiTimeOrNull(at: Date | null): string | null {
  return at === null ? null : formatApiTime(at);
}

/** A whole UTC day given as "dd-mm-yyyy", as the API's start_date/finish_date; null when malformed. */
export function parseApiDay(value: string): { startMs: number; endMs: number } | null {
  const match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(value);
  if (!match) return null;
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
  const check = new Date(0);
  check.setUTCFullYear(year, month - 1, day);
  const startMs = check.getTime();
  if (check.getUTCFullYear() !== year || check.getUTCDate() !== day || check.getUTCMonth() !== month - 1)
    return null;
  return { startMs, endMs: startMs + 86_400_000 };
}

/** Real (wall) time in ms, monotonic: rate limits and the request log are measured on it, not the business clock. */
export function realNowMs(): number {
  return performance.timeOrigin + performance.now();
}
