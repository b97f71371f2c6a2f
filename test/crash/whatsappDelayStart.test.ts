import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import { Chat2DeskGate } from '../../src/delivery/chat2deskGate.js';
import { ensureChat2DeskClient } from '../../src/delivery/ensureChat2DeskClient.js';
import { QuotaGuard } from '../../src/delivery/quotaGuard.js';
import { createEngineHarness, type EngineHarness, START } from '../support/engineHarness.js';

/**
 * Regression for a defect the crash suite found: the WhatsApp new-client delay was counted from the
 * moment the worker began processing the delivery, before it waited for a rate-limit slot to create
 * the client. Chat2Desk adds the client when the request arrives, up to that wait later, so the
 * message could go out before the client's delay had passed (seen with three workers at 200 req/s).
 */
let h: EngineHarness;

beforeAll(async () => {
  h = await createEngineHarness({ whatsappDelayMs: 7 * 60_000 });
  await h.db.sql`insert into contacts (phone, name, opted_in_at) values ('79000000001', 'A', ${START})`;
});

afterAll(async () => {
  await h?.close();
});

describe('the WhatsApp new-client delay', () => {
  it('counts from the answer to the client creation, not from before the wait for a rate-limit slot', async () => {
    const client = new Chat2DeskClient({ baseUrl: h.sandbox.url, token: h.sandbox.token });
    const quota = new QuotaGuard({ sql: h.db.sql, clock: h.clock, monthlyQuotaOverride: 1_000_000 });
    // The shared rate limit makes this request wait 30 s for its slot.
    const slowSlot = {
      acquire: async () => {
        h.clock.advance(30_000);
        return { release: async () => {} };
      },
    };
    const gate = new Chat2DeskGate(slowSlot, quota);
    const [contact] = await h.db.sql<{ id: number }[]>`select id from contacts where phone = '79000000001'`;
    const processingStarted = h.clock.now();

    const resolved = await ensureChat2DeskClient(
      { sql: h.db.sql, client, gate, clock: h.clock },
      {
        contactId: contact!.id,
        phone: '79000000001',
        transport: 'whatsapp',
        channelId: null,
        contactClientId: null,
        contactTransports: null,
        whatsappAddedAt: null,
      },
      processingStarted,
    );
    await client.close();

    const inChat2Desk = h.sandbox.state.client(Number(resolved!.clientId))!;
    const addedAt = inChat2Desk.transports.find((t) => t.transport === 'whatsapp')!.addedAt;
    expect(addedAt.getTime()).toBe(processingStarted.getTime() + 30_000);
    expect(resolved!.whatsappAddedAt!.getTime()).toBeGreaterThanOrEqual(addedAt.getTime());
    const [stored] = await h.db.sql<{ at: Date }[]>`
      select chat2desk_whatsapp_added_at as at from contacts where id = ${contact!.id}`;
    expect(stored!.at.getTime()).toBeGreaterThanOrEqual(addedAt.getTime());
  });
});
