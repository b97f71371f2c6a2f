/** Attempts a delivery gets for transient failures (429, 5xx, network) before it fails for good. */
export const MAX_SEND_ATTEMPTS = 6;

/**
 * Exponential back-off with full jitter around the middle: 1 s, 2 s, 4 s … capped at 5 minutes, each
 * spread ±25 % so a crowd of retries does not come back in the same instant.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempt - 1), 300_000);
  return Math.round(base * (0.75 + random() * 0.5));
}
