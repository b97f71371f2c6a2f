import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetChat2DeskClient } from '../../../src/delivery/sql/forgetChat2DeskClient.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const LATER = new Date(START.getTime() + 60_000);

/** A contact that knows client `clientId`, on WhatsApp since START. */
async function knownContact(phone: string, clientId: string): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`
    insert into contacts (phone, chat2desk_client_id, chat2desk_transports, chat2desk_whatsapp_added_at, updated_at)
    values (${phone}, ${clientId}, ${['whatsapp']}, ${START}, ${START}) returning id`;
  return row!.id;
}

async function clientOf(id: number) {
  const [row] = await db.sql`
    select chat2desk_client_id::text as client, chat2desk_transports as transports,
           chat2desk_whatsapp_added_at as added, updated_at from contacts where id = ${id}`;
  return row;
}

describe('forgetChat2DeskClient', () => {
  it('forgets the client id with the transports and WhatsApp date learnt with it', async () => {
    const id = await knownContact('79000000001', '501');
    await forgetChat2DeskClient(db.sql, { contactId: id, clientId: '501', now: LATER });
    expect(await clientOf(id)).toEqual({ client: null, transports: [], added: null, updated_at: LATER });
  });

  it('keeps a client id learnt meanwhile: only the id Chat2Desk refused is forgotten', async () => {
    const id = await knownContact('79000000002', '777');
    await forgetChat2DeskClient(db.sql, { contactId: id, clientId: '501', now: LATER });
    expect(await clientOf(id)).toEqual({
      client: '777',
      transports: ['whatsapp'],
      added: START,
      updated_at: START,
    });
  });

  it('leaves other contacts with the same id untouched', async () => {
    const mine = await knownContact('79000000003', '900');
    const other = await knownContact('79000000004', '900');
    await forgetChat2DeskClient(db.sql, { contactId: mine, clientId: '900', now: LATER });
    expect((await clientOf(mine))!.client).toBeNull();
    expect((await clientOf(other))!.client).toBe('900');
  });
});
