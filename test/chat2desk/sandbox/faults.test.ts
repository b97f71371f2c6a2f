import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultOptions, type Sandbox, startSandbox } from '../../../src/chat2desk/sandbox/index.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, asserted field by field
type Json = any;

let sb: Sandbox;
afterEach(async () => {
  await sb.close();
});

async function api(method: string, path: string, body?: unknown, timeoutMs?: number) {
  const res = await request(`${sb.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: sb.token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: timeoutMs,
  });
  return { status: res.statusCode, body: (await res.body.json()) as Json };
}

/** A client the sandbox may message at once (SMS: no WhatsApp delay). */
async function smsClient(): Promise<number> {
  sb.setFaults({});
  const res = await api('POST', '/v1/clients?phone=79310001122&transport=sms');
  return res.body.data.id;
}

describe('fault injection', () => {
  it('answers 500, 502 or 503 with an error envelope, before doing anything', async () => {
    sb = await startSandbox();
    const clientId = await smsClient();
    sb.setFaults({ serverErrorRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const res = await api('POST', '/v1/messages', { client_id: clientId, text: 'x' });
      statuses.add(res.status);
      expect(res.body.status).toBe('error');
    }
    expect([...statuses].every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(sb.state.messages).toHaveLength(0);
  });

  it('answers a spurious 429 with the rate-limit message', async () => {
    sb = await startSandbox({ faults: { rateLimitRate: 1 } });
    const res = await api('GET', '/v1/companies/api_info');
    expect(res).toEqual({
      status: 429,
      body: { status: 'error', message: 'Number of API requests exceeded' },
    });
  });

  it('drops the connection without answering and without storing anything', async () => {
    sb = await startSandbox();
    const clientId = await smsClient();
    sb.setFaults({ dropConnectionRate: 1 });
    await expect(api('POST', '/v1/messages', { client_id: clientId, text: 'x' })).rejects.toThrow();
    expect(sb.state.messages).toHaveLength(0);
    const last = sb.state.requests.entry(sb.state.requestCount - 1);
    expect(last).toMatchObject({ method: 'POST', path: '/v1/messages', status: 0 });
  });

  it('stores and sends a message, then drops the connection (the ambiguous case)', async () => {
    sb = await startSandbox();
    const clientId = await smsClient();
    sb.setFaults({ acceptThenDropRate: 1 });
    await expect(api('POST', '/v1/messages', { client_id: clientId, text: 'sent?' })).rejects.toThrow();
    const [message] = sb.state.messagesTo(clientId);
    expect(message!.text).toBe('sent?');
    expect(message!.sentAt).not.toBeNull();
    // Only message posts are affected.
    expect((await api('GET', `/v1/messages?client_id=${clientId}`)).body.data).toHaveLength(1);
  });

  it('never answers a hung request, and close() still ends', async () => {
    sb = await startSandbox({ faults: { hangRate: 1 } });
    await expect(api('GET', '/v1/companies/api_info', undefined, 300)).rejects.toThrow(/timeout/i);
    expect(sb.state.requests.entry(0)?.status).toBe(0);
  });

  it('adds latency to answers', async () => {
    sb = await startSandbox({ faults: { latencyMs: 60_000 } });
    await expect(api('GET', '/v1/companies/api_info', undefined, 300)).rejects.toThrow(/timeout/i);
    sb.setFaults({ latencyMs: 1 });
    expect((await api('GET', '/v1/companies/api_info', undefined, 30_000)).status).toBe(200);
  });

  it('picks faults from a seeded PRNG, so the same seed gives the same sequence', async () => {
    const faults: FaultOptions = { seed: 42, serverErrorRate: 0.3, rateLimitRate: 0.3 };
    const run = async () => {
      sb = await startSandbox({ faults });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await api('GET', '/v1/help/roles')).status);
      await sb.close();
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
    sb = await startSandbox();
  });

  it('leaves control endpoints alone', async () => {
    sb = await startSandbox({ faults: { serverErrorRate: 1, dropConnectionRate: 1 } });
    const res = await api('GET', '/sandbox/stats');
    expect(res.status).toBe(200);
    expect(res.body.data.requestCount).toBe(0);
  });
});
