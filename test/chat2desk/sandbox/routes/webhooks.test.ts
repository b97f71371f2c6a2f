import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Chat2DeskClient } from '../../../../src/chat2desk/client.js';
import { Chat2DeskNotFoundError, Chat2DeskValidationError } from '../../../../src/chat2desk/errors.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../../../src/clock.js';
import { verifyWebhookSignature } from '../../../../src/http/webhookSignature.js';
import { api, createClient, type Json } from '../../../support/sandboxApi.js';

const START = new Date('2026-11-27T07:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

let sb: Sandbox | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await sb?.close();
  sb = undefined;
  while (closers.length) await closers.pop()?.();
});

async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  sb = await startSandbox({ port: 0, clock: new ManualClock(START), ...options });
  return sb;
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Json;
}

/** A real HTTP receiver: answers with the given statuses in turn (then `otherwise`), records each call. */
async function receiver(statuses: number[] = [], otherwise = 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
      res.statusCode = statuses.shift() ?? otherwise;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${port}/hooks/secret-123`,
    received,
    of: (hookType: string) => received.filter((r) => r.body.hook_type === hookType),
    answerFromNowOn(status: number) {
      statuses.length = 0;
      otherwise = status;
    },
  };
}

async function addHook(s: Sandbox, body: Record<string, unknown>) {
  const res = await api(s, 'POST', '/v1/webhooks', body);
  expect(res.status).toBe(200);
  return res.body.data as Json;
}

async function hooks(s: Sandbox): Promise<Json[]> {
  return (await api(s, 'GET', '/v1/webhooks')).body.data;
}

/** Moves the sandbox clock as a test process would, over HTTP; answers once the due work has run. */
async function advance(s: Sandbox, ms: number): Promise<void> {
  expect((await api(s, 'POST', '/sandbox/clock', { advanceMs: ms })).status).toBe(200);
}

describe('/v1/webhooks', () => {
  it('adds, lists, changes and (with url null) deletes web hooks', async () => {
    const s = await sandbox();
    const created = await addHook(s, {
      name: 'crm',
      url: 'https://crm.example.com/hook',
      events: ['inbox', 'outbox'],
    });
    expect(created).toEqual({
      id: expect.any(Number),
      name: 'crm',
      url: 'https://crm.example.com/hook',
      events: ['inbox', 'outbox'],
      channels: null,
      status: 'active',
      errors: [],
    });
    const listed = await api(s, 'GET', '/v1/webhooks');
    expect(listed.body).toEqual({
      data: [created],
      meta: { total: 1, limit: 20, offset: 0 },
      status: 'success',
    });

    const changed = await api(s, 'PUT', `/v1/webhooks/${created.id}`, { events: ['outbox_status'] });
    expect(changed.body.data).toMatchObject({ name: 'crm', events: ['outbox_status'], status: 'active' });
    expect((await api(s, 'PUT', '/v1/webhooks/999', { name: 'x' })).status).toBe(404);
    expect((await api(s, 'PUT', `/v1/webhooks/${created.id}`, {})).status).toBe(400);

    const deleted = await api(s, 'PUT', `/v1/webhooks/${created.id}`, { url: null });
    expect(deleted.body.data).toEqual({ id: created.id, deleted: true });
    expect(await hooks(s)).toEqual([]);
  });

  it('refuses an unknown event naming it, a missing name or URL, and a sixth hook', async () => {
    const s = await sandbox();
    const unknown = await api(s, 'POST', '/v1/webhooks', {
      name: 'x',
      url: 'https://a.example.com/',
      events: ['inbox', 'message_created'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      status: 'error',
      message: 'events: unknown event "message_created"',
    });
    const noUrl = await api(s, 'POST', '/v1/webhooks', { name: 'x', events: ['inbox'] });
    expect(noUrl.body.message).toMatch(/^url: /);
    const noName = await api(s, 'POST', '/v1/webhooks', { url: 'https://a.example.com/', events: ['inbox'] });
    expect(noName.body.message).toMatch(/^name: /);

    for (let i = 1; i <= 5; i++) {
      await addHook(s, { name: `hook ${i}`, url: `https://h${i}.example.com/`, events: ['inbox'] });
    }
    const sixth = await api(s, 'POST', '/v1/webhooks', {
      name: 'sixth',
      url: 'https://h6.example.com/',
      events: ['inbox'],
    });
    expect(sixth.status).toBe(400);
    expect(sixth.body).toEqual({ status: 'error', message: 'at most five web hooks per company' });
    expect(await hooks(s)).toHaveLength(5);
  });

  it('answers 404 "Page not found", as an unknown path, on an account without them', async () => {
    const s = await sandbox({ webhooksApi: false });
    const unknownPath = await api(s, 'GET', '/v1/no_such_thing');
    for (const [method, path, body] of [
      ['GET', '/v1/webhooks', undefined],
      ['POST', '/v1/webhooks', { name: 'x', url: 'https://a.example.com/', events: ['inbox'] }],
      ['PUT', '/v1/webhooks/1', { name: 'x' }],
    ] as const) {
      const res = await api(s, method, path, body);
      expect(res).toEqual(unknownPath);
    }
    expect(unknownPath).toEqual({ status: 404, body: { status: 'error', message: 'Page not found' } });
    // The v1.08 single hook is all such an account has.
    expect((await api(s, 'POST', '/v1/companies/web_hook', { url: 'https://a.example.com/' })).status).toBe(
      200,
    );
  });

  it('are shown in GET /sandbox/state and kept by POST /sandbox/reset, as the company hooks are', async () => {
    const s = await sandbox();
    const created = await addHook(s, { name: 'crm', url: 'https://crm.example.com/hook', events: ['inbox'] });
    await api(s, 'POST', '/sandbox/reset');
    const state = await api(s, 'GET', '/sandbox/state');
    expect(state.body.data.webhooks).toEqual([
      {
        id: created.id,
        name: 'crm',
        url: 'https://crm.example.com/hook',
        events: ['inbox'],
        channels: null,
        status: 'active',
        createdAt: START.toISOString(),
        failingSince: null,
        disabledAt: null,
        errors: [],
      },
    ]);
  });
});

describe('the typed client on /v1/webhooks', () => {
  it('lists, creates, updates and deletes, counted under the endpoint templates', async () => {
    const s = await sandbox();
    const client = new Chat2DeskClient({ baseUrl: s.url, token: s.token });
    closers.push(() => client.close());
    const created = await client.createWebhook({
      name: 'crm',
      url: 'https://crm.example.com/hook',
      events: ['inbox'],
    });
    expect(created).toMatchObject({ name: 'crm', events: ['inbox'], status: 'active' });
    const updated = await client.updateWebhook(created.id, { events: ['inbox', 'outbox_status'] });
    expect(updated.events).toEqual(['inbox', 'outbox_status']);
    expect(await client.listWebhooks()).toEqual([updated]);
    await client.deleteWebhook(created.id);
    expect(await client.listWebhooks()).toEqual([]);
    await expect(
      client.createWebhook({ name: 'x', url: 'https://x.example.com/', events: ['message_created'] }),
    ).rejects.toBeInstanceOf(Chat2DeskValidationError);
    expect(client.requestCounts()).toEqual({
      'POST /v1/webhooks': 2,
      'PUT /v1/webhooks/:id': 2,
      'GET /v1/webhooks': 2,
    });
  });

  it('meets an account without them with a not-found error', async () => {
    const s = await sandbox({ webhooksApi: false });
    const client = new Chat2DeskClient({ baseUrl: s.url, token: s.token });
    closers.push(() => client.close());
    await expect(client.listWebhooks()).rejects.toBeInstanceOf(Chat2DeskNotFoundError);
  });
});

describe('web hook events', () => {
  it('reach every active hook subscribed to them, signed, beside the v1.08 hook which is unchanged', async () => {
    const s = await sandbox();
    const all = await receiver();
    const inboxOnly = await receiver();
    const legacy = await receiver();
    await addHook(s, {
      name: 'all',
      url: all.url,
      events: ['inbox', 'outbox', 'outbox_status', 'close_dialog'],
    });
    await addHook(s, { name: 'inbox only', url: inboxOnly.url, events: ['inbox'] });
    await api(s, 'POST', '/v1/companies/web_hook', { url: legacy.url });
    const clientId = await createClient(s, '79310001122', 'sms');

    const message = await s.clientReply(clientId, 'STOP');

    for (const hook of [all, inboxOnly]) {
      expect(hook.received).toHaveLength(1);
      expect(hook.received[0]!.body).toEqual({
        message_id: message.id,
        type: 'from_client',
        text: 'STOP',
        transport: 'sms',
        client_id: clientId,
        operator_id: null,
        dialog_id: null,
        channel_id: 1,
        photo: null,
        coordinates: null,
        attachments: [],
        client: {
          id: clientId,
          phone: '79310001122',
          client_phone: '79310001122',
          name: null,
          assigned_name: null,
          external_id: null,
        },
        hook_type: 'inbox',
        request_id: null,
        event_time: '2026-11-27T07:00:00Z',
      });
      const { raw, headers } = hook.received[0]!;
      const check = verifyWebhookSignature(
        raw,
        headers['x-timestamp'] as string,
        headers['x-signature'] as string,
        s.token,
        s.clock.now(),
      );
      expect(check).toEqual({ ok: true });
    }
    // The v1.08 hook: the message as GET /v1/messages lists it, unsigned, exactly as before.
    expect(legacy.received).toHaveLength(1);
    expect(legacy.received[0]!.body).toMatchObject({ id: message.id, type: 'from_client', text: 'STOP' });
    expect(legacy.received[0]!.body.hook_type).toBeUndefined();
    expect(legacy.received[0]!.headers['x-signature']).toBeUndefined();
  });

  it('tell of a message going out (outbox), its statuses (outbox_status) and a closed dialog', async () => {
    const s = await sandbox({ statusTimings: { deliveredAfterMs: 2 * SECOND, readAfterMs: 10 * SECOND } });
    const hook = await receiver();
    await addHook(s, { name: 'all', url: hook.url, events: ['outbox', 'outbox_status', 'close_dialog'] });
    const clientId = await createClient(s, '79310001122', 'viber');
    const sent = await api(s, 'POST', '/v1/messages', {
      client_id: clientId,
      text: 'Hi',
      transport: 'viber',
    });
    const messageId = sent.body.data.message_id;
    await s.deliverDueWebhooks();
    expect(hook.of('outbox').map((r) => r.body)).toEqual([
      expect.objectContaining({ message_id: messageId, type: 'to_client', text: 'Hi', transport: 'viber' }),
    ]);
    expect(hook.of('outbox_status')).toEqual([]);

    await advance(s, 2 * SECOND);
    await advance(s, 8 * SECOND);
    expect(hook.of('outbox_status').map((r) => [r.body.message_id, r.body.recipient_status])).toEqual([
      [messageId, 'delivered'],
      [messageId, 'read'],
    ]);
    expect(hook.of('outbox_status')[0]!.body.event_time).toBe('2026-11-27T07:00:02Z');

    await api(s, 'PUT', `/v1/dialogs/${sent.body.data.dialog_id}`, { state: 'closed' });
    await s.deliverDueWebhooks();
    expect(hook.of('close_dialog').map((r) => r.body)).toEqual([
      expect.objectContaining({ dialog_id: sent.body.data.dialog_id, client_id: clientId }),
    ]);
  });

  it('report a failed message with the error the messenger gave', async () => {
    const s = await sandbox({ unreachablePhonePattern: /0007$/ });
    const hook = await receiver();
    await addHook(s, { name: 'statuses', url: hook.url, events: ['outbox_status'] });
    const clientId = await createClient(s, '79310000007', 'viber');
    const sent = await api(s, 'POST', '/v1/messages', {
      client_id: clientId,
      text: 'Hi',
      transport: 'viber',
    });
    await s.deliverDueWebhooks();
    expect(hook.received.map((r) => r.body)).toEqual([
      expect.objectContaining({
        hook_type: 'outbox_status',
        message_id: sent.body.data.message_id,
        recipient_status: 'failed',
        error: 'Message undeliverable',
      }),
    ]);
    // Nothing more is reported for it.
    await advance(s, HOUR);
    expect(hook.received).toHaveLength(1);
  });

  it('are not made for a held message dropped before it went out', async () => {
    const s = await sandbox({ whatsappDelayMs: 7 * MINUTE });
    const hook = await receiver();
    await addHook(s, { name: 'outbox', url: hook.url, events: ['outbox'] });
    const clientId = await createClient(s, '79310001122', 'whatsapp');
    await api(s, 'POST', '/v1/messages', { client_id: clientId, text: 'held, then dropped' });
    const kept = await createClient(s, '79310001123', 'whatsapp');
    await advance(s, MINUTE);
    await api(s, 'GET', '/gateway/delete_outbox');
    await api(s, 'POST', '/v1/messages', { client_id: kept, text: 'held, then sent' });
    await advance(s, 5 * MINUTE);
    expect(hook.received).toEqual([]);
    await advance(s, MINUTE);
    expect(hook.received.map((r) => r.body.text)).toEqual(['held, then sent']);
  });
});

describe('a failed web hook delivery', () => {
  it('is retried after 10 s, 5 min and 2 h of sandbox time, and no more', async () => {
    const s = await sandbox();
    const hook = await receiver([500, 500, 500, 500]);
    const created = await addHook(s, { name: 'flaky', url: hook.url, events: ['inbox'] });
    await s.clientReply('79310001122', 'hello');
    expect(hook.received).toHaveLength(1);

    await advance(s, 10 * SECOND - 1);
    expect(hook.received).toHaveLength(1);
    await advance(s, 1);
    expect(hook.received).toHaveLength(2);
    await advance(s, 5 * MINUTE - 10 * SECOND);
    expect(hook.received).toHaveLength(3);
    await advance(s, 2 * HOUR - 5 * MINUTE - 1);
    expect(hook.received).toHaveLength(3);
    await advance(s, 1);
    expect(hook.received).toHaveLength(4);
    expect(new Set(hook.received.map((r) => r.raw)).size).toBe(1);
    await advance(s, 2 * HOUR);
    expect(hook.received).toHaveLength(4);

    const [listed] = await hooks(s);
    expect(listed).toMatchObject({ id: created.id, status: 'active' });
    expect(listed.errors).toHaveLength(4);
    expect(listed.errors[0]).toEqual({
      event_time: '2026-11-27T07:00:00Z',
      hook_type: 'inbox',
      error: 'HTTP 500',
    });
  });

  it('is delivered by a retry once the receiver answers again, and the hook stays on', async () => {
    const s = await sandbox();
    const hook = await receiver([503]);
    await addHook(s, { name: 'flaky', url: hook.url, events: ['inbox'] });
    await s.clientReply('79310001122', 'hello');
    await advance(s, 10 * SECOND);
    expect(hook.received.map((r) => r.body.text)).toEqual(['hello', 'hello']);
    await advance(s, 6 * HOUR);
    expect(hook.received).toHaveLength(2);
    expect((await hooks(s))[0].status).toBe('active');
  });

  it('switches the hook off once its deliveries have failed for 5 h; setting it again switches it back on', async () => {
    const s = await sandbox();
    const hook = await receiver([], 500);
    const healthy = await receiver();
    const created = await addHook(s, { name: 'down', url: hook.url, events: ['inbox'] });
    await addHook(s, { name: 'up', url: healthy.url, events: ['inbox'] });
    await s.clientReply('79310001122', 'first');

    await advance(s, 5 * HOUR - 1);
    expect((await hooks(s)).map((h) => h.status)).toEqual(['active', 'active']);
    await advance(s, 1);
    expect((await hooks(s)).map((h) => h.status)).toEqual(['disabled', 'active']);
    const state = await api(s, 'GET', '/sandbox/state');
    expect(state.body.data.webhooks[0]).toMatchObject({
      status: 'disabled',
      failingSince: START.toISOString(),
      disabledAt: new Date(START.getTime() + 5 * HOUR).toISOString(),
    });
    expect(hook.received).toHaveLength(4);

    // Switched off: nothing is sent to it, and nothing is kept for later.
    await s.clientReply('79310001122', 'while off');
    await advance(s, 3 * HOUR);
    expect(hook.received).toHaveLength(4);
    expect(healthy.received.map((r) => r.body.text)).toEqual(['first', 'while off']);

    hook.answerFromNowOn(200);
    const again = await api(s, 'PUT', `/v1/webhooks/${created.id}`, { url: hook.url });
    expect(again.body.data.status).toBe('active');
    await s.clientReply('79310001122', 'back');
    expect(hook.received.map((r) => r.body.text)).toEqual(['first', 'first', 'first', 'first', 'back']);
  });

  it('runs as the clock moves by itself too (a clock moved in process, picked up without a control call)', async () => {
    const clock = new ManualClock(START);
    const s = await sandbox({ clock });
    const hook = await receiver([500]);
    await addHook(s, { name: 'flaky', url: hook.url, events: ['inbox'] });
    await s.clientReply('79310001122', 'hello');
    clock.advance(10 * SECOND);
    const deadline = Date.now() + 5_000;
    while (hook.received.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(hook.received).toHaveLength(2);
  });
});
