import postgres from 'postgres';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Sql } from '../../src/db/database.js';
import { ClaimLoop } from '../../src/delivery/claimLoop.js';
import { DeliveryDispatch } from '../../src/delivery/deliveryDispatch.js';
import type { DeliverySender } from '../../src/delivery/deliverySender.js';
import { LeaseKeeper } from '../../src/delivery/leaseKeeper.js';
import type { ClaimedDelivery } from '../../src/delivery/sql/claimDueDeliveries.js';
import { WorkerClaims } from '../../src/delivery/workerClaims.js';
import { recordingLogger } from '../scheduler/seed.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import { seedContact, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';

let db: TestDatabase | undefined;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
  await db?.drop();
  db = undefined;
});

/** Real claims that also note the size of each round asked for, and when each has answered. */
class CountedClaims extends WorkerClaims {
  readonly asked: number[] = [];
  answered = 0;

  override async claim(limit: number): Promise<ClaimedDelivery[]> {
    this.asked.push(limit);
    try {
      return await super.claim(limit);
    } finally {
      this.answered++;
    }
  }
}

/** A sender that finishes a delivery when the test says so (or at once, when `holds` is false). */
class HeldSender implements Pick<DeliverySender, 'process'> {
  readonly started: string[] = [];
  readonly #ends = new Map<string, () => void>();
  constructor(private readonly holds: boolean) {}

  process(d: ClaimedDelivery): Promise<void> {
    this.started.push(d.id);
    if (!this.holds) return Promise.resolve();
    return new Promise((resolve) => this.#ends.set(d.id, resolve));
  }

  finish(id: string): void {
    this.#ends.get(id)!();
  }
}

let phones = 0;
async function addDue(sql: Sql, n: number): Promise<void> {
  const home = await seedRunningCampaign(sql);
  for (let i = 0; i < n; i++) {
    await seedDelivery(sql, home, { contactId: await seedContact(sql, String(79000000000 + ++phones)) });
  }
}

/** A loop over real claims on `sql`, started; `stop` halts it and waits for it to leave off. */
function startLoop(sql: Sql, options: { batchSize: number; idlePollMs: number; holds: boolean }) {
  const clock = new ManualClock(START);
  const { logger, lines } = recordingLogger();
  const leases = new LeaseKeeper({
    sql,
    clock,
    workerId: 'w1',
    everyMs: 15_000,
    logger,
    onFailure: () => {},
  });
  const claims = new CountedClaims({
    sql,
    clock,
    workerId: 'w1',
    leaseMs: 60_000,
    realTime: () => START.getTime(),
    admissionHorizonMs: 1_000,
    rateMarginMs: 10,
    leases,
  });
  const sender = new HeldSender(options.holds);
  const failures = { claim: 0 };
  const dispatch = new DeliveryDispatch({
    concurrency: options.batchSize,
    sender: sender as Pick<DeliverySender, 'process'> as DeliverySender,
    claims,
    logger,
    failures: { processing: 0 },
    onFinished: () => loop.deliveryFinished(),
  });
  const loop = new ClaimLoop({ sql, ...options, claims, dispatch, logger, failures });
  const running = loop.run();
  stop = async () => {
    loop.halt();
    await running;
    await loop.unlisten();
  };
  return { loop, claims, dispatch, sender, failures, lines, running };
}

describe('ClaimLoop', () => {
  it('hands every claimed delivery to the dispatch, and leaves off when halted', async () => {
    db = await createTestDatabase();
    await addDue(db.sql, 3);
    const t = startLoop(db.sql, { batchSize: 10, idlePollMs: 20, holds: false });

    await vi.waitFor(() => expect(t.sender.started).toHaveLength(3));
    expect(t.loop.running).toBe(true);
    t.loop.halt();
    await t.running;
    expect(t.loop.running).toBe(false);
    expect(t.claims.asked[0]).toBe(10);
  });

  it('wakes at a NOTIFY on the deliveries channel instead of sleeping out its poll interval', async () => {
    db = await createTestDatabase();
    const t = startLoop(db.sql, { batchSize: 10, idlePollMs: 600_000, holds: false });
    await vi.waitFor(() => expect(t.claims.answered).toBe(1)); // nothing due: asleep

    await addDue(db.sql, 1);
    await db.sql`select pg_notify('broadcaster_deliveries', '')`;

    await vi.waitFor(() => expect(t.sender.started).toHaveLength(1));
    expect(t.claims.asked.slice(0, 2)).toEqual([10, 10]);
  });

  it('tops the batch up only once half of it has finished, woken by the finishing deliveries', async () => {
    db = await createTestDatabase();
    await addDue(db.sql, 10);
    const t = startLoop(db.sql, { batchSize: 4, idlePollMs: 600_000, holds: true });
    await vi.waitFor(() => expect(t.sender.started).toHaveLength(4));

    t.sender.finish(t.sender.started[0]!);
    // Room for 1, less than half a batch: the loop wakes and waits on without claiming.
    await vi.waitFor(() => expect(t.dispatch.inFlight).toBe(3));
    t.sender.finish(t.sender.started[1]!); // room for 2: claims 2 more

    await vi.waitFor(() => expect(t.sender.started).toHaveLength(6));
    expect(t.claims.asked).toEqual([4, 2]);
  });

  it('counts and logs a failed round of claims and keeps polling', async () => {
    db = await createTestDatabase();
    const gone = postgres(db.url, { max: 1, onnotice: () => {} });
    await gone.end();
    const t = startLoop(gone, { batchSize: 4, idlePollMs: 5, holds: false });

    await vi.waitFor(() => expect(t.failures.claim).toBeGreaterThanOrEqual(2));
    expect(t.lines).toContainEqual(expect.objectContaining({ msg: 'delivery round failed' }));
    expect(t.loop.running).toBe(true);
  });
});
