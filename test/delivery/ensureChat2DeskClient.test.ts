import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxOptions } from '../../src/chat2desk/sandbox/index.js';
import {
  addTransportAfterRefusal,
  type Chat2DeskClientTarget,
  CLIENT_CREATION_RECHECK_MS,
  type ClientResolutionDeps,
  ensureChat2DeskClient,
} from '../../src/delivery/ensureChat2DeskClient.js';
import { readClientCreationFact, rememberClientCreation } from '../../src/delivery/sql/clientCreationFact.js';
import { createEngineHarness, type EngineHarness, START } from '../support/engineHarness.js';
import { seedContact } from '../support/seedDeliveries.js';

const MINUTE = 60_000;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setUp(
  sandbox: SandboxOptions = {},
): Promise<{ h: EngineHarness; deps: ClientResolutionDeps }> {
  h = await createEngineHarness({ sandbox });
  const { sql, client, gate } = await h.addWorker();
  return { h, deps: { sql, client, gate, clock: h.clock } };
}

function target(
  contactId: number,
  phone: string,
  over: Partial<Chat2DeskClientTarget> = {},
): Chat2DeskClientTarget {
  return {
    contactId,
    phone,
    transport: 'whatsapp',
    channelId: 1,
    contactClientId: null,
    contactTransports: null,
    whatsappAddedAt: null,
    ...over,
  };
}

async function contactClient(harness: EngineHarness, id: number) {
  const [row] = await harness.db.sql<
    { client: string | null; transports: string[] | null; whatsapp_added_at: Date | null }[]
  >`
    select chat2desk_client_id::text as client, chat2desk_transports as transports,
           chat2desk_whatsapp_added_at as whatsapp_added_at
    from contacts where id = ${id}`;
  return row!;
}

/** Chat2Desk requests made through the worker's client, by route. */
function requests(deps: ClientResolutionDeps): Record<string, number> {
  return { ...deps.client.requestCounts() };
}

describe('ensureChat2DeskClient', () => {
  it('uses the client the engine put on this transport, asking Chat2Desk nothing', async () => {
    const { h, deps } = await setUp();
    const contactId = await seedContact(h.db.sql, '79001110001');
    const addedAt = new Date(START.getTime() - 60 * MINUTE);
    const before = requests(deps);

    const resolved = await ensureChat2DeskClient(
      deps,
      target(contactId, '79001110001', {
        contactClientId: '42',
        contactTransports: ['viber', 'whatsapp'],
        whatsappAddedAt: addedAt,
      }),
      START,
    );

    expect(resolved).toEqual({ clientId: '42', whatsappAddedAt: addedAt });
    expect(requests(deps)).toEqual(before);
  });

  it('writes to a client the engine found (no transports of its own) as it is, with no new-client delay', async () => {
    const { h, deps } = await setUp();
    const contactId = await seedContact(h.db.sql, '79001110002');
    const before = requests(deps);

    const fromContact = await ensureChat2DeskClient(
      deps,
      target(contactId, '79001110002', { contactClientId: '43', whatsappAddedAt: START }),
      START,
    );
    // …or an id an earlier attempt recorded on the delivery.
    const fromDelivery = await ensureChat2DeskClient(
      deps,
      target(contactId, '79001110002', { chat2deskClientId: '44', contactTransports: [] }),
      START,
    );

    expect(fromContact).toEqual({ clientId: '43', whatsappAddedAt: null });
    expect(fromDelivery).toEqual({ clientId: '44', whatsappAddedAt: null });
    expect(requests(deps)).toEqual(before);
  });

  it('creates an unknown client on the transport and records it, the WhatsApp delay counting from the answer', async () => {
    const { h, deps } = await setUp();
    const contactId = await seedContact(h.db.sql, '79001110003');
    // The request is answered a minute after the delivery was claimed (a rate limiter's wait, say).
    h.clock.advance(MINUTE);

    const resolved = await ensureChat2DeskClient(deps, target(contactId, '79001110003'), START);

    const created = h.sandbox.state.clientByPhone('79001110003');
    expect(created?.transportOn(1, 'whatsapp')?.addedVia).toBe('api');
    expect(resolved).toEqual({ clientId: String(created!.id), whatsappAddedAt: h.clock.now() });
    expect(await contactClient(h, contactId)).toEqual({
      client: String(created!.id),
      transports: ['whatsapp'],
      whatsapp_added_at: h.clock.now(),
    });
    expect(deps.client.requestCounts()['POST /v1/clients']).toBe(1);
  });

  it('adds the transport to a client the engine put on another one, keeping its id', async () => {
    const { h, deps } = await setUp();
    const contactId = await seedContact(h.db.sql, '79001110004');
    const existing = h.sandbox.state.addClient({ phone: '79001110004' });
    h.sandbox.state.addClientTransport(existing, 1, 'viber', 'api');
    await h.db.sql`
      update contacts set chat2desk_client_id = ${existing.id}, chat2desk_transports = '{viber}' where id = ${contactId}`;

    const resolved = await ensureChat2DeskClient(
      deps,
      target(contactId, '79001110004', {
        contactClientId: String(existing.id),
        contactTransports: ['viber'],
      }),
      START,
    );

    expect(resolved).toEqual({ clientId: String(existing.id), whatsappAddedAt: START });
    expect(existing.transportOn(1, 'whatsapp')).toBeDefined();
    expect((await contactClient(h, contactId)).transports).toEqual(['viber', 'whatsapp']);
  });

  it('looks the phone up when creation is switched off, remembers that, and asks to create no more', async () => {
    const { h, deps } = await setUp({ clientCreationEnabled: false });
    const wroteFirst = h.sandbox.state.addClient({ phone: '79001110005' });
    h.sandbox.state.addClientTransport(wroteFirst, 1, 'whatsapp', 'client');
    const known = await seedContact(h.db.sql, '79001110005');
    const unknown = await seedContact(h.db.sql, '79001110006');

    const found = await ensureChat2DeskClient(deps, target(known, '79001110005'), START);
    const missing = await ensureChat2DeskClient(deps, target(unknown, '79001110006'), START);

    expect(found).toEqual({ clientId: String(wroteFirst.id), whatsappAddedAt: null });
    expect(await contactClient(h, known)).toEqual({
      client: String(wroteFirst.id),
      transports: [],
      whatsapp_added_at: null,
    });
    expect(missing).toBeNull();
    expect(await contactClient(h, unknown)).toEqual({
      client: null,
      transports: [],
      whatsapp_added_at: null,
    });
    expect(await readClientCreationFact(h.db.sql)).toEqual({ allowed: false, learntAt: START });
    // One refusal taught it: the second contact was only looked up.
    expect(deps.client.requestCounts()['POST /v1/clients']).toBe(1);
    expect(deps.client.requestCounts()['GET /v1/clients']).toBe(2);
  });

  it('keeps a known client id when creation is switched off and the transport could not be added', async () => {
    const { h, deps } = await setUp();
    const contactId = await seedContact(h.db.sql, '79001110007');
    await rememberClientCreation(h.db.sql, false, START);
    const addedAt = new Date(START.getTime() - MINUTE);

    const resolved = await ensureChat2DeskClient(
      deps,
      target(contactId, '79001110007', {
        contactClientId: '45',
        contactTransports: ['viber'],
        whatsappAddedAt: addedAt,
      }),
      START,
    );

    expect(resolved).toEqual({ clientId: '45', whatsappAddedAt: addedAt });
    expect(deps.client.requestCounts()['POST /v1/clients'] ?? 0).toBe(0);
  });

  it('tries creation again a day after the refusal, and records that it works again', async () => {
    const { h, deps } = await setUp();
    const contactId = await seedContact(h.db.sql, '79001110008');
    await rememberClientCreation(h.db.sql, false, START);
    const justBefore = new Date(START.getTime() + CLIENT_CREATION_RECHECK_MS - 1);
    const aDayLater = new Date(START.getTime() + CLIENT_CREATION_RECHECK_MS);

    expect(await ensureChat2DeskClient(deps, target(contactId, '79001110008'), justBefore)).toBeNull();
    expect(deps.client.requestCounts()['POST /v1/clients'] ?? 0).toBe(0);

    h.clock.set(aDayLater);
    const resolved = await ensureChat2DeskClient(deps, target(contactId, '79001110008'), aDayLater);

    expect(resolved?.clientId).toBe(String(h.sandbox.state.clientByPhone('79001110008')!.id));
    expect(await readClientCreationFact(h.db.sql)).toEqual({ allowed: true, learntAt: aDayLater });
  });

  it('looks up, without trying to create, a client on a transport the API cannot create clients on', async () => {
    const { h, deps } = await setUp();
    const onTelegram = h.sandbox.state.addClient({ phone: '79001110009' });
    h.sandbox.state.addClientTransport(onTelegram, 1, 'telegram', 'client');
    const contactId = await seedContact(h.db.sql, '79001110009');

    const resolved = await ensureChat2DeskClient(
      deps,
      target(contactId, '79001110009', { transport: 'telegram' }),
      START,
    );

    expect(resolved).toEqual({ clientId: String(onTelegram.id), whatsappAddedAt: null });
    expect(deps.client.requestCounts()['POST /v1/clients'] ?? 0).toBe(0);
  });

  it('looks the phone up when Chat2Desk refuses the creation for another reason, remembering nothing of it', async () => {
    const { h, deps } = await setUp();
    const contactId = await seedContact(h.db.sql, '79001110010');

    // Channel 2 takes Viber only: a WhatsApp client cannot be created there.
    const resolved = await ensureChat2DeskClient(
      deps,
      target(contactId, '79001110010', { channelId: 2 }),
      START,
    );

    expect(resolved).toBeNull();
    expect(await readClientCreationFact(h.db.sql)).toBeNull();
    expect(deps.client.requestCounts()['POST /v1/clients']).toBe(1);
    expect(deps.client.requestCounts()['GET /v1/clients']).toBe(1);
  });
});

describe('addTransportAfterRefusal', () => {
  it('puts a found client on the transport its message was refused on, and records it', async () => {
    const { h, deps } = await setUp();
    const found = h.sandbox.state.addClient({ phone: '79001110011' });
    h.sandbox.state.addClientTransport(found, 1, 'telegram', 'client');
    const contactId = await seedContact(h.db.sql, '79001110011');
    await h.db.sql`update contacts set chat2desk_client_id = ${found.id} where id = ${contactId}`;

    const added = await addTransportAfterRefusal(
      deps,
      target(contactId, '79001110011', { contactClientId: String(found.id) }),
      START,
    );

    expect(added).toBe(true);
    expect(found.transportOn(1, 'whatsapp')?.addedVia).toBe('api');
    expect(await contactClient(h, contactId)).toEqual({
      client: String(found.id),
      transports: ['whatsapp'],
      whatsapp_added_at: START,
    });
  });

  it('cannot help when the client has the transport already, or the transport is not creatable', async () => {
    const { h, deps } = await setUp();
    const contactId = await seedContact(h.db.sql, '79001110012');

    expect(
      await addTransportAfterRefusal(
        deps,
        target(contactId, '79001110012', { contactClientId: '46', contactTransports: ['whatsapp'] }),
        START,
      ),
    ).toBe(false);
    expect(
      await addTransportAfterRefusal(
        deps,
        target(contactId, '79001110012', { transport: 'telegram' }),
        START,
      ),
    ).toBe(false);
    expect(deps.client.requestCounts()['POST /v1/clients'] ?? 0).toBe(0);
  });

  it('cannot help when creation is switched off: known, or learnt from the refusal', async () => {
    const { h, deps } = await setUp({ clientCreationEnabled: false });
    const contactId = await seedContact(h.db.sql, '79001110013');

    expect(await addTransportAfterRefusal(deps, target(contactId, '79001110013'), START)).toBe(false);
    expect(await readClientCreationFact(h.db.sql)).toEqual({ allowed: false, learntAt: START });
    expect(await addTransportAfterRefusal(deps, target(contactId, '79001110013'), START)).toBe(false);
    expect(deps.client.requestCounts()['POST /v1/clients']).toBe(1);
  });
});
