import { afterEach, describe, expect, it, vi } from 'vitest';
import { Chat2DeskAuthError, Chat2DeskError } from '../../src/chat2desk/errors.js';
import { retryWhileTransient } from '../../src/roles/retryWhileTransient.js';

const serverError = () =>
  new Chat2DeskError(
    'chat2desk_server',
    'Chat2Desk answered 503',
    { endpoint: 'GET /v1/companies/api_info' },
    true,
  );

/** A call that fails with `failures` in turn, then answers `ok`; counts its calls. */
function flaky(failures: unknown[]) {
  const call = async () => {
    call.calls++;
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
    return 'ok';
  };
  call.calls = 0;
  return call;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('retryWhileTransient', () => {
  it('answers what the call answers, without a retry', async () => {
    const retries: number[] = [];
    const call = flaky([]);
    expect(await retryWhileTransient(call, (_, attempt) => retries.push(attempt))).toBe('ok');
    expect([call.calls, retries]).toEqual([1, []]);
  });

  it('tries again after a retryable Chat2Desk error, telling onRetry the error and the attempt', async () => {
    const failure = serverError();
    const retries: Array<[unknown, number]> = [];
    const call = flaky([failure]);

    expect(await retryWhileTransient(call, (error, attempt) => retries.push([error, attempt]))).toBe('ok');

    expect(call.calls).toBe(2);
    expect(retries).toEqual([[failure, 1]]);
  });

  it('lets a Chat2Desk error that is no passing one through at once (a wrong token)', async () => {
    const failure = new Chat2DeskAuthError('You need to auth', {
      endpoint: 'GET /v1/companies/api_info',
      httpStatus: 401,
    });
    const call = flaky([failure]);
    const retries: number[] = [];

    await expect(retryWhileTransient(call, (_, attempt) => retries.push(attempt))).rejects.toBe(failure);
    expect([call.calls, retries]).toEqual([1, []]);
  });

  it('lets any other error through at once', async () => {
    const failure = new TypeError('a bug, not a network');
    const call = flaky([failure]);
    await expect(retryWhileTransient(call, () => {})).rejects.toBe(failure);
    expect(call.calls).toBe(1);
  });

  it('gives up after six attempts with the last error, having retried five times', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const failures = Array.from({ length: 6 }, serverError);
    const call = flaky([...failures]);
    const retries: number[] = [];

    const outcome = retryWhileTransient(call, (_, attempt) => retries.push(attempt)).catch(
      (error: unknown) => error,
    );
    await vi.runAllTimersAsync();

    expect(await outcome).toBe(failures[5]);
    expect(call.calls).toBe(6);
    expect(retries).toEqual([1, 2, 3, 4, 5]);
  });
});
