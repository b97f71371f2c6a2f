import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRecipientStatus } from '../../src/delivery/recipientStatus.js';
import type { DeliveryState } from '../../src/delivery/states.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import {
  deliveryEvents,
  deliveryRow,
  seedContact,
  seedDelivery,
  seedRunningCampaign,
} from '../support/seedDeliveries.js';

const NOW = new Date(START.getTime() + 5 * 60_000);

let db: TestDatabase;
let home: { campaignId: number; runId: number };
let phones = 0;
beforeEach(async () => {
  db = await createTestDatabase();
  home = await seedRunningCampaign(db.sql);
});
afterEach(async () => {
  await db.drop();
});

/** A delivery in `state` holding Chat2Desk message `messageId`. */
async function deliveryIn(state: DeliveryState, messageId: number): Promise<string> {
  const contactId = await seedContact(db.sql, String(79000000000 + ++phones));
  return seedDelivery(db.sql, home, { contactId, state, messageId });
}

describe('applyRecipientStatus', () => {
  it('moves a sent message to delivered, stamping the time and logging the status Chat2Desk gave', async () => {
    const id = await deliveryIn('sent', 5001);

    expect(
      await applyRecipientStatus(db.sql, { chat2deskMessageId: 5001, status: 'delivered', now: NOW }),
    ).toBe(true);

    expect(await deliveryRow(db.sql, id)).toEqual({ state: 'delivered', reason: null });
    const [row] = await db.sql`select delivered_at from deliveries where id = ${id}`;
    expect(row!.delivered_at).toEqual(NOW);
    expect(await deliveryEvents(db.sql, id)).toEqual([
      { from_state: 'sent', to_state: 'delivered', reason: null, details: { recipientStatus: 'delivered' } },
    ]);
  });

  it('reads "seen" and "read" in any case as read, from sent or from delivered', async () => {
    const fromSent = await deliveryIn('sent', 5002);
    const fromDelivered = await deliveryIn('delivered', 5003);

    expect(await applyRecipientStatus(db.sql, { chat2deskMessageId: '5002', status: 'SEEN', now: NOW })).toBe(
      true,
    );
    expect(await applyRecipientStatus(db.sql, { chat2deskMessageId: 5003, status: 'Read', now: NOW })).toBe(
      true,
    );

    expect((await deliveryRow(db.sql, fromSent)).state).toBe('read');
    expect((await deliveryRow(db.sql, fromDelivered)).state).toBe('read');
    expect(
      (await deliveryEvents(db.sql, fromDelivered)).map((e) => `${e.from_state}->${e.to_state}`),
    ).toEqual(['delivered->read']);
  });

  it('never moves backwards: a late "delivered" after "read" changes nothing and logs nothing', async () => {
    const id = await deliveryIn('read', 5004);

    expect(
      await applyRecipientStatus(db.sql, { chat2deskMessageId: 5004, status: 'delivered', now: NOW }),
    ).toBe(false);

    expect(await deliveryRow(db.sql, id)).toEqual({ state: 'read', reason: null });
    expect(await deliveryEvents(db.sql, id)).toEqual([]);
  });

  it('does not fail a message already delivered: only a sent one can be found undeliverable', async () => {
    const id = await deliveryIn('delivered', 5005);

    expect(await applyRecipientStatus(db.sql, { chat2deskMessageId: 5005, status: 'failed', now: NOW })).toBe(
      false,
    );
    expect((await deliveryRow(db.sql, id)).state).toBe('delivered');
  });

  it("fails a sent message with the messenger's words, whitespace folded, in the reason", async () => {
    const id = await deliveryIn('sent', 5006);

    const moved = await applyRecipientStatus(db.sql, {
      chat2deskMessageId: 5006,
      status: 'failed',
      now: NOW,
      error: '  User   is\n blocked ',
    });

    expect(moved).toBe(true);
    expect(await deliveryRow(db.sql, id)).toEqual({
      state: 'failed',
      reason: 'undeliverable:User is blocked',
    });
    expect(await deliveryEvents(db.sql, id)).toEqual([
      {
        from_state: 'sent',
        to_state: 'failed',
        reason: 'undeliverable:User is blocked',
        details: { recipientStatus: 'failed', error: '  User   is\n blocked ' },
      },
    ]);
  });

  it('keeps at most 200 characters of the words, and says only "undeliverable" when there are none', async () => {
    const long = await deliveryIn('sent', 5007);
    const silent = await deliveryIn('sent', 5008);
    const blank = await deliveryIn('sent', 5009);

    await applyRecipientStatus(db.sql, {
      chat2deskMessageId: 5007,
      status: 'error',
      now: NOW,
      error: 'x'.repeat(300),
    });
    await applyRecipientStatus(db.sql, { chat2deskMessageId: 5008, status: 'undelivered', now: NOW });
    await applyRecipientStatus(db.sql, {
      chat2deskMessageId: 5009,
      status: 'failed',
      now: NOW,
      error: ' \n ',
    });

    expect((await deliveryRow(db.sql, long)).reason).toBe(`undeliverable:${'x'.repeat(200)}`);
    expect(await deliveryRow(db.sql, silent)).toEqual({ state: 'failed', reason: 'undeliverable' });
    expect(await deliveryRow(db.sql, blank)).toEqual({ state: 'failed', reason: 'undeliverable' });
  });

  it('leaves a delivery Chat2Desk has not accepted yet alone, whatever the status says', async () => {
    const queued = await deliveryIn('queued', 5010);
    const sending = await deliveryIn('sending', 5011);

    expect(
      await applyRecipientStatus(db.sql, { chat2deskMessageId: 5010, status: 'delivered', now: NOW }),
    ).toBe(false);
    expect(await applyRecipientStatus(db.sql, { chat2deskMessageId: 5011, status: 'failed', now: NOW })).toBe(
      false,
    );

    expect((await deliveryRow(db.sql, queued)).state).toBe('queued');
    expect((await deliveryRow(db.sql, sending)).state).toBe('sending');
  });

  it("answers 'awaitingDelivery' for a status of a message no delivery holds yet", async () => {
    await deliveryIn('sent', 5012);

    expect(
      await applyRecipientStatus(db.sql, { chat2deskMessageId: 999_999, status: 'read', now: NOW }),
    ).toBe('awaitingDelivery');
  });

  it('ignores a status that is missing or means no change of state, even for an unknown message', async () => {
    const id = await deliveryIn('sent', 5013);

    for (const status of [null, undefined, '', 'pending', 'sent', 'queued']) {
      expect(
        await applyRecipientStatus(db.sql, { chat2deskMessageId: 5013, status, now: NOW }),
        String(status),
      ).toBe(false);
      expect(await applyRecipientStatus(db.sql, { chat2deskMessageId: 777_777, status, now: NOW })).toBe(
        false,
      );
    }
    expect(await deliveryRow(db.sql, id)).toEqual({ state: 'sent', reason: null });
  });

  it('works inside the caller’s transaction, and is undone with it', async () => {
    const id = await deliveryIn('sent', 5014);

    await expect(
      db.sql.begin(async (tx) => {
        expect(await applyRecipientStatus(tx, { chat2deskMessageId: 5014, status: 'read', now: NOW })).toBe(
          true,
        );
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');

    expect((await deliveryRow(db.sql, id)).state).toBe('sent');
    expect(await deliveryEvents(db.sql, id)).toEqual([]);
  });
});
