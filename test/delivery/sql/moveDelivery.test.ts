import { afterEach, describe, expect, it } from 'vitest';
import { moveDeliveriesTo } from '../../../src/delivery/sql/moveDeliveries.js';
import type { MoveDelivery } from '../../../src/delivery/sql/moveDelivery.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';
import { seedContact, seedDelivery, seedRunningCampaign } from '../../support/seedDeliveries.js';

// MoveDelivery is the shape of one state change: these tests hold each of its documented fields to
// what the writer (moveDeliveriesTo) does with it.

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const NOW = new Date(START.getTime() + 60_000);

/** One queued delivery claimed by w1 under lease token 7, its text rendered and its client known. */
async function claimedDelivery(sql: TestDatabase['sql']) {
  const home = await seedRunningCampaign(sql);
  const contactId = await seedContact(sql, '79000000001');
  const id = await seedDelivery(sql, home, { contactId, lockedBy: 'w1', leaseToken: 7 });
  await sql`update deliveries set rendered_text = 'Hi', chat2desk_client_id = 501 where id = ${id}`;
  return { ...home, contactId, id };
}

async function row(sql: TestDatabase['sql'], id: string) {
  const [r] = await sql`
    select state, reason, next_attempt_at, rendered_text, chat2desk_client_id::text as client_id, due_at,
           reminder_key, contact_id, locked_by
    from deliveries where id = ${id}`;
  return r!;
}

describe('MoveDelivery', () => {
  it('moves under its lease token only: a move of an earlier claim is refused, even from the same worker', async () => {
    db = await createTestDatabase();
    const d = await claimedDelivery(db.sql);
    const move = (leaseToken: string): MoveDelivery => ({
      id: d.id,
      to: 'waiting',
      reason: 'rate_limited',
      now: NOW,
      workerId: 'w1',
      leaseToken,
      changes: { nextAttemptAt: NOW },
    });

    expect(await moveDeliveriesTo(db.sql, 'waiting', [move('6')])).toEqual(new Set());
    expect(await moveDeliveriesTo(db.sql, 'waiting', [move('7')])).toEqual(new Set([d.id]));
  });

  it('sets only the changes it names, and keeps every other column', async () => {
    db = await createTestDatabase();
    const d = await claimedDelivery(db.sql);
    const later = new Date(NOW.getTime() + 30_000);

    await moveDeliveriesTo(db.sql, 'waiting', [
      {
        id: d.id,
        to: 'waiting',
        reason: 'retry:timeout',
        now: NOW,
        workerId: 'w1',
        changes: { nextAttemptAt: later },
      },
    ]);

    expect(await row(db.sql, d.id)).toEqual({
      state: 'waiting',
      reason: 'retry:timeout',
      next_attempt_at: later,
      rendered_text: 'Hi',
      client_id: '501',
      due_at: START,
      reminder_key: '',
      contact_id: d.contactId,
      locked_by: 'w1',
    });
  });

  it('forgets the client id given as null, and lets go of the delivery on release', async () => {
    db = await createTestDatabase();
    const d = await claimedDelivery(db.sql);

    await moveDeliveriesTo(db.sql, 'waiting', [
      {
        id: d.id,
        to: 'waiting',
        reason: 'retry:stale_client',
        now: NOW,
        workerId: 'w1',
        changes: { chat2deskClientId: null, release: true },
      },
    ]);

    expect(await row(db.sql, d.id)).toMatchObject({ state: 'waiting', client_id: null, locked_by: null });
  });

  it('moves a reminder to its appointment’s new time: due time, key and contact', async () => {
    db = await createTestDatabase();
    const d = await claimedDelivery(db.sql);
    const newContact = await seedContact(db.sql, '79000000002');
    const dueAt = new Date(START.getTime() + 86_400_000);

    await moveDeliveriesTo(db.sql, 'waiting', [
      {
        id: d.id,
        to: 'waiting',
        reason: 'rescheduled',
        now: NOW,
        changes: { dueAt, nextAttemptAt: dueAt, reminderKey: 'A-1@2026-11-28', contactId: newContact },
      },
    ]);

    expect(await row(db.sql, d.id)).toMatchObject({
      state: 'waiting',
      due_at: dueAt,
      next_attempt_at: dueAt,
      reminder_key: 'A-1@2026-11-28',
      contact_id: newContact,
      locked_by: 'w1',
    });
  });

  it('must name its campaign to move to sending, and the error says so', async () => {
    db = await createTestDatabase();
    const d = await claimedDelivery(db.sql);

    const refused = moveDeliveriesTo(db.sql, 'sending', [
      { id: d.id, to: 'sending', reason: null, now: NOW },
    ]);

    await expect(refused).rejects.toThrow(TypeError);
    await expect(refused).rejects.toThrow(/campaignId/);
    expect((await row(db.sql, d.id)).state).toBe('queued');
  });
});
