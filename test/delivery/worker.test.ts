import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { cancelCampaign, pauseCampaign, resumeCampaign } from '../../src/campaigns/lifecycle.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  eventually,
  START,
  seedContacts,
} from '../support/engineHarness.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const MINUTE = 60_000;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function broadcast(harness: EngineHarness, overrides: Record<string, unknown> = {}) {
  const definition = validateCampaignDefinition(
    {
      name: 'Black Friday',
      kind: 'broadcast',
      transport: 'whatsapp',
      channelId: 1,
      template: 'Hi {{firstName}}, {{discount}}% off',
      audience: { list: 'vip' },
      schedule: { at: new Date(START.getTime() + MINUTE).toISOString() },
      ...overrides,
    },
    { now: harness.clock.now() },
  );
  return createCampaign(harness.db, definition, { now: harness.clock.now(), templatesDir: TEMPLATES });
}

/** Moves the clock to the campaign's instant and lets the scheduler create and expand its run. */
async function runSchedule(harness: EngineHarness) {
  harness.clock.advance(MINUTE);
  const timekeeper = new Timekeeper({ sql: harness.db.sql, clock: harness.clock });
  await timekeeper.tick();
  return timekeeper;
}

describe('a broadcast to 1,000 contacts', () => {
  it('sends exactly once to each consenting contact, never on WhatsApp before the new-client delay, and ends every delivery with a reason', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
    await seedContacts(h.db.sql, {
      count: 1000,
      list: 'vip',
      optedOutEvery: 50,
      noConsentEvery: 40,
      invalidEvery: 97,
    });
    const campaign = await broadcast(h);
    const timekeeper = await runSchedule(h);
    const { worker } = await h.addWorker();

    await worker.drain();
    // Every new WhatsApp client waits for the delay: nothing reached the sandbox yet.
    expect(h.sandbox.state.messages.filter((m) => m.type === 'to_client')).toHaveLength(0);
    const waiting = await deliveryStates(h.db.sql, campaign.id);
    expect(waiting.waiting).toBeGreaterThan(900);

    h.clock.advance(7 * MINUTE);
    await worker.drain();
    await timekeeper.tick();

    const rows = await h.db.sql<
      { state: string; reason: string | null; phone: string; message_id: string | null }[]
    >`
      select d.state, d.reason, c.phone, d.chat2desk_message_id as message_id
      from deliveries d join contacts c on c.id = d.contact_id where d.campaign_id = ${campaign.id}`;
    expect(rows).toHaveLength(1000);
    for (const row of rows) {
      expect(['sent', 'skipped']).toContain(row.state);
      if (row.state === 'skipped') expect(row.reason).toMatch(/^(opted_out|no_consent|invalid_phone)$/);
    }
    const byReason = (reason: string) => rows.filter((r) => r.reason === reason).length;
    expect(byReason('opted_out')).toBe(20);
    expect(byReason('invalid_phone')).toBeGreaterThan(0);
    expect(byReason('no_consent')).toBeGreaterThan(0);

    // The sandbox holds exactly one message per sent delivery, to that contact, and none to anyone else.
    const sent = rows.filter((r) => r.state === 'sent');
    const outgoing = h.sandbox.state.messages.filter((m) => m.type === 'to_client');
    expect(outgoing).toHaveLength(sent.length);
    const phonesMessaged = outgoing.map((m) => h!.sandbox.state.client(m.clientId)!.phone);
    expect(new Set(phonesMessaged).size).toBe(outgoing.length);
    expect(new Set(phonesMessaged)).toEqual(new Set(sent.map((r) => r.phone)));
    expect(new Set(sent.map((r) => r.message_id)).size).toBe(sent.length);

    // Never early: each message was accepted no sooner than its client's creation plus the delay.
    for (const message of outgoing) {
      const client = h.sandbox.state.client(message.clientId)!;
      const whatsapp = client.transports.find((t) => t.transport === 'whatsapp')!;
      expect(message.acceptedAt.getTime() - whatsapp.addedAt.getTime()).toBeGreaterThanOrEqual(7 * MINUTE);
    }
    const [run] = await h.db.sql`select status from campaign_runs where campaign_id = ${campaign.id}`;
    expect(run?.status).toBe('completed');
    const [row] = await h.db.sql`select status from campaigns where id = ${campaign.id}`;
    expect(row?.status).toBe('completed');
  });
});

describe('limits', () => {
  it('never lets the sandbox see more requests in a second than the configured rate, with three workers', async () => {
    h = await createEngineHarness({ sandbox: { requestsPerSecond: 20 } });
    await seedContacts(h.db.sql, { count: 45, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const workers = await Promise.all(
      // Sandbox, workers and database share this process and a loaded test machine: the limiter gets a
      // wider margin than its 20 ms default for the event loop's lag, which a real deployment lacks.
      [1, 2, 3].map(() => h!.addWorker({ requestsPerSecond: 20, batchSize: 5, safetyMarginMs: 40 })),
    );

    await Promise.all(workers.map(({ worker }) => worker.drain()));

    const reasons = await h.db.sql`select reason, count(*)::int as n from delivery_events group by reason`;
    expect(await deliveryStates(h.db.sql, campaign.id), JSON.stringify(reasons)).toEqual({ sent: 45 });
    expect(h.sandbox.state.requests.statusCounts()['429']).toBeUndefined();
    expect(h.sandbox.state.requestsInBusiestSecond()).toBeLessThanOrEqual(20);
    const routes = h.sandbox.state.requests.routeCounts();
    expect([routes['POST /v1/clients'], routes['POST /v1/messages']]).toEqual([45, 45]); // one creation, one send each
  });

  it('pauses the campaign before the monthly quota would run out, instead of failing deliveries', async () => {
    h = await createEngineHarness({ sandbox: { monthlyQuota: 200 } });
    await seedContacts(h.db.sql, { count: 150, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const { worker } = await h.addWorker({ monthlyQuota: 200 });

    await worker.drain();

    const [row] = await h.db.sql`select status, status_reason from campaigns where id = ${campaign.id}`;
    expect(row).toEqual({ status: 'paused', status_reason: 'quota_guard' });
    const states = await deliveryStates(h.db.sql, campaign.id);
    expect(states.failed).toBeUndefined();
    expect(states.sent).toBeGreaterThan(0);
    expect((states.sent ?? 0) + (states.queued ?? 0)).toBe(150);
    // The sandbox never had to refuse a request for the quota.
    expect(h.sandbox.state.requests.statusCounts()['403']).toBeUndefined();
    expect(h.sandbox.state.requestsThisMonth()).toBeLessThan(200);
  });
});

describe('exactly once through crashes and lost answers', () => {
  it('records a message whose answer was lost (accepted, then the connection dropped) once, without resending', async () => {
    h = await createEngineHarness({ sandbox: { faults: { acceptThenDropRate: 1, seed: 7 } } });
    await seedContacts(h.db.sql, { count: 5, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const { worker } = await h.addWorker();
    // Client creation is not a message send: the fault only hits POST /v1/messages.

    await worker.drain();

    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: 5 });
    const outgoing = h.sandbox.state.messages.filter((m) => m.type === 'to_client');
    expect(outgoing).toHaveLength(5);
    const recovered = await h.db.sql`
      select count(*)::int as n from delivery_events where to_state = 'sent' and details->>'reconciled' is not null`;
    expect(recovered[0]?.n).toBe(5);
  });

  it('after a worker dies between the HTTP call and recording it, a new worker finds the message and does not resend', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 3, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const first = await h.addWorker();
    await first.worker.drain();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: 3 });
    // Rewind the outcome: as if the worker sent, then died before writing `sent`.
    await h.db.sql`
      update deliveries set state = 'sending', sent_at = null, chat2desk_message_id = null,
        locked_by = 'dead-worker', locked_at = ${h.clock.now()} where campaign_id = ${campaign.id}`;

    const second = await h.addWorker();
    await second.worker.drain();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sending: 3 }); // the lease still holds
    h.clock.advance(10 * MINUTE);
    await second.worker.drain();

    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: 3 });
    expect(h.sandbox.state.messages.filter((m) => m.type === 'to_client')).toHaveLength(3);
  });

  it('after a worker dies between recording `sending` and the HTTP call, the message is sent once', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 3, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms', template: 'Hello {{firstName}}' });
    await runSchedule(h);
    // The clients exist in Chat2Desk; the dead worker recorded `sending` with the text, then nothing.
    const rows = await h.db.sql<{ id: string; phone: string; first_name: string }[]>`
      select d.id, c.phone, c.attributes->>'firstName' as first_name
      from deliveries d join contacts c on c.id = d.contact_id where d.campaign_id = ${campaign.id}`;
    for (const row of rows) {
      const created = h.sandbox.state.addClient({ phone: row.phone });
      h.sandbox.state.addClientTransport(created, 1, 'sms', 'api');
      await h.db.sql`
        update deliveries set state = 'sending', sending_at = ${h.clock.now()}, attempts = 1,
          rendered_text = ${`Hello ${row.first_name}`}, chat2desk_client_id = ${created.id},
          locked_by = 'dead-worker', locked_at = ${h.clock.now()} where id = ${row.id}`;
    }
    h.clock.advance(10 * MINUTE);

    const { worker } = await h.addWorker();
    await worker.drain();
    h.clock.advance(10 * MINUTE);
    await worker.drain();

    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: 3 });
    expect(h.sandbox.state.messages.filter((m) => m.type === 'to_client')).toHaveLength(3);
  });

  it('retries a send refused with 5xx and sends it once', async () => {
    h = await createEngineHarness({ sandbox: { faults: { serverErrorRate: 0.5, seed: 3 } } });
    await seedContacts(h.db.sql, { count: 20, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const { worker } = await h.addWorker();

    for (let i = 0; i < 12; i++) {
      await worker.drain();
      h.clock.advance(10 * MINUTE);
    }
    // The outage ends: whatever is still unsettled (a reconciliation that hit a 5xx) settles now.
    h.sandbox.setFaults({});
    for (let i = 0; i < 2; i++) {
      h.clock.advance(10 * MINUTE);
      await worker.drain();
    }

    const states = await deliveryStates(h.db.sql, campaign.id);
    expect(
      Object.keys(states).filter((s) => s !== 'sent' && s !== 'failed'),
      JSON.stringify(states),
    ).toEqual([]);
    const sentPhones = h.sandbox.state.messages
      .filter((m) => m.type === 'to_client')
      .map((m) => h!.sandbox.state.client(m.clientId)!.phone);
    expect(new Set(sentPhones).size).toBe(sentPhones.length);
    expect(sentPhones).toHaveLength(states.sent ?? 0);
  });
});

describe('consent at send time', () => {
  it('skips a contact who opted out after expansion, and sends to nobody who did', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 10, list: 'vip' });
    await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    await h.db
      .sql`update contacts set opted_out_at = ${h.clock.now()}, opt_out_reason = 'asked' where phone = '79000000003'`;
    const { worker } = await h.addWorker();

    await worker.drain();

    const [row] = await h.db.sql`
      select d.state, d.reason from deliveries d join contacts c on c.id = d.contact_id where c.phone = '79000000003'`;
    expect(row).toEqual({ state: 'skipped', reason: 'opted_out' });
    expect(h.sandbox.state.clientByPhone('79000000003')).toBeUndefined();
  });

  it('skips a contact whose template variable is missing with reason missing_variable:<name>', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    await h.db.sql`update contacts set attributes = attributes - 'discount' where phone = '79000000001'`;
    const campaign = await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const { worker } = await h.addWorker();

    await worker.drain();

    const rows = await h.db.sql`
      select c.phone, d.state, d.reason, d.rendered_text from deliveries d join contacts c on c.id = d.contact_id
      where d.campaign_id = ${campaign.id} order by c.phone`;
    expect(rows).toEqual([
      { phone: '79000000001', state: 'skipped', reason: 'missing_variable:discount', rendered_text: null },
      { phone: '79000000002', state: 'sent', reason: null, rendered_text: 'Hi Name2, 12% off' },
    ]);
  });
});

describe('pause, resume and cancel', () => {
  it('sends nothing while paused, and each delivery exactly once after resuming', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 30, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const { worker } = await h.addWorker({ batchSize: 10 });
    await worker.runOnce(); // ten go out
    await pauseCampaign(h.db.sql, campaign.id, { now: h.clock.now() });

    await worker.drain();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: 10, queued: 20 });

    await resumeCampaign(h.db.sql, campaign.id, { now: h.clock.now() });
    await worker.drain();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: 30 });
    const phones = h.sandbox.state.messages
      .filter((m) => m.type === 'to_client')
      .map((m) => h!.sandbox.state.client(m.clientId)!.phone);
    expect(new Set(phones).size).toBe(30);
    expect(phones).toHaveLength(30);
  });

  it('skips what was not sent when cancelled, with reason cancelled, and sends nothing more', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 20, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const { worker } = await h.addWorker({ batchSize: 5 });
    await worker.runOnce();

    await cancelCampaign(h.db.sql, campaign.id, { now: h.clock.now() });
    await worker.drain();

    const rows = await h.db.sql`
      select state, reason, count(*)::int as n from deliveries where campaign_id = ${campaign.id} group by 1, 2`;
    expect(rows).toEqual(
      expect.arrayContaining([
        { state: 'sent', reason: null, n: 5 },
        { state: 'skipped', reason: 'cancelled', n: 15 },
      ]),
    );
    expect(h.sandbox.state.messages.filter((m) => m.type === 'to_client')).toHaveLength(5);
  });

  it("keeps to the campaign's own rate limit on top of the account's", async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 12, list: 'vip' });
    const campaign = await broadcast(h, { transport: 'sms', rateLimit: { perSecond: 4 } });
    await runSchedule(h);
    // Clients exist already: each delivery is one request, all of them under the campaign's limit.
    for (const row of await h.db.sql<{ id: number; phone: string }[]>`select id, phone from contacts`) {
      const client = h.sandbox.state.addClient({ phone: row.phone });
      h.sandbox.state.addClientTransport(client, 1, 'sms', 'api');
      await h.db.sql`
        update contacts set chat2desk_client_id = ${client.id}, chat2desk_transports = '{sms}' where id = ${row.id}`;
    }
    const { worker } = await h.addWorker({ concurrency: 12 });

    // The campaign's pace is kept in real time (3 s for 12 at 4/s): a delivery whose slot is beyond the
    // admission horizon waits for it, and a drain that finds none due at that instant stops early.
    await eventually(
      async () => {
        await worker.drain();
        return (await deliveryStates(h!.db.sql, campaign.id)).sent === 12;
      },
      30_000,
      'every delivery sent at the campaign’s pace',
      100,
    );

    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: 12 });
    const sends = h.sandbox.state.requests
      .entries()
      .filter((e) => e.route === 'POST /v1/messages')
      .map((e) => e.realTimeMs);
    const busiest = Math.max(...sends.map((t) => sends.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBeLessThanOrEqual(4);
  });
});

describe('logs', () => {
  it('writes one debug line per state change of a delivery', async () => {
    const { Writable } = await import('node:stream');
    const { createLogger } = await import('../../src/logger.js');
    const lines: Array<{ msg: string; deliveryId?: string; to?: string }> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    await broadcast(h, { transport: 'sms' });
    await runSchedule(h);
    const { worker } = await h.addWorker({ logger: createLogger('debug', sink) });

    await worker.drain();

    const changes = lines.filter((l) => l.msg === 'delivery state');
    expect(changes.map((l) => l.to).sort()).toEqual(['sending', 'sending', 'sent', 'sent']);
  });
});
