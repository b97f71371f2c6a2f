import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chat2DeskClient } from '../../src/chat2desk/client.js';
import type { Webhook } from '../../src/chat2desk/types.js';
import { OUR_WEBHOOK_NAME, registerWebhook } from '../../src/delivery/webhookRegistration.js';
import { WebhookWatch } from '../../src/delivery/webhookWatch.js';
import { silentLogger } from '../../src/logger.js';
import { createEngineHarness, type EngineHarness, eventually } from '../support/engineHarness.js';

const MINUTE = 60_000;
const PUBLIC_URL = 'https://broadcaster.example.com';
const OUR_URL = `${PUBLIC_URL}/webhooks/chat2desk/${'a'.repeat(48)}`;
const PHONE = '79310001122';

let h: EngineHarness | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
  await h?.close();
  h = undefined;
});

/** Our hook registered at `publicUrl`, and a watch over it that writes down what it tells. */
async function watchOurHook(publicUrl = PUBLIC_URL, options: { tickMs?: number } = {}) {
  h = await createEngineHarness();
  const harness = h;
  const { client, gate } = await harness.addWorker();
  const route = await registerWebhook({
    publicUrl,
    client,
    gate,
    webhookSecret: 'a'.repeat(48),
    legacySecret: 'b'.repeat(32),
    hook: null,
    logger: silentLogger,
  });
  if (route.kind !== 'webhooks') throw new Error(`expected today's web hooks, got ${route.kind}`);
  const told: string[] = [];
  const watch = new WebhookWatch({
    client,
    gate,
    clock: harness.clock,
    ours: route.ours,
    up: route.up,
    ...options,
    onDown: () => told.push('down'),
    onUp: async (restoredAt) => void told.push(`up since ${restoredAt.toISOString()}`),
  });
  const [hook] = harness.sandbox.state.webhooks.list();
  if (!hook) throw new Error('our hook was not registered');
  return { harness, client, gate, route, watch, told, hook };
}

/** Our web hook receiver as Chat2Desk sees it: it answers every delivery with `status`, until told otherwise. */
async function receiverAnswering(status: number): Promise<{ url: string; answer(status: number): void }> {
  let answer = status;
  const receiver = createServer((req, res) => {
    req.resume();
    res.writeHead(answer).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const { port } = receiver.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answer(next) {
      answer = next;
    },
  };
}

async function ourHooks(client: Chat2DeskClient): Promise<Webhook[]> {
  return (await client.listWebhooks()).filter((w) => w.name === OUR_WEBHOOK_NAME);
}

function looksAt(harness: EngineHarness): number {
  return harness.sandbox.state.requests.routeCounts()['GET /v1/webhooks'] ?? 0;
}

describe('WebhookWatch.check', () => {
  it('finds our hook working: up, one look through the gate, nothing told', async () => {
    const { harness, gate, watch, told } = await watchOurHook();
    const before = { looks: looksAt(harness), gate: gate.requests };

    expect(await watch.check()).toBe('up');

    expect(looksAt(harness)).toBe(before.looks + 1);
    expect(gate.requests).toBe(before.gate + 1);
    expect(watch.up).toBe(true);
    expect(told).toEqual([]);
    expect(watch.counts).toEqual({ checks: 1, restorations: 0, failures: 0 });
  });

  it('puts a deleted hook back, says it is down once, and up since its restoration on a later look', async () => {
    const { harness, client, watch, told, hook } = await watchOurHook();
    await client.deleteWebhook(hook.id);
    harness.clock.advance(5 * MINUTE);
    const restoredAt = harness.clock.now().toISOString();

    expect(await watch.check()).toBe('restored');

    expect(told).toEqual(['down']);
    expect(watch.up).toBe(false);
    const [back, ...others] = await ourHooks(client);
    expect(others).toEqual([]);
    expect(back).toMatchObject({ url: OUR_URL, events: ['inbox', 'outbox_status'], status: 'active' });
    expect(back!.id).not.toBe(hook.id);
    expect(watch.counts).toEqual({ checks: 1, restorations: 1, failures: 0 });

    harness.clock.advance(5 * MINUTE);
    expect(await watch.check()).toBe('up');

    expect(told).toEqual(['down', `up since ${restoredAt}`]);
    expect(watch.up).toBe(true);
    expect(watch.counts).toEqual({ checks: 2, restorations: 1, failures: 0 });
  });

  it('switches a hook Chat2Desk switched off back on, keeping its id', async () => {
    const { harness, client, watch, told, hook } = await watchOurHook();
    harness.sandbox.state.webhooks.switchOff(hook, harness.clock.now());
    expect((await ourHooks(client))[0]!.status).not.toBe('active');
    harness.clock.advance(5 * MINUTE);

    expect(await watch.check()).toBe('restored');

    expect(told).toEqual(['down']);
    expect(await ourHooks(client)).toEqual([
      expect.objectContaining({ id: hook.id, url: OUR_URL, status: 'active' }),
    ]);
    expect(hook.status).toBe('active');
  });

  it('puts our events right when someone changed them', async () => {
    const { harness, client, watch, told, hook } = await watchOurHook();
    await client.updateWebhook(hook.id, { name: OUR_WEBHOOK_NAME, url: OUR_URL, events: ['inbox'] });
    harness.clock.advance(5 * MINUTE);

    expect(await watch.check()).toBe('restored');

    expect(told).toEqual(['down']);
    expect(await ourHooks(client)).toEqual([
      expect.objectContaining({ id: hook.id, events: ['inbox', 'outbox_status'], status: 'active' }),
    ]);
  });

  it('is down when ours is gone and five other hooks take every place, and touches nothing of theirs', async () => {
    const { harness, client, watch, told, hook } = await watchOurHook();
    for (let i = 1; i <= 4; i++) {
      await client.createWebhook({
        name: `crm ${i}`,
        url: `https://crm${i}.example.com/hook`,
        events: ['inbox'],
      });
    }
    await client.deleteWebhook(hook.id);
    await client.createWebhook({ name: 'crm 5', url: 'https://crm5.example.com/hook', events: ['inbox'] });
    const theirs = await client.listWebhooks();
    expect(theirs.map((w) => w.name)).toEqual(['crm 1', 'crm 2', 'crm 3', 'crm 4', 'crm 5']);
    harness.clock.advance(5 * MINUTE);

    expect(await watch.check()).toBe('down');
    expect(await client.listWebhooks()).toEqual(theirs);
    expect(told).toEqual(['down']);
    expect(watch.up).toBe(false);

    // A second look finds the same: still down, and not told again.
    harness.clock.advance(5 * MINUTE);
    expect(await watch.check()).toBe('down');
    expect(await client.listWebhooks()).toEqual(theirs);
    expect(told).toEqual(['down']);
    expect(watch.counts).toEqual({ checks: 2, restorations: 0, failures: 0 });
  });

  it('takes a hook still on whose deliveries fail since the last look as failing', async () => {
    const receiver = await receiverAnswering(503);
    const { harness, watch, told, hook } = await watchOurHook(receiver.url);

    harness.clock.advance(MINUTE);
    await harness.sandbox.clientReply(PHONE, 'hello');
    await eventually(() => hook.errors.length > 0, 5_000, 'a failed delivery recorded');
    harness.clock.advance(5 * MINUTE);

    expect(await watch.check()).toBe('failing');
    expect(told).toEqual(['down']);
    expect(watch.up).toBe(false);
    expect(hook.status).toBe('active');
    expect(watch.counts).toEqual({ checks: 1, restorations: 0, failures: 0 });
  });

  it('answers unknown and counts a failure when Chat2Desk errs while it looks', async () => {
    const { harness, watch, told } = await watchOurHook();
    harness.sandbox.setFaults({ serverErrorRate: 1 });

    expect(await watch.check()).toBe('unknown');

    expect(watch.counts).toEqual({ checks: 1, restorations: 0, failures: 1 });
    expect(watch.up).toBe(true);
    expect(told).toEqual([]);
  });

  it('takes a failing hook as up again once a look finds no failure since the last one', async () => {
    const receiver = await receiverAnswering(503);
    const { harness, watch, told, hook } = await watchOurHook(receiver.url);
    harness.clock.advance(MINUTE);
    await harness.sandbox.clientReply(PHONE, 'hello');
    await eventually(() => hook.errors.length > 0, 5_000, 'a failed delivery recorded');
    harness.clock.advance(5 * MINUTE);
    expect(await watch.check()).toBe('failing');

    receiver.answer(200);
    const lastLook = harness.clock.now().toISOString();
    harness.clock.advance(MINUTE);
    await harness.sandbox.clientReply(PHONE, 'hello again');
    harness.clock.advance(4 * MINUTE);

    expect(await watch.check()).toBe('up');
    expect(told).toEqual(['down', `up since ${lastLook}`]);
  });
});

describe('WebhookWatch.start', () => {
  it('looks every 5 minutes of engine time, one request through the gate each, and puts a deleted hook back', async () => {
    const { harness, client, gate, route, watch, told } = await watchOurHook(PUBLIC_URL, { tickMs: 10 });
    watch.start();
    cleanups.push(() => watch.stop());
    const looks = () => harness.sandbox.state.requests.routeCounts()['GET /v1/webhooks'] ?? 0;
    const before = { looks: looks(), gate: gate.requests };

    harness.clock.advance(4 * MINUTE);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(looks()).toBe(before.looks);
    harness.clock.advance(MINUTE);
    await eventually(() => watch.counts.checks === 1, 5_000, 'the first look');
    expect(looks()).toBe(before.looks + 1);
    expect(gate.requests).toBe(before.gate + 1);
    expect(told).toEqual([]);

    const [ours] = await client.listWebhooks();
    await client.deleteWebhook(ours!.id);
    harness.clock.advance(5 * MINUTE);
    await eventually(() => watch.counts.restorations === 1, 5_000, 'the hook put back');
    const restoredAt = harness.clock.now().toISOString();
    expect(told).toEqual(['down']);
    expect(watch.up).toBe(false);
    const [back] = await client.listWebhooks();
    expect(back).toMatchObject({ url: route.ours.url, events: ['inbox', 'outbox_status'], status: 'active' });
    expect(back!.id).not.toBe(ours!.id);

    harness.clock.advance(5 * MINUTE);
    await eventually(() => watch.up, 5_000, 'the hook taken as working again');
    expect(told).toEqual(['down', `up since ${restoredAt}`]);
  });
});
