import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../../../src/clock.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, asserted field by field
type Json = any;

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox({ port: 0 });
});
afterEach(async () => {
  await sb.close();
});

async function call(method: string, path: string, body?: unknown, token = sb.token) {
  const res = await request(`${sb.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Json };
}

/** A web hook receiver: answers with the given statuses in turn (then 200), records what it got. */
async function hookReceiver(statuses: number[] = []) {
  const received: Array<{ path: string; body: Json }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/secret-123`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the web hook', () => {
  it('is set through the API, shown in api_info, and receives a client reply', async () => {
    const hook = await hookReceiver();
    try {
      expect((await call('POST', '/v1/companies/web_hook', { url: hook.url })).status).toBe(200);
      expect((await call('GET', '/v1/companies/api_info')).body.data.hook).toBe(hook.url);
      const created = await call('POST', '/v1/clients?phone=79310001122&transport=whatsapp');
      const clientId = created.body.data.id;
      const message = await sb.clientReply(clientId, 'STOP');
      expect(hook.received).toHaveLength(1);
      const { path, body } = hook.received[0]!;
      expect(path).toBe('/hooks/secret-123');
      expect(body).toMatchObject({
        id: message.id,
        text: 'STOP',
        type: 'from_client',
        transport: 'whatsapp',
        client_id: clientId,
        read: false,
        created: expect.stringMatching(/ UTC$/),
        client: { id: clientId, phone: '79310001122', name: null },
      });
      expect(new Date(body.event_time).toISOString()).toBe(body.event_time);
      const listed = await call('GET', `/v1/messages?client_id=${clientId}&type=from_client`);
      expect(listed.body.data.map((m: Json) => m.text)).toEqual(['STOP']);
    } finally {
      await hook.close();
    }
  });

  it('is removed with null', async () => {
    const hook = await hookReceiver();
    try {
      await call('POST', '/v1/companies/web_hook', { url: hook.url });
      await call('POST', '/v1/companies/web_hook', { url: null });
      expect((await call('GET', '/v1/companies/api_info')).body.data.hook).toBeNull();
      await sb.clientReply('79310001122', 'hello');
      expect(hook.received).toHaveLength(0);
      const bad = await call('POST', '/v1/companies/web_hook', { url: 'not a url' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/^url: /);
    } finally {
      await hook.close();
    }
  });

  it('retries a failed delivery and survives an unreachable URL', async () => {
    const hook = await hookReceiver([500]);
    try {
      await call('POST', '/v1/companies/web_hook', { url: hook.url });
      await sb.clientReply('79310001122', 'first');
      expect(hook.received.map((r) => r.body.text)).toEqual(['first', 'first']);
    } finally {
      await hook.close();
    }
    await call('POST', '/v1/companies/web_hook', { url: hook.url });
    const message = await sb.clientReply('79310001122', 'nobody listens');
    expect(message.text).toBe('nobody listens');
  });

  it('makes a new phone a new client writing in, reachable on that transport', async () => {
    const message = await sb.clientReply('79310009999', 'hi', { transport: 'viber', channelId: 2 });
    const client = sb.state.clientByPhone('79310009999')!;
    expect(message.clientId).toBe(client.id);
    expect(client.transports.map((t) => [t.channelId, t.transport, t.addedVia])).toEqual([
      [2, 'viber', 'client'],
    ]);
    const answer = await call('POST', '/v1/messages', { client_id: client.id, text: 'hello back' });
    expect(answer.body.data).toMatchObject({ transport: 'viber', channel_id: 2 });
  });
});

describe('control endpoints under /sandbox/', () => {
  it('need the token', async () => {
    const res = await call('GET', '/sandbox/state', undefined, 'wrong');
    expect(res).toEqual({ status: 401, body: { status: 'error', message: 'You need to auth' } });
  });

  it('show state with acceptedAt, sentAt and recipientStatus, and are not counted as API requests', async () => {
    const created = await call('POST', '/v1/clients?phone=79310001122&transport=whatsapp');
    await call('POST', '/v1/messages', { client_id: created.body.data.id, text: 'held' });
    const state = await call('GET', '/sandbox/state');
    expect(state.body.data.counts).toMatchObject({ clients: 1, messages: 1, held: 1, sent: 0 });
    expect(state.body.data.clients[0].transports[0]).toMatchObject({
      transport: 'whatsapp',
      addedVia: 'api',
    });
    expect(state.body.data.messages[0]).toMatchObject({ text: 'held', sentAt: null, recipientStatus: null });
    expect(state.body.data.messages[0].acceptedAt).toBe(sb.state.messages[0]!.acceptedAt.toISOString());
    const stats = await call('GET', '/sandbox/stats');
    expect(stats.body.data).toMatchObject({
      requestCount: 2,
      requestsThisMonth: 2,
      perPath: { 'POST /v1/clients': 1, 'POST /v1/messages': 1 },
    });
    expect(stats.body.data.busiestSecond).toBeGreaterThanOrEqual(1);
    const { firstRequestAt, lastRequestAt } = stats.body.data;
    expect(Date.parse(lastRequestAt)).toBeGreaterThanOrEqual(Date.parse(firstRequestAt));
  });

  it('move the default clock, which lets a held message go out', async () => {
    const created = await call('POST', '/v1/clients?phone=79310001122&transport=whatsapp');
    await call('POST', '/v1/messages', { client_id: created.body.data.id, text: 'held' });
    const before = sb.clock.now().getTime();
    const moved = await call('POST', '/sandbox/clock', { advanceMs: 420_000 });
    expect(new Date(moved.body.data.now).getTime()).toBeGreaterThanOrEqual(before + 420_000);
    expect(sb.state.messages[0]!.sentAt).not.toBeNull();
    const set = await call('POST', '/sandbox/clock', { set: '2030-05-01T00:00:00Z' });
    expect(set.body.data.now.slice(0, 10)).toBe('2030-05-01');
    expect((await call('POST', '/sandbox/clock', { set: 'soon' })).status).toBe(400);
  });

  it('refuse to move a clock that cannot be moved', async () => {
    await sb.close();
    sb = await startSandbox({ clock: { now: () => new Date(Date.UTC(2026, 0, 1)) } });
    const res = await call('POST', '/sandbox/clock', { advanceMs: 1000 });
    expect(res.status).toBe(400);
    expect(res.body.status).toBe('error');
  });

  it('set faults and options, validating them', async () => {
    expect((await call('POST', '/sandbox/faults', { rateLimitRate: 1 })).status).toBe(200);
    expect((await call('GET', '/v1/help/roles')).status).toBe(429);
    expect((await call('POST', '/sandbox/faults', {})).status).toBe(200);
    expect((await call('GET', '/v1/help/roles')).status).toBe(200);
    const badFault = await call('POST', '/sandbox/faults', { hangRate: 2 });
    expect(badFault.status).toBe(400);
    expect(badFault.body.message).toMatch(/^faults\.hangRate: /);

    const options = await call('POST', '/sandbox/options', { mode: 'demo', messageIdInAnswer: false });
    expect(options.body.data).toMatchObject({ mode: 'demo', messageIdInAnswer: false });
    expect((await call('GET', '/v1/companies/api_info')).body.data.mode).toBe('demo');
    expect((await call('POST', '/sandbox/options', { mode: 'free' })).status).toBe(400);
    expect((await call('POST', '/sandbox/options', { whatsappDelayMs: 1 })).status).toBe(400);
  });

  it('let a client reply over HTTP', async () => {
    const created = await call('POST', '/v1/clients?phone=79310001122&transport=sms');
    const reply = await call('POST', `/sandbox/clients/${created.body.data.id}/reply`, { text: 'STOP' });
    expect(reply.body.data).toMatchObject({ type: 'from_client', text: 'STOP', transport: 'sms' });
    expect(sb.state.messagesFrom(created.body.data.id).map((m) => m.text)).toEqual(['STOP']);
    expect((await call('POST', '/sandbox/clients/999999/reply', { text: 'x' })).status).toBe(404);
  });

  it('let a client reply by phone, made when new, known when not; every field named when missing', async () => {
    const created = await call('POST', '/v1/clients?phone=79310001122&transport=sms');
    const known = await call('POST', '/sandbox/replies', { phone: '79310001122', text: 'СТОП' });
    expect(known.status).toBe(200);
    expect(known.body.data).toMatchObject({
      clientId: created.body.data.id,
      type: 'from_client',
      text: 'СТОП',
    });

    const fresh = await call('POST', '/sandbox/replies', { phone: '+7 931 000-33-44', text: 'stop' });
    expect(fresh.status).toBe(200);
    expect(sb.state.clientByPhone('79310003344')?.id).toBe(fresh.body.data.clientId);

    expect((await call('POST', '/sandbox/replies', { text: 'x' })).body.message).toMatch(
      /^phone: is required/,
    );
    expect((await call('POST', '/sandbox/replies', { phone: '79310001122' })).body.message).toBe(
      'text: is required',
    );
    expect((await call('POST', '/sandbox/replies', { phone: '7931', text: 'x' })).status).toBe(400);
  });

  it('are the ones their table lists, each answering (none is Page not found)', async () => {
    const { SANDBOX_CONTROL_ENDPOINTS } = await import(
      '../../../../src/chat2desk/sandbox/routes/controlEndpoints.js'
    );
    for (const endpoint of SANDBOX_CONTROL_ENDPOINTS) {
      const path = endpoint.path.replace(':id', '999999');
      const answer = await call(endpoint.method, path, endpoint.method === 'POST' ? {} : undefined);
      expect(answer.body.message ?? '', `${endpoint.method} ${endpoint.path}`).not.toBe('Page not found');
    }
  });

  it('reset clients, messages and counters', async () => {
    const created = await call('POST', '/v1/clients?phone=79310001122&transport=sms');
    await call('POST', '/v1/messages', { client_id: created.body.data.id, text: 'x' });
    await call('POST', '/sandbox/reset');
    expect(sb.state.clients.size).toBe(0);
    expect(sb.state.messages).toHaveLength(0);
    expect(sb.state.requestCount).toBe(0);
    expect((await call('GET', '/v1/companies/api_info')).body.data.requests_this_month).toBe(1);
    const again = await call('POST', '/v1/clients?phone=79310001122&transport=sms');
    expect(again.body.data.id).not.toBe(created.body.data.id);
  });
});

describe('in-process inspection', () => {
  it('records each request with method, path, status, business and real time', async () => {
    await sb.close();
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    sb = await startSandbox({ clock });
    await call('GET', '/v1/clients?limit=5');
    await call('GET', '/v1/clients/77');
    expect(sb.state.requests.entries()).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1/clients', route: 'GET /v1/clients', status: 200 }),
      expect.objectContaining({
        method: 'GET',
        path: '/v1/clients/77',
        route: 'GET /v1/clients/:id',
        status: 404,
      }),
    ]);
    expect(sb.state.requests.entry(0)!.businessTime.getTime()).toBe(Date.UTC(2026, 5, 1, 12));
    expect(sb.state.requests.entry(0)!.realTimeMs).toBeGreaterThan(Date.UTC(2020, 0, 1));
  });
});
