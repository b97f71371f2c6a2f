import { afterEach, describe, expect, it } from 'vitest';
import { Chat2DeskAuthError } from '../../src/chat2desk/errors.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../src/clock.js';
import { startWorkerRole } from '../../src/roles/workerRole.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, START } from '../support/engineHarness.js';
import { deliveryRow, seedContact, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';
import { buildEngineParts, stopSequence } from './engineParts.js';

const SECRET = 'e'.repeat(48);

const cleanups = stopSequence();
const { stops, addStop, runAll: runStops } = stopSequence();
afterEach(async () => {
  await runStops();
  await cleanups.runAll();
});

/** A database, a sandbox on the engine's clock, and the parts one engine process shares. */
async function engineParts(
  options: { env?: Record<string, string>; sandbox?: SandboxOptions; token?: string } = {},
) {
  const db: TestDatabase = await createTestDatabase();
  cleanups.addStop(db.drop);
  const clock = new ManualClock(START);
  const sandbox: Sandbox = await startSandbox({ port: 0, token: 'live-token', clock, ...options.sandbox });
  cleanups.addStop(() => sandbox.close());
  const { parts, lines } = await buildEngineParts({
    db,
    sandbox,
    token: options.token,
    clock,
    webhookSecret: SECRET,
    addStop,
    env: { WHATSAPP_NEW_CLIENT_DELAY_MS: '0', ...options.env },
  });
  return { parts, db, sandbox, lines };
}

describe('startWorkerRole', () => {
  it('runs a delivery worker that takes a due delivery to Chat2Desk', async () => {
    const { parts, db } = await engineParts();
    const home = await seedRunningCampaign(db.sql);
    const id = await seedDelivery(db.sql, home, { contactId: await seedContact(db.sql, '79990000001') });

    const role = await startWorkerRole(parts, { receivesWebhooks: false });

    expect(role.worker).toBeDefined();
    expect(role.statusPoller).toBeDefined();
    await eventually(
      async () => (await deliveryRow(db.sql, id)).state === 'sent',
      10_000,
      'the delivery sent',
    );
  });

  it("learns the monthly quota of the account's API mode from api_info", async () => {
    const { parts } = await engineParts({ sandbox: { mode: 'demo' } });

    await startWorkerRole(parts, { receivesWebhooks: false });

    expect(await parts.chat2desk.quota.usage()).toMatchObject({ mode: 'demo', quota: 1000 });
  });

  it('polls replies without PUBLIC_URL, and says so on the reception', async () => {
    const { parts } = await engineParts();
    const reception = { receivesWebhooks: true };

    const role = await startWorkerRole(parts, reception);

    expect(reception.receivesWebhooks).toBe(false);
    expect(role.replyWatcher).toBeDefined();
    expect(await parts.chat2desk.registry.metrics()).toMatch(/broadcaster_reply_polls_total/);
  });

  it("keeps a reply watcher for when today's web hook is down, but receives by web hook while it is up", async () => {
    const { parts, sandbox } = await engineParts({ env: { PUBLIC_URL: 'https://broadcaster.example.com' } });
    const reception = { receivesWebhooks: false };

    const role = await startWorkerRole(parts, reception);

    expect(reception.receivesWebhooks).toBe(true);
    expect(role.replyWatcher).toBeDefined();
    expect(sandbox.state.requests.routeCounts()['POST /v1/webhooks']).toBe(1);
  });

  it('starts no reply watcher where the v1.08 company hook brings the replies', async () => {
    const { parts } = await engineParts({
      env: { PUBLIC_URL: 'https://broadcaster.example.com' },
      sandbox: { webhooksApi: false },
    });
    const reception = { receivesWebhooks: false };

    const role = await startWorkerRole(parts, reception);

    expect(reception.receivesWebhooks).toBe(true);
    expect(role.replyWatcher).toBeUndefined();
    expect(await parts.chat2desk.registry.metrics()).not.toMatch(/broadcaster_reply_polls_total/);
  });

  it('refuses to start with a token Chat2Desk does not know, at once and adding no stop of its own', async () => {
    const { parts, sandbox, lines } = await engineParts({ token: 'wrong-token' });
    const before = stops.length;

    await expect(startWorkerRole(parts, { receivesWebhooks: false })).rejects.toBeInstanceOf(
      Chat2DeskAuthError,
    );

    expect(stops.length).toBe(before);
    expect(sandbox.state.requests.routeCounts()['GET /v1/companies/api_info']).toBe(1);
    expect(lines.filter((line) => line['level'] === 40)).toEqual([]);
  });

  it("adds its stops to the engine's: once they have run, a due delivery stays queued", async () => {
    const { parts, db, sandbox } = await engineParts();
    const before = stops.length;
    await startWorkerRole(parts, { receivesWebhooks: false });
    expect(stops.length).toBeGreaterThan(before);

    await runStops();
    const home = await seedRunningCampaign(db.sql);
    const id = await seedDelivery(db.sql, home, { contactId: await seedContact(db.sql, '79990000001') });
    await db.sql`select pg_notify('broadcaster_deliveries', '')`;
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect((await deliveryRow(db.sql, id)).state).toBe('queued');
    expect(sandbox.state.requests.routeCounts()['POST /v1/messages']).toBeUndefined();
  });

  it('reads STOP in OPT_OUT_KEYWORDS and answers it once with OPT_OUT_CONFIRMATION_TEXT', async () => {
    const text = 'Вы отписаны от рассылки';
    const { parts, db, sandbox } = await engineParts({
      env: { OPT_OUT_KEYWORDS: 'хватит спама', OPT_OUT_CONFIRMATION_TEXT: text },
    });
    const client = sandbox.state.addClient({ phone: '79990000011' });
    sandbox.state.addClientTransport(client, 1, 'sms', 'api');
    await db.sql`insert into contacts (phone, opted_in_at, chat2desk_client_id) values ('79990000011', now(), ${client.id})`;
    await startWorkerRole(parts, { receivesWebhooks: false });

    await sandbox.clientReply(client.id, 'Хватит спама!', { transport: 'sms', channelId: 1 });
    (parts.clock as ManualClock).advance(61_000);

    const confirmations = () =>
      sandbox.state.messages.filter(
        (m) => m.type === 'to_client' && m.clientId === client.id && m.text === text,
      );
    await eventually(() => confirmations().length === 1, 10_000, 'the confirmation sent');
    const [contact] = await db.sql`select opt_out_reason from contacts where phone = '79990000011'`;
    expect(contact?.opt_out_reason).toBe('stop_reply');
  });
});
