import { Chat2DeskError } from '../chat2desk/errors.js';
import { retryDelayMs } from '../delivery/backoff.js';

const START_UP_ATTEMPTS = 6;

/**
 * A start-up call to Chat2Desk that a passing 5xx, 429 or network error must not turn into a failed
 * start: tried again with back-off (about 30 s in all) before the error is let through.
 */
export async function retryWhileTransient<T>(
  call: () => Promise<T>,
  onRetry: (error: unknown, attempt: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof Chat2DeskError && error.retryable) || attempt >= START_UP_ATTEMPTS) throw error;
      onRetry(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
    }
  }
}
