import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordChat2DeskClient } from '../../../src/delivery/sql/recordChat2DeskClient.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';
import { seedContact } from '../../support/seedDeliveries.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const at = (ms: number) => new Date(START.getTime() + ms);

async function clientOf(id: number) {
  const [row] = await db.sql`
    select chat2desk_client_id::text as client, chat2desk_transports as transports,
           chat2desk_whatsapp_added_at as added, updated_at from contacts where id = ${id}`;
  return row;
}

describe('recordChat2DeskClient', () => {
  it('records a client found by phone without a transport or a WhatsApp date', async () => {
    const id = await seedContact(db.sql, '79000000001');
    const result = await recordChat2DeskClient(db.sql, {
      contactId: id,
      clientId: 42,
      addedTransport: null,
      now: at(1),
    });
    expect(result).toEqual({ whatsappAddedAt: null });
    expect(await clientOf(id)).toEqual({ client: '42', transports: [], added: null, updated_at: at(1) });
  });

  it('dates the WhatsApp delay from the first time the engine put the client on WhatsApp', async () => {
    const id = await seedContact(db.sql, '79000000002');
    const first = await recordChat2DeskClient(db.sql, {
      contactId: id,
      clientId: '43',
      addedTransport: 'whatsapp',
      now: at(1_000),
    });
    const again = await recordChat2DeskClient(db.sql, {
      contactId: id,
      clientId: '43',
      addedTransport: 'whatsapp',
      now: at(9_000),
    });
    expect(first).toEqual({ whatsappAddedAt: at(1_000) });
    expect(again).toEqual({ whatsappAddedAt: at(1_000) });
    expect(await clientOf(id)).toMatchObject({ transports: ['whatsapp'], added: at(1_000) });
  });

  it('adds each other transport once and sets no WhatsApp date for it', async () => {
    const id = await seedContact(db.sql, '79000000003');
    for (const transport of ['viber', 'sms', 'viber']) {
      await recordChat2DeskClient(db.sql, {
        contactId: id,
        clientId: 44,
        addedTransport: transport,
        now: at(5),
      });
    }
    expect(await clientOf(id)).toMatchObject({ client: '44', transports: ['viber', 'sms'], added: null });
  });

  it('answers no WhatsApp date for a contact that no longer exists', async () => {
    const result = await recordChat2DeskClient(db.sql, {
      contactId: 987_654,
      clientId: 45,
      addedTransport: 'whatsapp',
      now: at(5),
    });
    expect(result).toEqual({ whatsappAddedAt: null });
  });
});
