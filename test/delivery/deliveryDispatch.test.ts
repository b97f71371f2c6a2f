import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
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
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

/** A sender whose deliveries finish when the test says so: `finish(id)` or `fail(id, error)`. */
class ScriptedSender implements Pick<DeliverySender, 'process'> {
  readonly started: string[] = [];
  readonly #ends = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();

  process(d: ClaimedDelivery): Promise<void> {
    this.started.push(d.id);
    return new Promise((resolve, reject) => this.#ends.set(d.id, { resolve, reject }));
  }

  finish(id: string): void {
    this.#ends.get(id)!.resolve();
  }

  fail(id: string, error: unknown): void {
    this.#ends.get(id)!.reject(error);
  }
}

/** n due deliveries claimed by one worker, and a dispatch of `concurrency` over a scripted sender. */
async function setUp(n: number, concurrency: number) {
  db = await createTestDatabase();
  const home = await seedRunningCampaign(db.sql);
  for (let i = 0; i < n; i++) {
    await seedDelivery(db.sql, home, { contactId: await seedContact(db.sql, String(79000000001 + i)) });
  }
  const clock = new ManualClock(START);
  const { logger, lines } = recordingLogger();
  const leases = new LeaseKeeper({
    sql: db.sql,
    clock,
    workerId: 'w1',
    everyMs: 15_000,
    logger,
    onFailure: () => {},
  });
  const claims = new WorkerClaims({
    sql: db.sql,
    clock,
    workerId: 'w1',
    leaseMs: 60_000,
    realTime: () => START.getTime(),
    admissionHorizonMs: 1_000,
    rateMarginMs: 10,
    leases,
  });
  const sender = new ScriptedSender();
  const failures = { processing: 0 };
  let finished = 0;
  const dispatch = new DeliveryDispatch({
    concurrency,
    sender: sender as Pick<DeliverySender, 'process'> as DeliverySender,
    claims,
    logger,
    failures,
    onFinished: () => finished++,
  });
  const claimed = await claims.claim(n);
  return { dispatch, sender, claims, leases, failures, lines, claimed, finished: () => finished };
}

describe('DeliveryDispatch', () => {
  it('processes at most `concurrency` deliveries at once, counting those waiting for a slot as in flight', async () => {
    const t = await setUp(4, 2);
    const done = t.claimed.map((d) => t.dispatch.dispatch(d));

    await vi.waitFor(() => expect(t.sender.started).toHaveLength(2));
    expect(t.dispatch.inFlight).toBe(4);
    t.sender.finish(t.sender.started[0]!);
    await done[0];
    await vi.waitFor(() => expect(t.sender.started).toHaveLength(3));
    expect(t.dispatch.inFlight).toBe(3);
    expect(t.finished()).toBe(1);

    for (const id of t.claimed.slice(1).map((d) => d.id)) {
      await vi.waitFor(() => expect(t.sender.started).toContain(id));
      t.sender.finish(id);
    }
    await t.dispatch.settled();
    expect(t.dispatch.inFlight).toBe(0);
    expect(t.finished()).toBe(4);
    expect(t.leases.size).toBe(0);
  });

  it('counts and logs a failed delivery, never rejects, and stops renewing its lease', async () => {
    const t = await setUp(1, 1);
    const [d] = t.claimed;
    const done = t.dispatch.dispatch(d!);
    await vi.waitFor(() => expect(t.sender.started).toHaveLength(1));

    t.sender.fail(d!.id, new Error('boom'));

    await expect(done).resolves.toBeUndefined();
    expect(t.failures.processing).toBe(1);
    expect(t.lines).toContainEqual(
      expect.objectContaining({
        msg: 'delivery processing failed',
        deliveryId: d!.id,
        err: expect.anything(),
      }),
    );
    expect(t.leases.size).toBe(0);
    expect(t.finished()).toBe(1);
  });

  it('keeps the claim of a delivery the database broke off, so the worker takes it up again first', async () => {
    const t = await setUp(2, 2);
    const [broken, fine] = t.claimed;
    const done = [t.dispatch.dispatch(broken!), t.dispatch.dispatch(fine!)];
    await vi.waitFor(() => expect(t.sender.started).toHaveLength(2));

    t.sender.fail(broken!.id, Object.assign(new Error('connection ended'), { code: 'CONNECTION_ENDED' }));
    t.sender.finish(fine!.id);
    await Promise.all(done);

    expect(t.failures.processing).toBe(1);
    expect(t.leases.size).toBe(1);
    expect((await t.claims.claim(5)).map((d) => d.id)).toEqual([broken!.id]);
  });
});
