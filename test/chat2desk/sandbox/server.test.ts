import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../../src/chat2desk/sandbox/index.js';
import { api, recordingPlainLogger, sandboxMessageInit } from '../../support/sandboxApi.js';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sb = await startSandbox(options);
  return sb;
}

describe('the API front', () => {
  it('routes a path with a trailing slash and logs the path without its query string', async () => {
    const sandbox = await start();
    const res = await api(sandbox, 'GET', '/v1/help/roles/?limit=5');
    expect(res.status).toBe(200);
    expect(sandbox.state.requests.entry(0)).toMatchObject({
      method: 'GET',
      path: '/v1/help/roles/',
      route: 'GET /v1/help/roles',
      status: 200,
    });
  });

  it('answers an error naming the field in `errors`, without the field in the problem', async () => {
    const sandbox = await start();
    const res = await api(sandbox, 'GET', '/v1/clients?limit=ten');
    expect(res).toEqual({
      status: 400,
      body: {
        status: 'error',
        message: 'limit: must be a non-negative integer',
        errors: { limit: ['must be a non-negative integer'] },
      },
    });
  });

  it('checks the token before the API mode, and the mode before the route', async () => {
    const sandbox = await start({ mode: 'disabled' });
    const wrongToken = await api(sandbox, 'GET', '/v1/no-such-page', undefined, 'wrong');
    expect(wrongToken.status).toBe(401);
    const disabled = await api(sandbox, 'GET', '/v1/no-such-page');
    expect(disabled).toEqual({ status: 403, body: { status: 'error', message: 'API disabled' } });
    expect(sandbox.state.requests.entries().map((e) => e.status)).toEqual([401, 403]);
  });

  it('turns an unexpected handler failure into a 500 and logs the route', async () => {
    const { logger, lines } = recordingPlainLogger();
    const sandbox = await start({ logger });
    // A message whose client is unknown: the assign handler meets what cannot happen through the API.
    const orphan = sandbox.state.addMessage(
      sandboxMessageInit({
        clientId: 9999,
        type: 'from_client',
        text: 'x',
        transport: 'sms',
        acceptedAt: sandbox.clock.now(),
      }),
    );
    const res = await api(sandbox, 'POST', `/v1/messages/${orphan.id}/assign`, { operator_id: 1 });
    expect(res).toEqual({ status: 500, body: { status: 'error', message: 'Internal server error' } });
    const failure = lines.find((l) => l['msg'] === 'sandbox handler failed');
    expect(failure?.['route']).toBe('POST /v1/messages/:id/assign');
    expect(sandbox.state.requests.entry(0)?.status).toBe(500);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const sandbox = await start();
    const res = await request(`${sandbox.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: sandbox.token, 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 1, text: 'x'.repeat(1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(await res.body.json()).toEqual({ status: 'error', message: 'Request body too large' });
  });

  it('ends a request still waiting out its latency when the sandbox closes', async () => {
    const sandbox = await start({ faults: { latencyMs: 600_000 } });
    const pending = api(sandbox, 'GET', '/v1/help/roles');
    while (sandbox.state.requestCount === 0) await new Promise((resolve) => setImmediate(resolve));
    await sandbox.close();
    await expect(pending).rejects.toThrow();
    expect(sandbox.state.requests.entry(0)?.status).toBe(0);
  });
});

describe('the control front', () => {
  it('answers unknown control paths 404 after the token check, without counting them', async () => {
    const sandbox = await start();
    expect((await api(sandbox, 'GET', '/sandbox', undefined, 'wrong')).status).toBe(401);
    for (const path of ['/sandbox', '/sandbox/nothing', '/sandbox/state/']) {
      const res = await api(sandbox, 'POST', path);
      expect(res).toEqual({ status: 404, body: { status: 'error', message: 'Page not found' } });
    }
    expect(sandbox.state.requestCount).toBe(0);
  });

  it('takes a path that only begins like /sandbox as an API request', async () => {
    const sandbox = await start();
    const res = await api(sandbox, 'GET', '/sandboxes');
    expect(res.status).toBe(404);
    expect(sandbox.state.requests.routeCounts()).toEqual({ 'GET /sandboxes': 1 });
  });

  it('answers a bad sandbox option 400 naming the field', async () => {
    const sandbox = await start();
    const res = await api(sandbox, 'POST', '/sandbox/options', { requestsPerSecond: -1 });
    expect(res.status).toBe(400);
    expect(res.body.status).toBe('error');
    expect(res.body.message).toMatch(/^requestsPerSecond: /);
    expect(Object.keys(res.body.errors)).toEqual(['requestsPerSecond']);
  });
});
