import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompanyWebhooks,
  RETRY_AFTER_MS,
  SWITCH_OFF_AFTER_MS,
} from '../../../src/chat2desk/sandbox/companyWebhooks.js';
import type { MessageInit, SandboxClient } from '../../../src/chat2desk/sandbox/models.js';
import {
  DEFAULT_CHANNELS,
  resolveSettings,
  type SandboxSettings,
} from '../../../src/chat2desk/sandbox/options.js';
import { SandboxState } from '../../../src/chat2desk/sandbox/state.js';
import type { WebhookEvent } from '../../../src/chat2desk/sandbox/webhookRegistry.js';
import { WebhookDispatcher } from '../../../src/chat2desk/sandbox/webhooks.js';
import { ManualClock } from '../../../src/clock.js';
import { recordingLogger, sandboxMessageInit } from '../../support/sandboxApi.js';

const T0 = Date.UTC(2026, 10, 27, 7, 0, 0);
const SECOND = 1000;
const HOUR = 3_600_000;
const TOKEN = 'company-token';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: payloads are JSON, asserted field by field
  body: any;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});

/** A real HTTP receiver answering the given statuses in turn (then `otherwise`). */
async function receiver(statuses: number[] = [], otherwise = 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.statusCode = statuses.shift() ?? otherwise;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/secret-path-123`,
    origin: `http://127.0.0.1:${port}`,
    received,
    answerFromNowOn(status: number) {
      statuses.length = 0;
      otherwise = status;
    },
  };
}

/** CompanyWebhooks over a fresh state, a real dispatcher and a log the test reads back. */
function setUp(adjust: Partial<SandboxSettings> = {}) {
  const clock = new ManualClock(T0);
  const settings = { ...resolveSettings({}), ...adjust };
  const state = new SandboxState(DEFAULT_CHANNELS, { clock, statusTimings: settings.statusTimings });
  const { logger, lines } = recordingLogger();
  const http = new WebhookDispatcher(logger);
  const hooks = new CompanyWebhooks({ clock, token: TOKEN, state, settings, http, logger });
  closers.push(async () => {
    await hooks.close();
    await http.close();
  });
  const addHook = (url: string, events: WebhookEvent[], channels: number[] | null = null) =>
    state.webhooks.add({ name: 'hook', url, events, channels }, clock.now());
  const client = state.addClient({ phone: '79310001122' });
  const message = (overrides: Partial<Omit<MessageInit, 'id'>> = {}) =>
    state.addMessage(
      sandboxMessageInit({
        clientId: client.id,
        type: 'to_client',
        text: 'Hi',
        transport: 'viber',
        acceptedAt: clock.now(),
        goesOutAt: clock.now(),
        reportsStatus: true,
        ...overrides,
      }),
    );
  const advance = async (ms: number) => {
    clock.advance(ms);
    await hooks.runDue();
  };
  return { clock, state, hooks, lines, addHook, client, message, advance };
}

const inboxFrom = (c: SandboxClient, s: ReturnType<typeof setUp>, text = 'STOP') =>
  s.state.addMessage(
    sandboxMessageInit({
      clientId: c.id,
      type: 'from_client',
      text,
      transport: 'sms',
      acceptedAt: s.clock.now(),
    }),
  );

describe('CompanyWebhooks', () => {
  it('signs each attempt with HMAC-SHA256 keyed by the token’s MD5, over body and the sandbox time of that attempt', async () => {
    const s = setUp();
    const hook = await receiver([500]);
    s.addHook(hook.url, ['inbox']);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s));
    await s.advance(RETRY_AFTER_MS[0]! + 2 * SECOND);
    const key = createHash('md5').update(TOKEN).digest('hex');
    expect(hook.received.map((r) => r.headers['x-timestamp'])).toEqual([
      String(T0 / 1000),
      String(T0 / 1000 + 12),
    ]);
    for (const { raw, headers } of hook.received) {
      const timestamp = headers['x-timestamp'] as string;
      expect(headers['x-signature']).toBe(
        createHmac('sha256', key)
          .update(raw + timestamp)
          .digest('hex'),
      );
    }
    expect(hook.received[0]!.raw).toBe(hook.received[1]!.raw);
  });

  it('sends nothing at all on an account without today’s web hooks', async () => {
    const s = setUp({ webhooksApi: false });
    const hook = await receiver();
    s.addHook(hook.url, ['inbox', 'outbox', 'outbox_status', 'close_dialog']);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s));
    s.hooks.messageAccepted(s.message());
    s.hooks.dialogClosed(s.state.openDialog(s.client, null));
    await s.advance(HOUR);
    expect(hook.received).toEqual([]);
  });

  it('keeps a channel-filtered hook to its channels, but gives it a closed dialog, which has no channel', async () => {
    const s = setUp();
    const channelTwo = await receiver();
    s.addHook(channelTwo.url, ['inbox', 'close_dialog'], [2]);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s));
    s.hooks.dialogClosed(s.state.openDialog(s.client, null));
    await s.hooks.runDue();
    expect(channelTwo.received.map((r) => r.body.hook_type)).toEqual(['close_dialog']);
  });

  it('tells only outbox for a message whose transport reports no status, and nothing for one never sent', async () => {
    const s = setUp();
    const hook = await receiver();
    s.addHook(hook.url, ['outbox', 'outbox_status']);
    s.hooks.messageAccepted(s.message({ type: 'system', goesOutAt: null }));
    const sms = s.message({ transport: 'sms', reportsStatus: false });
    s.hooks.messageAccepted(sms);
    await s.advance(HOUR);
    expect(hook.received.map((r) => [r.body.hook_type, r.body.message_id])).toEqual([['outbox', sms.id]]);
  });

  it('sends a held message’s outbox when it goes out, stamped with that instant', async () => {
    const s = setUp();
    const hook = await receiver();
    s.addHook(hook.url, ['outbox']);
    s.hooks.messageAccepted(s.message({ transport: 'whatsapp', goesOutAt: new Date(T0 + 7 * 60_000) }));
    await s.advance(7 * 60_000 - 1);
    expect(hook.received).toEqual([]);
    await s.advance(HOUR);
    expect(hook.received.map((r) => r.body.event_time)).toEqual(['2026-11-27T07:07:00Z']);
  });

  it('forgets the message events still to come, but goes on retrying deliveries already failing', async () => {
    const s = setUp();
    const failing = await receiver([500]);
    const statuses = await receiver();
    s.addHook(failing.url, ['inbox']);
    s.addHook(statuses.url, ['outbox_status']);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s));
    s.hooks.messageAccepted(s.message({ goesOutAt: new Date(T0 + HOUR) }));
    s.hooks.forgetMessages();
    await s.advance(2 * HOUR);
    expect(statuses.received).toEqual([]);
    expect(failing.received.map((r) => r.body.text)).toEqual(['STOP', 'STOP']);
  });

  it('drops the retries of a hook removed meanwhile', async () => {
    const s = setUp();
    const hook = await receiver([], 500);
    const created = s.addHook(hook.url, ['inbox']);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s));
    s.state.webhooks.remove(created);
    await s.advance(6 * HOUR);
    expect(hook.received).toHaveLength(1);
    expect(created.status).toBe('active');
  });

  it('logs a failed attempt with the hook, the event and the attempt, showing only where the URL points', async () => {
    const s = setUp();
    const hook = await receiver([503]);
    const created = s.addHook(hook.url, ['inbox']);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s));
    const warnings = s.lines.filter((l) => l['msg'] === 'sandbox web hook delivery failed');
    expect(warnings).toEqual([
      expect.objectContaining({
        hookId: created.id,
        url: hook.origin,
        event: 'inbox',
        attempt: 1,
        problem: 'HTTP 503',
      }),
    ]);
    expect(JSON.stringify(s.lines)).not.toContain('secret-path-123');
    expect(created.errors).toEqual([{ at: new Date(T0), event: 'inbox', message: 'HTTP 503' }]);
  });

  it('counts the 5 hours from the latest failure after a success, not from the first failure ever', async () => {
    const s = setUp();
    const hook = await receiver([500]);
    const created = s.addHook(hook.url, ['inbox']);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s));
    await s.advance(RETRY_AFTER_MS[0]!);
    expect(created.failingSince).toBeNull();

    await s.advance(HOUR - RETRY_AFTER_MS[0]!);
    hook.answerFromNowOn(500);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s, 'again'));
    expect(created.failingSince?.getTime()).toBe(T0 + HOUR);
    await s.advance(SWITCH_OFF_AFTER_MS - 1);
    expect(created.status).toBe('active');
    await s.advance(1);
    expect(created.status).toBe('disabled');
    expect(created.disabledAt?.getTime()).toBe(T0 + HOUR + SWITCH_OFF_AFTER_MS);
  });

  it('once closed, sends no retry that was still due', async () => {
    const s = setUp();
    const hook = await receiver([], 500);
    s.addHook(hook.url, ['inbox']);
    await s.hooks.clientWrote(s.client, inboxFrom(s.client, s));
    await s.hooks.close();
    await s.advance(6 * HOUR);
    expect(hook.received).toHaveLength(1);
  });
});
