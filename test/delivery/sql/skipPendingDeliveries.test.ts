import { afterEach, describe, expect, it } from 'vitest';
import { skipPendingDeliveries } from '../../../src/delivery/sql/skipPendingDeliveries.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';
import { seedContact, seedDelivery, seedRunningCampaign } from '../../support/seedDeliveries.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const NOW = new Date(START.getTime() + 60_000);
type Sql = TestDatabase['sql'];

async function rows(sql: Sql) {
  return sql<{ id: string; state: string; reason: string | null; locked_by: string | null }[]>`
    select id::text, state, reason, locked_by from deliveries order by id`;
}

async function appointment(sql: Sql, contactId: number, externalId: string, status: string): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into appointments (external_id, contact_id, starts_at, status)
    values (${externalId}, ${contactId}, ${START}, ${status}) returning id`;
  return row!.id;
}

describe('skipPendingDeliveries', () => {
  it('skips the pending deliveries of the selected contacts only, across campaigns, and counts them', async () => {
    db = await createTestDatabase();
    const one = await seedRunningCampaign(db.sql);
    const two = await seedRunningCampaign(db.sql);
    const ann = await seedContact(db.sql, '79000000001');
    const bob = await seedContact(db.sql, '79000000002');
    const eve = await seedContact(db.sql, '79000000003');
    const a1 = await seedDelivery(db.sql, one, { contactId: ann });
    const a2 = await seedDelivery(db.sql, two, { contactId: ann, state: 'waiting', reason: 'rate_limited' });
    const b1 = await seedDelivery(db.sql, one, { contactId: bob, state: 'sending', lockedBy: 'w1' });
    const e1 = await seedDelivery(db.sql, one, { contactId: eve });

    const skipped = await skipPendingDeliveries(
      db.sql,
      { contactIds: [ann, bob] },
      { reason: 'opted_out', now: NOW },
    );

    expect(skipped).toBe(2);
    expect(await rows(db.sql)).toEqual([
      { id: a1, state: 'skipped', reason: 'opted_out', locked_by: null },
      { id: a2, state: 'skipped', reason: 'opted_out', locked_by: null },
      { id: b1, state: 'sending', reason: null, locked_by: 'w1' }, // may be with Chat2Desk already
      { id: e1, state: 'queued', reason: null, locked_by: null },
    ]);
  });

  it('records one event per skip, from the state it left, and the skip time', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const contactId = await seedContact(db.sql, '79000000001');
    const other = await seedContact(db.sql, '79000000002');
    const queued = await seedDelivery(db.sql, home, { contactId });
    const waiting = await seedDelivery(db.sql, home, {
      contactId: other,
      state: 'waiting',
      reason: 'retry:x',
    });

    await skipPendingDeliveries(db.sql, { campaignId: home.campaignId }, { reason: 'cancelled', now: NOW });

    const events = await db.sql`
      select delivery_id::text as id, from_state, to_state, reason, at from delivery_events order by delivery_id`;
    expect(events).toEqual([
      { id: queued, from_state: 'queued', to_state: 'skipped', reason: 'cancelled', at: NOW },
      { id: waiting, from_state: 'waiting', to_state: 'skipped', reason: 'cancelled', at: NOW },
    ]);
    const [stamp] = await db.sql`select skipped_at, updated_at from deliveries where id = ${queued}`;
    expect(stamp).toEqual({ skipped_at: NOW, updated_at: NOW });
  });

  it('drops the claim a worker holds on a pending delivery', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const contactId = await seedContact(db.sql, '79000000001');
    const held = await seedDelivery(db.sql, home, { contactId, lockedBy: 'w1', leaseToken: 12 });

    await skipPendingDeliveries(db.sql, { campaignId: home.campaignId }, { reason: 'cancelled', now: NOW });

    const [row] = await db.sql`select state, locked_by, locked_at from deliveries where id = ${held}`;
    expect(row).toEqual({ state: 'skipped', locked_by: null, locked_at: null });
  });

  it('skips the reminders of the given appointments only once they are cancelled', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const ann = await seedContact(db.sql, '79000000001');
    const bob = await seedContact(db.sql, '79000000002');
    const cancelled = await appointment(db.sql, ann, 'A-1', 'cancelled');
    const booked = await appointment(db.sql, bob, 'A-2', 'booked');
    const forCancelled = await seedDelivery(db.sql, home, { contactId: ann });
    const forBooked = await seedDelivery(db.sql, home, { contactId: bob });
    await db.sql`update deliveries set appointment_id = ${cancelled} where id = ${forCancelled}`;
    await db.sql`update deliveries set appointment_id = ${booked} where id = ${forBooked}`;

    const skipped = await skipPendingDeliveries(
      db.sql,
      { cancelledAppointmentIds: [cancelled, booked] },
      { reason: 'appointment_cancelled', now: NOW },
    );

    expect(skipped).toBe(1);
    expect((await rows(db.sql)).map((r) => [r.id, r.state])).toEqual([
      [forCancelled, 'skipped'],
      [forBooked, 'queued'],
    ]);
  });

  it('answers 0 for an empty selection or a campaign with nothing pending', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    await seedDelivery(db.sql, home, { contactId: await seedContact(db.sql, '79000000001') });
    const options = { reason: 'cancelled', now: NOW };

    expect(await skipPendingDeliveries(db.sql, { contactIds: [] }, options)).toBe(0);
    expect(await skipPendingDeliveries(db.sql, { cancelledAppointmentIds: [] }, options)).toBe(0);
    expect(await skipPendingDeliveries(db.sql, { campaignId: home.campaignId + 1 }, options)).toBe(0);
    expect((await rows(db.sql)).map((r) => r.state)).toEqual(['queued']);
  });

  it('takes part in the caller’s transaction: rolled back, nothing is skipped or logged', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    await seedDelivery(db.sql, home, { contactId: await seedContact(db.sql, '79000000001') });

    const inside = await db.sql
      .begin(async (tx) => {
        const n = await skipPendingDeliveries(
          tx,
          { campaignId: home.campaignId },
          { reason: 'cancelled', now: NOW },
        );
        throw Object.assign(new Error('rolled back'), { n });
      })
      .catch((error: { n: number }) => error.n);

    expect(inside).toBe(1);
    expect((await rows(db.sql)).map((r) => r.state)).toEqual(['queued']);
    const [events] = await db.sql<{ n: number }[]>`select count(*)::int as n from delivery_events`;
    expect(events!.n).toBe(0);
  });
});
