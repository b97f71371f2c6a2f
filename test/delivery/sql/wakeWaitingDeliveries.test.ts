import { afterEach, describe, expect, it } from 'vitest';
import { wakeWaitingDeliveries } from '../../../src/delivery/sql/wakeWaitingDeliveries.js';
import type { DeliveryState } from '../../../src/delivery/states.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';
import { seedContact, seedDelivery, seedRunningCampaign } from '../../support/seedDeliveries.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const at = (ms: number) => new Date(START.getTime() + ms);
let phones = 0;

async function delivery(
  sql: TestDatabase['sql'],
  home: { campaignId: number; runId: number },
  state: DeliveryState,
  reason: string | null,
  nextAttemptAt: Date,
): Promise<string> {
  const contactId = await seedContact(sql, `7900000${String(++phones).padStart(4, '0')}`);
  const id = await seedDelivery(sql, home, { contactId, state, reason });
  await sql`update deliveries set next_attempt_at = ${nextAttemptAt} where id = ${id}`;
  return id;
}

async function states(sql: TestDatabase['sql']) {
  return sql<{ id: string; state: string; reason: string | null; next: Date }[]>`
    select id::text, state, reason, next_attempt_at as next from deliveries order by id`;
}

describe('wakeWaitingDeliveries', () => {
  it('brings forward only deliveries waiting for that reason, leaving their state and reason', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const sync = await delivery(db.sql, home, 'waiting', 'client_directory_sync', at(600_000));
    const window = await delivery(db.sql, home, 'waiting', 'outside_send_window', at(600_000));
    const queued = await delivery(db.sql, home, 'queued', 'client_directory_sync', at(600_000));

    const now = at(1_000);
    expect(await wakeWaitingDeliveries(db.sql, 'client_directory_sync', now)).toBe(1);

    expect(await states(db.sql)).toEqual([
      { id: sync, state: 'waiting', reason: 'client_directory_sync', next: now },
      { id: window, state: 'waiting', reason: 'outside_send_window', next: at(600_000) },
      { id: queued, state: 'queued', reason: 'client_directory_sync', next: at(600_000) },
    ]);
    // Not a change of state: nothing is logged.
    const [events] = await db.sql<{ n: number }[]>`select count(*)::int as n from delivery_events`;
    expect(events!.n).toBe(0);
  });

  it('never moves a next attempt later, and counts only those it brought forward', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const earlier = await delivery(db.sql, home, 'waiting', 'rate_limited', at(-5_000));
    const same = await delivery(db.sql, home, 'waiting', 'rate_limited', at(1_000));

    expect(await wakeWaitingDeliveries(db.sql, 'rate_limited', at(1_000))).toBe(0);
    expect((await states(db.sql)).map((r) => [r.id, r.next])).toEqual([
      [earlier, at(-5_000)],
      [same, at(1_000)],
    ]);
  });

  it('answers 0 when nothing waits at all', async () => {
    db = await createTestDatabase();
    expect(await wakeWaitingDeliveries(db.sql, 'client_directory_sync', START)).toBe(0);
  });
});
