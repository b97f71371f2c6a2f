import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  START,
  seedContacts,
} from '../support/engineHarness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const MINUTE = 60_000;
const CONTACTS = 5;

let h: EngineHarness | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await h?.close();
  h = proxy = undefined;
});

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('a worker whose database goes away mid-send', () => {
  it('finishes its interrupted deliveries once the database is back, without waiting for the lease and without a second message', async () => {
    // Every answer from the sandbox takes 300 ms: the database is cut while the sends are in flight,
    // so the worker cannot record them as sent.
    h = await createEngineHarness({ whatsappDelayMs: 0, sandbox: { faults: { latencyMs: 300 } } });
    await seedContacts(h.db.sql, { count: CONTACTS, list: 'vip' });
    const definition = validateCampaignDefinition(
      {
        name: 'Outage',
        kind: 'broadcast',
        transport: 'sms',
        template: 'Hi {{firstName}}',
        audience: { list: 'vip' },
        schedule: { at: new Date(START.getTime() + MINUTE).toISOString() },
      },
      { now: h.clock.now() },
    );
    const campaign = await createCampaign(h.db, definition, { now: h.clock.now(), templatesDir: TEMPLATES });
    h.clock.advance(MINUTE);
    await new Timekeeper({ sql: h.db.sql, clock: h.clock }).tick();

    proxy = await startTcpProxy(h.db.url);
    const { worker } = await h.addWorker({ databaseUrl: proxy.url });
    const sends = () => h!.sandbox.state.requests.routeCounts()['POST /v1/messages'] ?? 0;

    const round = worker.runOnce();
    await until(() => sends() === CONTACTS);
    proxy.cut();
    await round;
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sending: CONTACTS });

    proxy.restore();
    // The engine clock has not moved: a lease cannot have run out. Only the worker's own retry helps.
    await worker.drain();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: CONTACTS });
    expect(h.sandbox.state.messages.filter((m) => m.type === 'to_client')).toHaveLength(CONTACTS);
    expect(sends()).toBe(CONTACTS);
  });
});

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'CONNECTION_CLOSED' }, true],
    [{ code: 'ECONNREFUSED' }, true],
    [{ code: '57P01' }, true],
    [{ code: '08006' }, true],
    [{ code: '23505' }, false],
    [{ code: 'P2002' }, false],
    // Prisma (the API's CRUD): cannot reach the server, socket timeout, connection closed.
    [{ code: 'P1001' }, true],
    [{ code: 'P1008' }, true],
    [{ code: 'P1017' }, true],
    [new Error('boom'), false],
    ['CONNECTION_CLOSED', false],
    [null, false],
  ])('%j → %s', (error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });
});
