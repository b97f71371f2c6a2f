import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { LeaseKeeper } from '../../src/delivery/leaseKeeper.js';
import { STALE_SWEEP_EVERY_MS, WorkerClaims } from '../../src/delivery/workerClaims.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import { seedContact, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const LEASE_MS = 60_000;
const REAL_NOW = 1_800_000_000_000;
type Sql = TestDatabase['sql'];

function workerClaims(sql: Sql, clock: ManualClock, workerId = 'w1') {
  const leases = new LeaseKeeper({
    sql,
    clock,
    workerId,
    everyMs: 15_000,
    logger: silentLogger,
    onFailure: () => {},
  });
  const claims = new WorkerClaims({
    sql,
    clock,
    workerId,
    leaseMs: LEASE_MS,
    realTime: () => REAL_NOW,
    admissionHorizonMs: 1_000,
    rateMarginMs: 10,
    leases,
  });
  return { claims, leases };
}

/** n queued deliveries of a new running campaign, due at START; their ids in order. */
async function dueDeliveries(sql: Sql, n: number, firstPhone: number): Promise<string[]> {
  const home = await seedRunningCampaign(sql);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(await seedDelivery(sql, home, { contactId: await seedContact(sql, String(firstPhone + i)) }));
  }
  return ids;
}

describe('WorkerClaims', () => {
  it('claims stale sends before due deliveries, within one limit, and holds the lease of each', async () => {
    db = await createTestDatabase();
    const clock = new ManualClock(new Date(START.getTime() + 2 * LEASE_MS));
    const due = await dueDeliveries(db.sql, 3, 79000000001);
    const stale = await dueDeliveries(db.sql, 2, 79000000101);
    await db.sql`update deliveries set state = 'sending', locked_by = 'gone', locked_at = ${START} where id in ${db.sql(stale)}`;
    const { claims, leases } = workerClaims(db.sql, clock);

    const claimed = await claims.claim(3);

    expect(
      claimed
        .slice(0, 2)
        .map((d) => [d.id, d.state])
        .sort(),
    ).toEqual(stale.map((id) => [id, 'sending']).sort());
    expect(claimed.slice(2).map((d) => [d.id, d.state])).toEqual([[due[0], 'queued']]);
    expect(leases.size).toBe(3);
  });

  it('looks for stale sends every few seconds, not at every claim, and at once after a full sweep', async () => {
    db = await createTestDatabase();
    const clock = new ManualClock(new Date(START.getTime() + 2 * LEASE_MS));
    await dueDeliveries(db.sql, 10, 79000000001);
    const stale = await dueDeliveries(db.sql, 3, 79000000101);
    const markStale = (ids: string[]) =>
      db!
        .sql`update deliveries set state = 'sending', locked_by = 'gone', locked_at = ${START} where id in ${db!.sql(ids)}`;
    await markStale(stale.slice(0, 2));
    const { claims } = workerClaims(db.sql, clock);
    const states = (claimed: { state: string }[]) => claimed.map((d) => d.state);

    // A full sweep (2 stale, limit 2) looks again at the next claim, and finds none left.
    expect(states(await claims.claim(2))).toEqual(['sending', 'sending']);
    expect(states(await claims.claim(1))).toEqual(['queued']);
    // That sweep found fewer than it could take: a send gone stale now waits for the next sweep.
    await markStale(stale.slice(2));
    clock.advance(STALE_SWEEP_EVERY_MS - 1);
    expect(states(await claims.claim(1))).toEqual(['queued']);
    clock.advance(1);
    expect((await claims.claim(1)).map((d) => [d.id, d.state])).toEqual([[stale[2], 'sending']]);
  });

  it('stops holding a lease once its delivery is released', async () => {
    db = await createTestDatabase();
    await dueDeliveries(db.sql, 2, 79000000001);
    const { claims, leases } = workerClaims(db.sql, new ManualClock(START));
    const [a, b] = await claims.claim(10);

    claims.release(a!.id);
    expect(leases.size).toBe(1);
    claims.release(b!.id);
    expect(leases.size).toBe(0);
  });

  it('takes its own interrupted claim up again first, in its lease, without waiting for it to run out', async () => {
    db = await createTestDatabase();
    const [first] = await dueDeliveries(db.sql, 1, 79000000001);
    const clock = new ManualClock(START);
    const { claims, leases } = workerClaims(db.sql, clock);
    const [held] = await claims.claim(1);
    await dueDeliveries(db.sql, 2, 79000000101);

    claims.interrupt(held!.id);
    claims.release(held!.id); // interrupted: its lease is still kept
    expect(leases.size).toBe(1);
    clock.advance(1_000);
    const again = await claims.claim(2);

    expect(again[0]).toMatchObject({ id: first, leaseToken: held!.leaseToken, state: 'queued' });
    expect(again).toHaveLength(2);
    expect(leases.size).toBe(2);
    const [row] = await db.sql`select locked_at from deliveries where id = ${first!}`;
    expect(row!.locked_at).toEqual(clock.now());
  });

  it('lets go of an interrupted claim another worker took over meanwhile', async () => {
    db = await createTestDatabase();
    await dueDeliveries(db.sql, 1, 79000000001);
    const clock = new ManualClock(START);
    const { claims, leases } = workerClaims(db.sql, clock);
    const [held] = await claims.claim(1);
    claims.interrupt(held!.id);

    clock.advance(LEASE_MS + 1);
    const other = workerClaims(db.sql, clock, 'w2');
    expect((await other.claims.claim(1)).map((d) => d.id)).toEqual([held!.id]);

    expect(await claims.claim(5)).toEqual([]);
    expect(leases.size).toBe(0);
  });

  it('paces a campaign by its own limiter in real time, whatever the engine clock says', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    await db.sql`update campaigns set rate_limit_per_second = 1 where id = ${home.campaignId}`;
    for (let i = 0; i < 3; i++) {
      await seedDelivery(db.sql, home, { contactId: await seedContact(db.sql, String(79000000001 + i)) });
    }
    const { claims } = workerClaims(db.sql, new ManualClock(START));

    // One request a second, a horizon of one second: one slot.
    expect(await claims.claim(10)).toHaveLength(1);
    await db.sql`
      insert into rate_limiters (name, theoretical_arrival_ms) values (${`campaign:${home.campaignId}`}, ${REAL_NOW + 10_000})`;
    expect(await claims.claim(10)).toEqual([]);
  });
});
