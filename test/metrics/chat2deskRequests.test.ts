import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { chat2deskRequestObserver } from '../../src/metrics/chat2deskRequests.js';

/** The samples of the exposition whose line starts with `prefix`. */
async function samples(registry: Registry, prefix: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line.startsWith(prefix));
}

const SEND = 'POST /v1/messages';
const INFO = 'GET /v1/companies/api_info';

describe('chat2deskRequestObserver', () => {
  it('counts requests by endpoint and outcome', async () => {
    const registry = new Registry();
    const observe = chat2deskRequestObserver(registry);

    observe(SEND, 'ok', 100);
    observe(SEND, 'ok', 100);
    observe(SEND, 'rate_limited', 100);
    observe(INFO, 'timeout', 100);

    expect(await samples(registry, 'broadcaster_chat2desk_requests_total')).toEqual([
      `broadcaster_chat2desk_requests_total{endpoint="${SEND}",outcome="ok"} 2`,
      `broadcaster_chat2desk_requests_total{endpoint="${SEND}",outcome="rate_limited"} 1`,
      `broadcaster_chat2desk_requests_total{endpoint="${INFO}",outcome="timeout"} 1`,
    ]);
  });

  it('times requests in seconds, by endpoint only', async () => {
    const registry = new Registry();
    const observe = chat2deskRequestObserver(registry);

    observe(SEND, 'ok', 300);
    observe(SEND, 'server_error', 1200);

    const lines = await samples(registry, 'broadcaster_chat2desk_request_duration_seconds');
    expect(lines).toContain(
      `broadcaster_chat2desk_request_duration_seconds_bucket{le="0.25",endpoint="${SEND}"} 0`,
    );
    expect(lines).toContain(
      `broadcaster_chat2desk_request_duration_seconds_bucket{le="0.5",endpoint="${SEND}"} 1`,
    );
    expect(lines).toContain(
      `broadcaster_chat2desk_request_duration_seconds_bucket{le="2.5",endpoint="${SEND}"} 2`,
    );
    expect(lines).toContain(`broadcaster_chat2desk_request_duration_seconds_sum{endpoint="${SEND}"} 1.5`);
    expect(lines).toContain(`broadcaster_chat2desk_request_duration_seconds_count{endpoint="${SEND}"} 2`);
    expect(lines.some((line) => line.includes('outcome='))).toBe(false);
  });

  it('puts a request slower than the last bucket (15 s) only in +Inf', async () => {
    const registry = new Registry();
    chat2deskRequestObserver(registry)(SEND, 'timeout', 20_000);

    const lines = await samples(registry, 'broadcaster_chat2desk_request_duration_seconds_bucket');
    expect(lines).toContain(
      `broadcaster_chat2desk_request_duration_seconds_bucket{le="15",endpoint="${SEND}"} 0`,
    );
    expect(lines).toContain(
      `broadcaster_chat2desk_request_duration_seconds_bucket{le="+Inf",endpoint="${SEND}"} 1`,
    );
  });

  it('lets two observers of one registry count into the same series', async () => {
    const registry = new Registry();
    const first = chat2deskRequestObserver(registry);
    const second = chat2deskRequestObserver(registry);

    first(INFO, 'ok', 50);
    second(INFO, 'ok', 50);

    expect(await samples(registry, 'broadcaster_chat2desk_requests_total')).toEqual([
      `broadcaster_chat2desk_requests_total{endpoint="${INFO}",outcome="ok"} 2`,
    ]);
  });

  it('exposes nothing but the declarations before the first request', async () => {
    const registry = new Registry();
    chat2deskRequestObserver(registry);

    const text = await registry.metrics();
    expect(text).toContain('# TYPE broadcaster_chat2desk_requests_total counter');
    expect(text).toContain('# TYPE broadcaster_chat2desk_request_duration_seconds histogram');
    expect(await samples(registry, 'broadcaster_chat2desk_requests_total')).toEqual([]);
  });
});
