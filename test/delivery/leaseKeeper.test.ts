import { Writable } from 'node:stream';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Sql } from '../../src/db/database.js';
import { LeaseKeeper } from '../../src/delivery/leaseKeeper.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import { seedContact, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';

const MINUTE = 60_000;

let db: TestDatabase;
let clock: ManualClock;
let home: { campaignId: number; runId: number };
let phones = 0;
beforeEach(async () => {
  db = await createTestDatabase();
  clock = new ManualClock(START);
  home = await seedRunningCampaign(db.sql);
});
afterEach(async () => {
  await db.drop();
});

/** A delivery claimed by `worker` under `token`, its lease last renewed at START. */
async function claimed(worker: string, token: number, state: 'queued' | 'sending' | 'sent' = 'queued') {
  const contactId = await seedContact(db.sql, String(79002220000 + ++phones));
  return seedDelivery(db.sql, home, { contactId, state, lockedBy: worker, leaseToken: token });
}

async function lockedAt(id: string): Promise<Date | null> {
  const [row] = await db.sql<{ locked_at: Date | null }[]>`select locked_at from deliveries where id = ${id}`;
  return row!.locked_at;
}

function keeper(
  options: { sql?: Sql; onFailure?: () => void; logger?: ReturnType<typeof createLogger> } = {},
) {
  return new LeaseKeeper({
    sql: options.sql ?? db.sql,
    clock,
    workerId: 'w1',
    everyMs: 60 * MINUTE,
    logger: options.logger ?? silentLogger,
    onFailure: options.onFailure ?? (() => {}),
  });
}

describe('LeaseKeeper', () => {
  it('renews, at engine time, the lease of every claim it holds', async () => {
    const a = await claimed('w1', 11);
    const b = await claimed('w1', 12, 'sending');
    const leases = keeper();
    leases.hold({ id: a, runId: home.runId, leaseToken: '11' });
    leases.hold({ id: b, runId: home.runId, leaseToken: '12' });
    clock.advance(MINUTE);

    await leases.renewNow();

    expect(await lockedAt(a)).toEqual(clock.now());
    expect(await lockedAt(b)).toEqual(clock.now());
  });

  it('does not renew a claim it dropped, one settled meanwhile, or one taken over by another worker', async () => {
    const dropped = await claimed('w1', 21);
    const settled = await claimed('w1', 22, 'sent');
    const takenOver = await claimed('w1', 23);
    const otherWorker = await claimed('w2', 24);
    const kept = await claimed('w1', 25);
    const leases = keeper();
    leases.hold({ id: dropped, runId: home.runId, leaseToken: '21' });
    leases.hold({ id: settled, runId: home.runId, leaseToken: '22' });
    // Claimed again since: the token it holds is no longer the delivery's.
    await db.sql`update deliveries set lease_token = 99 where id = ${takenOver}`;
    leases.hold({ id: takenOver, runId: home.runId, leaseToken: '23' });
    leases.hold({ id: otherWorker, runId: home.runId, leaseToken: '24' });
    leases.hold({ id: kept, runId: home.runId, leaseToken: '25' });
    leases.drop(dropped);
    expect(leases.size).toBe(4);
    clock.advance(MINUTE);

    await leases.renewNow();

    expect(await lockedAt(kept)).toEqual(clock.now());
    for (const id of [dropped, settled, takenOver, otherWorker]) expect(await lockedAt(id)).toEqual(START);
  });

  it('holds each claim once however often it is handed the same one', async () => {
    const a = await claimed('w1', 31);
    const leases = keeper();

    leases.hold({ id: a, runId: home.runId, leaseToken: '31' });
    leases.hold({ id: a, runId: home.runId, leaseToken: '31' });
    expect(leases.size).toBe(1);
    leases.drop(a);
    leases.drop(a);
    expect(leases.size).toBe(0);
  });

  it('never overlaps itself: a renewal asked for while one runs joins it', async () => {
    const a = await claimed('w1', 41);
    const leases = keeper();
    leases.hold({ id: a, runId: home.runId, leaseToken: '41' });

    const first = leases.renewNow();
    const second = leases.renewNow();

    expect(second).toBe(first);
    await first;
    expect(leases.renewNow()).not.toBe(first);
    await leases.stop();
  });

  it('reports a renewal the database refused through onFailure and a warning, without throwing', async () => {
    const a = await claimed('w1', 51);
    const closed = postgres(db.url, { max: 1, onnotice: () => {} }) as unknown as Sql;
    await closed.end();
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    let failures = 0;
    const leases = keeper({ sql: closed, onFailure: () => failures++, logger });
    leases.hold({ id: a, runId: home.runId, leaseToken: '51' });

    await expect(leases.renewNow()).resolves.toBeUndefined();

    expect(failures).toBe(1);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 40, msg: 'could not renew delivery leases', claims: 1 }),
    ]);
  });

  it('asks nothing of the database while it holds no claim', async () => {
    const closed = postgres(db.url, { max: 1, onnotice: () => {} }) as unknown as Sql;
    await closed.end();
    let failures = 0;
    const leases = keeper({ sql: closed, onFailure: () => failures++ });

    await leases.renewNow();

    expect(failures).toBe(0);
  });
});
