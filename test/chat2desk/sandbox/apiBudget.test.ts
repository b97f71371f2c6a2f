import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../../src/clock.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, asserted field by field
type Json = any;

let sb: Sandbox;
afterEach(async () => {
  await sb.close();
});

async function api(method: string, path: string, token = sb.token) {
  const res = await request(`${sb.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: token },
  });
  return { status: res.statusCode, body: (await res.body.json()) as Json };
}

describe('the monthly quota', () => {
  it('counts every request, reads and errors included, and refuses once the quota is spent', async () => {
    sb = await startSandbox({ mode: 'demo', monthlyQuota: 4 });
    await api('GET', '/v1/clients');
    await api('GET', '/v1/no-such-page');
    await api('GET', '/v1/messages?limit=x');
    const info = await api('GET', '/v1/companies/api_info');
    expect(info.body.data).toMatchObject({ mode: 'demo', requests_this_month: 4 });
    const over = await api('GET', '/v1/companies/api_info');
    expect(over.status).toBe(403);
    expect(over.body).toEqual({ status: 'error', message: 'API calls exceeded API limit per month' });
    expect(sb.state.requestsThisMonth()).toBe(5);
  });

  it('gives demo mode 1000 requests a month', async () => {
    sb = await startSandbox({ mode: 'demo' });
    for (let i = 0; i < 999; i++) expect((await api('GET', '/v1/help/roles')).status).toBe(200);
    expect((await api('GET', '/v1/companies/api_info')).body.data.requests_this_month).toBe(1000);
    expect((await api('GET', '/v1/companies/api_info')).status).toBe(403);
  });

  it('does not count requests with a wrong token', async () => {
    sb = await startSandbox({ monthlyQuota: 2 });
    await api('GET', '/v1/clients', 'wrong');
    await api('GET', '/v1/clients', 'wrong');
    expect((await api('GET', '/v1/companies/api_info')).body.data.requests_this_month).toBe(1);
    expect(sb.state.requestCount).toBe(3);
  });

  it('starts afresh in the next month of the business clock', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 23, 0));
    sb = await startSandbox({ clock, monthlyQuota: 1 });
    expect((await api('GET', '/v1/clients')).status).toBe(200);
    expect((await api('GET', '/v1/clients')).status).toBe(403);
    clock.set(Date.UTC(2026, 1, 1, 0, 0));
    expect((await api('GET', '/v1/companies/api_info')).body.data.requests_this_month).toBe(1);
  });

  it('refuses every call in disabled mode, and the quota can change while running', async () => {
    sb = await startSandbox({ mode: 'disabled' });
    const res = await api('GET', '/v1/companies/api_info');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ status: 'error', message: 'API disabled' });
    sb.setOptions({ mode: 'normal', monthlyQuota: 2 });
    expect((await api('GET', '/v1/companies/api_info')).body.data).toMatchObject({ mode: 'normal' });
    expect((await api('GET', '/v1/companies/api_info')).status).toBe(403);
    sb.setOptions({ monthlyQuota: undefined });
    expect((await api('GET', '/v1/companies/api_info')).status).toBe(200);
  });
});

describe('the request-rate limit', () => {
  async function burst(n: number) {
    return Promise.all(Array.from({ length: n }, () => api('GET', '/v1/help/roles')));
  }

  it('answers 429 "Number of API requests exceeded" beyond the limit in each second of real time', async () => {
    const limit = 3;
    sb = await startSandbox({ requestsPerSecond: limit });
    const answers = await burst(12);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused)
      expect(a.body).toEqual({ status: 'error', message: 'Number of API requests exceeded' });
    // Per one-second window of arrival, exactly the first `limit` requests pass.
    const perSecond = new Map<number, number[]>();
    for (const entry of sb.state.requests.entries()) {
      const second = Math.floor(entry.realTimeMs / 1000);
      perSecond.set(second, [...(perSecond.get(second) ?? []), entry.status]);
    }
    for (const statuses of perSecond.values()) {
      expect(statuses.filter((s) => s === 200)).toHaveLength(Math.min(limit, statuses.length));
    }
  });

  it('has no limit by default', async () => {
    sb = await startSandbox();
    const answers = await burst(50);
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });

  it('reports the busiest second and counts refused requests in it', async () => {
    sb = await startSandbox({ requestsPerSecond: 2 });
    const answers = await burst(10);
    expect(answers.some((a) => a.status === 429)).toBe(true);
    const times = sb.state.requests.entries().map((e) => e.realTimeMs);
    const bruteForce = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(sb.state.requestsInBusiestSecond()).toBe(bruteForce);
    expect(sb.state.requestCount).toBe(10);
  });
});

describe('legacy errors with HTTP 200', () => {
  it('answers error envelopes with HTTP 200 when so configured', async () => {
    const options: SandboxOptions = { legacyErrorsWithHttp200: true, monthlyQuota: 100 };
    sb = await startSandbox(options);
    const auth = await api('GET', '/v1/clients', 'wrong');
    expect(auth).toEqual({ status: 200, body: { status: 'error', message: 'You need to auth' } });
    const missing = await api('GET', '/v1/nothing');
    expect(missing).toEqual({ status: 200, body: { status: 'error', message: 'Page not found' } });
    sb.setOptions({ legacyErrorsWithHttp200: false });
    expect((await api('GET', '/v1/nothing')).status).toBe(404);
  });
});
