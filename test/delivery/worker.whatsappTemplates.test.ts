import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';
import { api, type Json } from '../support/sandboxApi.js';

/**
 * A campaign that sends an approved WhatsApp template and/or a file, from the database to the
 * sandbox over real HTTP: the @HSM@ markup with each contact's values, a contact missing a variable
 * skipped, a file sent with its text or alone, and a file its transport cannot carry skipped before
 * anything is sent (the transports help asked once, not per message).
 */
const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const MINUTE = 60_000;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Person {
  phone: string;
  attributes: Record<string, unknown>;
}

/** Contacts with consent in list `list`, already clients of Chat2Desk on `transport` (no new-client delay). */
async function seed(harness: EngineHarness, list: string, transport: string, people: Person[]) {
  await harness.db.sql`insert into lists (name) values (${list}) on conflict do nothing`;
  for (const person of people) {
    const client = harness.sandbox.state.addClient({ phone: person.phone });
    harness.sandbox.state.addClientTransport(client, 1, transport, 'client');
    const [contact] = await harness.db.sql<{ id: number }[]>`
      insert into contacts (phone, name, attributes, opted_in_at, chat2desk_client_id, chat2desk_transports)
      values (${person.phone}, ${`Client ${person.phone}`}, ${harness.db.sql.json(person.attributes as never)},
              ${new Date(harness.clock.now().getTime() - 30 * 24 * 60 * MINUTE)}, ${client.id}, ${[transport]})
      returning id`;
    await harness.db.sql`
      insert into list_members (list_id, contact_id) select id, ${contact!.id} from lists where name = ${list}`;
  }
}

/** Creates the campaign, makes it due and lets one worker send everything. */
async function run(harness: EngineHarness, campaign: Record<string, unknown>): Promise<number> {
  const now = harness.clock.now();
  const definition = validateCampaignDefinition(
    {
      kind: 'broadcast',
      channelId: 1,
      schedule: { at: new Date(now.getTime() + MINUTE).toISOString() },
      ...campaign,
    },
    { now },
  );
  const { id } = await createCampaign(harness.db, definition, { now, templatesDir: TEMPLATES });
  harness.clock.advance(MINUTE);
  await new Timekeeper({ sql: harness.db.sql, clock: harness.clock }).tick();
  const { worker } = await harness.addWorker();
  await worker.drain();
  return id;
}

async function outcomes(harness: EngineHarness, campaignId: number) {
  const rows = await harness.db.sql<{ phone: string; state: string; reason: string | null }[]>`
    select c.phone, d.state, d.reason from deliveries d join contacts c on c.id = d.contact_id
    where d.campaign_id = ${campaignId} order by c.phone`;
  return Object.fromEntries(rows.map((r) => [r.phone, r.reason ? `${r.state} ${r.reason}` : r.state]));
}

/** What the sandbox lists for a phone's client: GET /v1/messages, as any API client reads it. */
async function listedTo(harness: EngineHarness, phone: string): Promise<Json[]> {
  const client = harness.sandbox.state.clientByPhone(phone);
  if (!client) return [];
  const answer = await api(harness.sandbox, 'GET', `/v1/messages?client_id=${client.id}&type=to_client`);
  expect(answer.status).toBe(200);
  return answer.body.data;
}

const transportsHelpRequests = (harness: EngineHarness) =>
  harness.sandbox.state.requests.entries().filter((r) => r.path.startsWith('/v1/help/transports')).length;

describe('a WhatsApp template campaign', () => {
  it('sends each contact the @HSM@ markup with its own values and skips one missing a variable', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 0 });
    await seed(h, 'orders', 'whatsapp', [
      { phone: '79005550001', attributes: { firstName: 'Anna', orderNo: 'A-1001' } },
      { phone: '79005550002', attributes: { firstName: 'Boris', orderNo: 'A-1002' } },
      { phone: '79005550003', attributes: { firstName: 'Vera' } },
    ]);
    const id = await run(h, {
      name: 'Order updates',
      transport: 'whatsapp',
      purpose: 'transactional',
      variables: { shop: 'Lavka' },
      whatsappTemplate: {
        name: 'order_update',
        language: 'ru',
        body: ['{{firstName}}', '{{orderNo}}', '{{shop}}'],
        buttons: ['{{orderNo}}'],
      },
      audience: { list: 'orders' },
    });

    expect(await outcomes(h, id)).toEqual({
      '79005550001': 'sent',
      '79005550002': 'sent',
      '79005550003': 'skipped missing_variable:orderNo',
    });
    const anna = await listedTo(h, '79005550001');
    expect(anna.map((m) => [m.text, m.transport, m.photo])).toEqual([
      ['@HSM@\norder_update|ru\nbody|text|Anna|A-1001|Lavka\nbutton|text|A-1001', 'whatsapp', null],
    ]);
    expect((await listedTo(h, '79005550002')).map((m) => m.text)).toEqual([
      '@HSM@\norder_update|ru\nbody|text|Boris|A-1002|Lavka\nbutton|text|A-1002',
    ]);
    expect(await listedTo(h, '79005550003')).toEqual([]);
    // The recorded text is the markup as sent: what reconciliation matches a lost answer by.
    const [recorded] = await h.db.sql<{ renderedText: string }[]>`
      select d.rendered_text as "renderedText" from deliveries d join contacts c on c.id = d.contact_id
      where d.campaign_id = ${id} and c.phone = '79005550001'`;
    expect(recorded!.renderedText).toBe(anna[0].text);
  });

  it('sends a media header template with its file as the attachment', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 0 });
    await seed(h, 'menu', 'whatsapp', [{ phone: '79005550011', attributes: { firstName: 'Gleb' } }]);
    const file = 'https://cdn.example.com/menu/winter.pdf';
    const id = await run(h, {
      name: 'Winter menu',
      transport: 'whatsapp',
      purpose: 'transactional',
      whatsappTemplate: {
        name: 'menu_card',
        language: 'en_US',
        header: { type: 'document' },
        body: ['{{firstName}}'],
      },
      attachment: file,
      audience: { list: 'menu' },
    });
    expect(await outcomes(h, id)).toEqual({ '79005550011': 'sent' });
    expect((await listedTo(h, '79005550011')).map((m) => [m.text, m.photo])).toEqual([
      ['@HSM@\nmenu_card|en_US\nheader|document\nbody|text|Gleb', file],
    ]);
  });
});

describe('a campaign with an attachment', () => {
  it('sends the file with the text, records it on the message, and asks the transports help once', async () => {
    h = await createEngineHarness();
    await seed(h, 'vip', 'viber', [
      { phone: '79005550021', attributes: { firstName: 'Dina' } },
      { phone: '79005550022', attributes: { firstName: 'Egor' } },
    ]);
    const photo = 'https://cdn.example.com/offers/winter.jpg';
    const id = await run(h, {
      name: 'Winter offer',
      transport: 'viber',
      purpose: 'transactional',
      template: 'Hi {{firstName}}, our winter offer',
      attachment: photo,
      audience: { list: 'vip' },
    });
    expect(await outcomes(h, id)).toEqual({ '79005550021': 'sent', '79005550022': 'sent' });
    expect((await listedTo(h, '79005550021')).map((m) => [m.text, m.photo])).toEqual([
      ['Hi Dina, our winter offer', photo],
    ]);
    expect(h.sandbox.state.messagesTo(h.sandbox.state.clientByPhone('79005550022')!.id)[0]?.attachment).toBe(
      photo,
    );
    expect(transportsHelpRequests(h)).toBe(1);
  });

  it('sends a file alone, with no text', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 0 });
    await seed(h, 'vip', 'whatsapp', [{ phone: '79005550031', attributes: {} }]);
    const file = 'https://cdn.example.com/price-list.pdf';
    const id = await run(h, {
      name: 'Price list',
      transport: 'whatsapp',
      purpose: 'transactional',
      attachment: file,
      audience: { list: 'vip' },
    });
    expect(await outcomes(h, id)).toEqual({ '79005550031': 'sent' });
    expect((await listedTo(h, '79005550031')).map((m) => [m.text, m.photo])).toEqual([[null, file]]);
  });

  it('skips every recipient, sending nothing, when the transport does not take that kind of file', async () => {
    h = await createEngineHarness();
    // The sandbox's transports help: viber takes text and images to a client, not PDF files.
    await seed(h, 'vip', 'viber', [
      { phone: '79005550041', attributes: { firstName: 'Zoya' } },
      { phone: '79005550042', attributes: { firstName: 'Ivan' } },
    ]);
    const id = await run(h, {
      name: 'Contract',
      transport: 'viber',
      purpose: 'transactional',
      template: 'Hi {{firstName}}, your contract',
      attachment: 'https://cdn.example.com/contract.pdf',
      audience: { list: 'vip' },
    });
    expect(await outcomes(h, id)).toEqual({
      '79005550041': 'skipped attachment_not_supported',
      '79005550042': 'skipped attachment_not_supported',
    });
    expect(h.sandbox.state.messages.filter((m) => m.type === 'to_client')).toEqual([]);
    const [event] = await h.db.sql<{ details: Record<string, unknown> }[]>`
      select e.details from delivery_events e join deliveries d on d.id = e.delivery_id
      where d.campaign_id = ${id} and e.to_state = 'skipped' limit 1`;
    expect(event?.details).toMatchObject({
      detail: "viber does not take pdf files to a client (Chat2Desk's transports help)",
    });
  });
});
