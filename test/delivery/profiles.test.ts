import { afterEach, describe, expect, it } from 'vitest';
import {
  SANDBOX_PROFILE_NAMES,
  SANDBOX_PROFILES,
  type SandboxProfile,
} from '../../src/chat2desk/sandbox/profiles.js';
import { StatusPoller } from '../../src/delivery/statusPoller.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  START,
  seedContacts,
  startBroadcast,
} from '../support/engineHarness.js';

/*
 * The engine's delivery path against the sandbox in both profiles: `friendly` (the demo's) and
 * `production` (a real account as it starts: creation off, demo quota, 20 requests/s, live-style
 * paging, viber_business). What differs is only what a real account makes differ.
 */

const MINUTE = 60_000;
/** The account's budget as a user would set it (CHAT2DESK_REQUESTS_PER_SECOND's default). */
const REQUESTS_PER_SECOND = 10;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function harnessIn(profile: SandboxProfile, extra: Parameters<typeof createEngineHarness>[0] = {}) {
  return createEngineHarness({
    whatsappDelayMs: 7 * MINUTE,
    ...extra,
    sandbox: { ...SANDBOX_PROFILES[profile], ...extra.sandbox },
  });
}

/** Contacts 79000000001.. whose clients wrote to the company first on `transport`: Chat2Desk knows them. */
function wroteFirst(harness: EngineHarness, count: number, transport: string): void {
  for (let i = 1; i <= count; i++) {
    const client = harness.sandbox.state.addClient({ phone: String(79000000000 + i) });
    harness.sandbox.state.addClientTransport(client, 1, transport, 'client');
  }
}

async function campaignStatus(harness: EngineHarness, campaignId: number): Promise<string> {
  const [row] = await harness.db.sql<
    { status: string }[]
  >`select status from campaigns where id = ${campaignId}`;
  return row!.status;
}

describe.each(SANDBOX_PROFILE_NAMES)('the engine against the sandbox’s %s profile', (profile) => {
  const production = profile === 'production';

  it('reaches every contact it may: new ones created (friendly) or skipped with a reason (production), the campaign going on', async () => {
    h = await harnessIn(profile);
    await seedContacts(h.db.sql, { count: 6, list: 'vip' });
    wroteFirst(h, 3, 'whatsapp');
    const campaignId = await startBroadcast(h, { transport: 'whatsapp', list: 'vip' });
    const { worker } = await h.addWorker({ requestsPerSecond: REQUESTS_PER_SECOND });

    await worker.drain();
    h.clock.advance(7 * MINUTE);
    await worker.drain();

    expect(await deliveryStates(h.db.sql, campaignId)).toEqual(
      production ? { sent: 3, skipped: 3 } : { sent: 6 },
    );
    const reasons = await h.db.sql<{ reason: string }[]>`
      select distinct reason from deliveries where campaign_id = ${campaignId} and state = 'skipped'`;
    expect(reasons.map((r) => r.reason)).toEqual(production ? ['client_not_in_chat2desk'] : []);
    expect(await campaignStatus(h, campaignId)).not.toBe('paused');
    // Where creation is off, those who wrote first are looked up and sent to at the campaign's minute.
    // Where it is on, POST /v1/clients cannot tell them from new clients: all wait the WhatsApp delay
    // (a large run learns the directory first instead: clientDirectory.test.ts).
    const sentAt = await h.db.sql<{ at: Date }[]>`
      select distinct d.sent_at as at from deliveries d join contacts c on c.id = d.contact_id
      where d.campaign_id = ${campaignId} and d.state = 'sent'`;
    const minute = START.getTime() + MINUTE;
    expect(sentAt.map((r) => r.at.getTime())).toEqual([production ? minute : minute + 7 * MINUTE]);
  });

  it('learns the client directory before a large run and sends to clients already there at once, one request each', async () => {
    h = await harnessIn(profile);
    await seedContacts(h.db.sql, { count: 300, list: 'vip' });
    wroteFirst(h, 300, 'whatsapp');
    const campaignId = await startBroadcast(h, { transport: 'whatsapp', list: 'vip' });
    // Paced by the account's rate this would take 30 s of real time: the rate is not what this is about.
    h.sandbox.setOptions({ requestsPerSecond: 0 });
    const { worker, client } = await h.addWorker();

    await worker.drain();

    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ sent: 300 });
    const counts = client.requestCounts();
    expect(counts['GET /v1/clients']).toBe(2);
    expect(counts['POST /v1/messages']).toBe(300);
    expect(counts['POST /v1/clients'] ?? 0).toBe(0);
  });

  it('records a message whose answer was lost once, found behind a long history whatever the paging', async () => {
    h = await harnessIn(profile);
    await seedContacts(h.db.sql, { count: 1, list: 'vip' });
    wroteFirst(h, 1, 'sms');
    const { worker, client } = await h.addWorker({ requestsPerSecond: REQUESTS_PER_SECOND });
    const known = h.sandbox.state.clientByPhone('79000000001')!;
    // The history is written faster than the profile's rate limit allows (its second would still be
    // spent when the engine starts): the limit is not what this is about.
    h.sandbox.setOptions({ requestsPerSecond: 0 });
    for (let i = 0; i < 250; i++) await client.sendMessage({ clientId: known.id, text: `old news ${i}` });
    h.sandbox.setFaults({ acceptThenDropRate: 1 });
    const campaignId = await startBroadcast(h, { transport: 'sms', list: 'vip' });

    await worker.drain();
    h.sandbox.setFaults({});
    h.clock.advance(10 * MINUTE);
    await worker.drain();

    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ sent: 1 });
    const ours = h.sandbox.state.messages.filter((m) => m.type === 'to_client' && m.text === 'Hi Name1');
    expect(ours).toHaveLength(1);
  });

  it('applies a STOP read by polling before the next message goes out', async () => {
    h = await harnessIn(profile);
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    wroteFirst(h, 2, 'sms');
    const chatty = h.sandbox.state.clientByPhone('79000000001')!;
    for (let i = 0; i < 300; i++) await h.sandbox.clientReply(chatty.id, `old question ${i}`);
    const { worker, replies } = await h.addWorker({
      requestsPerSecond: REQUESTS_PER_SECOND,
      replyWatcher: {},
    });
    await replies!.tick();

    await h.sandbox.clientReply(chatty.id, 'СТОП');
    h.clock.advance(MINUTE);
    const campaignId = await startBroadcast(h, { transport: 'sms', list: 'vip' });
    await worker.drain();

    const rows = await h.db.sql<{ phone: string; state: string; reason: string | null }[]>`
      select c.phone, d.state, d.reason from deliveries d join contacts c on c.id = d.contact_id
      where d.campaign_id = ${campaignId} order by c.phone`;
    expect(rows).toEqual([
      { phone: '79000000001', state: 'skipped', reason: 'opted_out' },
      { phone: '79000000002', state: 'sent', reason: null },
    ]);
  });

  it('collects Viber delivery statuses where the account lists them (viber, or viber_business in production)', async () => {
    h = await harnessIn(profile, {
      sandbox: { statusTimings: { deliveredAfterMs: 1000, readAfterMs: 5000 } },
    });
    await seedContacts(h.db.sql, { count: 4, list: 'vip' });
    wroteFirst(h, 4, 'viber');
    const campaignId = await startBroadcast(h, { transport: 'viber', list: 'vip' });
    const { worker, client, gate } = await h.addWorker({ requestsPerSecond: REQUESTS_PER_SECOND });
    await worker.drain();
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ sent: 4 });

    const poller = new StatusPoller({ sql: h.db.sql, client, gate, clock: h.clock, budgetRatio: 1 });
    h.clock.advance(2_000);
    await poller.pollOnce();
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ delivered: 4 });
  });
});
