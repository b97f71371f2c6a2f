import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { sendTestMessage, type TestSendDeps, TestSendRefusedError } from '../../src/campaigns/testSend.js';
import type { SandboxOptions } from '../../src/chat2desk/sandbox/index.js';
import { ContactNotFoundError } from '../../src/contacts/contacts.js';
import { createEngineHarness, type EngineHarness, START } from '../support/engineHarness.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const MINUTE = 60_000;
const WHATSAPP_DELAY_MS = 7 * MINUTE;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A harness, and the dependencies a test send is given in the engine: real database, sandbox, gate. */
async function setUp(sandbox: SandboxOptions = {}): Promise<{ harness: EngineHarness; deps: TestSendDeps }> {
  h = await createEngineHarness({ whatsappDelayMs: WHATSAPP_DELAY_MS, sandbox });
  const { client, gate } = await h.addWorker();
  return {
    harness: h,
    deps: {
      sql: h.db.sql,
      client,
      gate,
      clock: h.clock,
      whatsappDelayMs: WHATSAPP_DELAY_MS,
      phoneRegion: 'RU',
    },
  };
}

async function campaign(harness: EngineHarness, overrides: Record<string, unknown> = {}): Promise<number> {
  await harness.db.sql`insert into lists (name) values ('vip') on conflict do nothing`;
  const definition = validateCampaignDefinition(
    {
      name: 'Test me',
      kind: 'broadcast',
      transport: 'whatsapp',
      channelId: 1,
      template: 'Hi {{firstName}}, {{discount}}% off',
      audience: { list: 'vip' },
      schedule: { at: new Date(START.getTime() + 60 * MINUTE).toISOString() },
      ...overrides,
    },
    { now: START },
  );
  return (await createCampaign(harness.db, definition, { now: START, templatesDir: TEMPLATES })).id;
}

async function addContact(
  harness: EngineHarness,
  phone: string,
  options: { optedIn?: boolean; optedOut?: boolean; attributes?: Record<string, unknown> } = {},
): Promise<number> {
  const attributes = options.attributes ?? { firstName: 'Vera', discount: 30 };
  const [row] = await harness.db.sql<{ id: number }[]>`
    insert into contacts (phone, name, attributes, opted_in_at, opt_in_source, opted_out_at, opt_out_reason)
    values (
      ${phone}, 'Vera Volkova', ${harness.db.sql.json(attributes as never)},
      ${options.optedIn === false ? null : new Date(START.getTime() - 30 * 24 * 60 * MINUTE)}, 'test',
      ${options.optedOut ? new Date(START.getTime() - 24 * 60 * MINUTE) : null},
      ${options.optedOut ? 'test' : null})
    returning id`;
  return row!.id;
}

function sentMessages(harness: EngineHarness) {
  return harness.sandbox.state.messages.filter((m) => m.type === 'to_client');
}

describe('sendTestMessage', () => {
  it('refuses a phone no contact has', async () => {
    const { harness, deps } = await setUp();
    const id = await campaign(harness);

    const refused = sendTestMessage(deps, id, '+7 (900) 200-00-09');

    await expect(refused).rejects.toBeInstanceOf(ContactNotFoundError);
    await expect(refused).rejects.toMatchObject({
      code: 'contact_not_found',
      details: { phone: '79002000009' },
    });
    expect(sentMessages(harness)).toEqual([]);
  });

  it('refuses an opted-out contact, naming the consent rule', async () => {
    const { harness, deps } = await setUp();
    const id = await campaign(harness);
    const contactId = await addContact(harness, '79002000001', { optedOut: true });

    const refused = sendTestMessage(deps, id, '79002000001');

    await expect(refused).rejects.toBeInstanceOf(TestSendRefusedError);
    await expect(refused).rejects.toMatchObject({
      code: 'contact_opted_out',
      details: {
        campaignId: id,
        contactId,
        phone: '79002000001',
        rule: 'marketing: only contacts with a recorded opt-in; an opt-out stops every message',
      },
    });
    expect(sentMessages(harness)).toEqual([]);
  });

  it('refuses a marketing message to a contact without a recorded opt-in', async () => {
    const { harness, deps } = await setUp();
    const id = await campaign(harness);
    const contactId = await addContact(harness, '79002000002', { optedIn: false });

    await expect(sendTestMessage(deps, id, '79002000002')).rejects.toMatchObject({
      name: 'TestSendRefusedError',
      code: 'no_consent',
      details: { campaignId: id, contactId, phone: '79002000002' },
    });
    expect(sentMessages(harness)).toEqual([]);
  });

  it('refuses a contact who lacks a variable of the template, naming it', async () => {
    const { harness, deps } = await setUp();
    const id = await campaign(harness);
    const contactId = await addContact(harness, '79002000003', { attributes: { firstName: 'Gleb' } });

    await expect(sendTestMessage(deps, id, '79002000003')).rejects.toMatchObject({
      name: 'TestSendRefusedError',
      code: 'missing_variable',
      details: { campaignId: id, contactId, phone: '79002000003', variable: 'discount' },
    });
    expect(sentMessages(harness)).toEqual([]);
  });

  it('does not write to a WhatsApp client it has just created, and says when it may', async () => {
    const { harness, deps } = await setUp();
    const id = await campaign(harness);
    const contactId = await addContact(harness, '79002000004');

    await expect(sendTestMessage(deps, id, '79002000004')).rejects.toMatchObject({
      name: 'TestSendRefusedError',
      code: 'whatsapp_delay',
      details: {
        campaignId: id,
        contactId,
        phone: '79002000004',
        retryAt: new Date(START.getTime() + WHATSAPP_DELAY_MS).toISOString(),
      },
    });
    // The client was made on WhatsApp, but nothing was sent to it.
    const created = harness.sandbox.state.clientByPhone('79002000004');
    expect(created?.transportOn(1, 'whatsapp')).toBeDefined();
    expect(sentMessages(harness)).toEqual([]);
  });

  it('sends at once to a client who wrote first, with the text as composed for the contact', async () => {
    // Where client creation is off (the manual's default), a client who wrote first is looked up by phone.
    const { harness, deps } = await setUp({ clientCreationEnabled: false });
    const id = await campaign(harness);
    const contactId = await addContact(harness, '79002000005');
    const wroteFirst = harness.sandbox.state.addClient({ phone: '79002000005' });
    harness.sandbox.state.addClientTransport(wroteFirst, 1, 'whatsapp', 'client');

    const result = await sendTestMessage(deps, id, '+7 900 200-00-05');

    const [sent, ...more] = sentMessages(harness);
    expect(more).toEqual([]);
    expect(sent).toMatchObject({
      clientId: wroteFirst.id,
      text: 'Hi Vera, 30% off',
      transport: 'whatsapp',
      channelId: 1,
    });
    expect(result).toEqual({
      campaignId: id,
      contactId,
      phone: '79002000005',
      transport: 'whatsapp',
      chat2deskClientId: String(wroteFirst.id),
      messageId: sent!.id,
      text: 'Hi Vera, 30% off',
    });
    // A test message is not a delivery of the campaign.
    const [deliveries] = await harness.db.sql<{ n: number }[]>`select count(*)::int as n from deliveries`;
    expect(deliveries).toEqual({ n: 0 });
  });
});
