import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  START,
  seedContacts,
} from '../support/engineHarness.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function whatsappBroadcast(harness: EngineHarness, list: string, at: Date): Promise<number> {
  const definition = validateCampaignDefinition(
    {
      name: `To ${list}`,
      kind: 'broadcast',
      transport: 'whatsapp',
      channelId: 1,
      template: 'Hello',
      audience: { list },
      schedule: { at: at.toISOString() },
    },
    { now: harness.clock.now() },
  );
  const campaign = await createCampaign(harness.db, definition, {
    now: harness.clock.now(),
    templatesDir: TEMPLATES,
  });
  return campaign.id;
}

async function runDue(harness: EngineHarness): Promise<void> {
  await new Timekeeper({ sql: harness.db.sql, clock: harness.clock }).tick();
}

/** A client who wrote to the company on WhatsApp long ago: known to Chat2Desk, not created by us. */
function existingWhatsAppClient(harness: EngineHarness, phone: string) {
  const client = harness.sandbox.state.addClient({ phone });
  harness.sandbox.state.addClientTransport(client, 1, 'whatsapp', 'client');
  return client;
}

async function reasons(harness: EngineHarness, campaignId: number): Promise<Record<string, string>> {
  const rows = await harness.db.sql<{ phone: string; state: string; reason: string | null }[]>`
    select c.phone, d.state, d.reason from deliveries d join contacts c on c.id = d.contact_id
    where d.campaign_id = ${campaignId} order by c.phone`;
  return Object.fromEntries(
    rows.map((row) => [row.phone, `${row.state}${row.reason ? `:${row.reason}` : ''}`]),
  );
}

describe('an account whose client creation is switched off (the manual’s default)', () => {
  it('reaches the clients Chat2Desk knows at once, skips the rest with a reason, and never pauses the campaign', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE, sandbox: { clientCreationEnabled: false } });
    await seedContacts(h.db.sql, { count: 8, list: 'vip' });
    const phones = Array.from({ length: 8 }, (_, i) => String(79000000000 + i + 1));
    for (const phone of phones.slice(0, 5)) existingWhatsAppClient(h, phone);
    const campaignId = await whatsappBroadcast(h, 'vip', new Date(START.getTime() + MINUTE));
    h.clock.advance(MINUTE);
    await runDue(h);
    const { worker, client } = await h.addWorker();

    await worker.drain();

    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ sent: 5, skipped: 3 });
    const byPhone = await reasons(h, campaignId);
    for (const phone of phones.slice(0, 5)) expect(byPhone[phone]).toBe('sent');
    for (const phone of phones.slice(5)) expect(byPhone[phone]).toBe('skipped:client_not_in_chat2desk');
    const [campaign] = await h.db.sql<
      { status: string }[]
    >`select status from campaigns where id = ${campaignId}`;
    expect(campaign!.status).not.toBe('paused');
    // Clients who wrote first were not created by us: no new-client delay, sent at the campaign's minute.
    const sentAt = await h.db.sql<{ sent_at: Date }[]>`
      select sent_at from deliveries where campaign_id = ${campaignId} and state = 'sent'`;
    for (const row of sentAt) expect(row.sent_at).toEqual(new Date(START.getTime() + MINUTE));
    // Learnt from the refusal: a later campaign looks the phones up without asking again.
    const asked = client.requestCounts()['POST /v1/clients'] ?? 0;
    const again = await whatsappBroadcast(h, 'vip', new Date(h.clock.now().getTime() + MINUTE));
    h.clock.advance(MINUTE);
    await runDue(h);
    await worker.drain();
    expect(await deliveryStates(h.db.sql, again)).toEqual({ sent: 5, skipped: 3 });
    expect(client.requestCounts()['POST /v1/clients'] ?? 0).toBe(asked);
  });

  it('tries creating again a day later, and creates clients once support has switched it on', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE, sandbox: { clientCreationEnabled: false } });
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    const first = await whatsappBroadcast(h, 'vip', new Date(START.getTime() + MINUTE));
    h.clock.advance(MINUTE);
    await runDue(h);
    const { worker, client } = await h.addWorker();
    await worker.drain();
    expect(await deliveryStates(h.db.sql, first)).toEqual({ skipped: 2 });
    // Both may have asked before the first refusal was recorded (they are sent side by side).
    const asked = client.requestCounts()['POST /v1/clients'] ?? 0;
    expect(asked).toBeGreaterThanOrEqual(1);

    h.sandbox.setOptions({ clientCreationEnabled: true });
    h.clock.advance(12 * HOUR);
    const second = await whatsappBroadcast(h, 'vip', new Date(h.clock.now().getTime() + MINUTE));
    h.clock.advance(MINUTE);
    await runDue(h);
    await worker.drain();
    // Still believed off within the day: looked up, not created.
    expect(await deliveryStates(h.db.sql, second)).toEqual({ skipped: 2 });
    expect(client.requestCounts()['POST /v1/clients']).toBe(asked);

    h.clock.advance(12 * HOUR);
    const third = await whatsappBroadcast(h, 'vip', new Date(h.clock.now().getTime() + MINUTE));
    h.clock.advance(MINUTE);
    await runDue(h);
    await worker.drain();
    // Created now, so WhatsApp's new-client delay applies before they are sent.
    expect(await deliveryStates(h.db.sql, third)).toEqual({ waiting: 2 });
    expect(client.requestCounts()['POST /v1/clients']).toBe(asked + 2);
    h.clock.advance(7 * MINUTE);
    await worker.drain();
    expect(await deliveryStates(h.db.sql, third)).toEqual({ sent: 2 });
  });
});

describe('a client id Chat2Desk no longer knows', () => {
  it('is forgotten and the client resolved again by phone, instead of failing the delivery', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
    await seedContacts(h.db.sql, { count: 1, list: 'vip' });
    const phone = '79000000001';
    const real = existingWhatsAppClient(h, phone);
    // Cached from another account (or merged away since): the sandbox has no client 987654.
    await h.db.sql`
      update contacts set chat2desk_client_id = '987654', chat2desk_transports = '{whatsapp}' where phone = ${phone}`;
    const campaignId = await whatsappBroadcast(h, 'vip', new Date(START.getTime() + MINUTE));
    h.clock.advance(MINUTE);
    await runDue(h);
    const { worker } = await h.addWorker();

    await worker.drain();
    expect(await reasons(h, campaignId)).toEqual({ [phone]: 'waiting:retry:client_not_found' });
    const [contact] = await h.db.sql<{ id: string | null }[]>`
      select chat2desk_client_id as id from contacts where phone = ${phone}`;
    expect(contact!.id).toBeNull();

    // Resolved again through POST /v1/clients (Chat2Desk's upsert keeps the real client's id); the
    // engine cannot tell it did not create the client, so it waits out the new-client delay.
    h.clock.advance(MINUTE);
    await worker.drain();
    expect(await reasons(h, campaignId)).toEqual({ [phone]: 'waiting:whatsapp_new_client_delay' });
    h.clock.advance(7 * MINUTE);
    await worker.drain();
    expect(await reasons(h, campaignId)).toEqual({ [phone]: 'sent' });
    const [delivery] = await h.db.sql<{ client: string }[]>`
      select chat2desk_client_id::text as client from deliveries where campaign_id = ${campaignId}`;
    expect(delivery!.client).toBe(String(real.id));
  });
});
