import postgres from 'postgres';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/chat2desk/sandbox/index.js';
import type { Sql } from '../../src/db/database.js';
import { SharedRateLimiter, type SharedRateLimiterOptions } from '../../src/delivery/rateLimiter.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTcpProxy } from '../support/tcpProxy.js';

let db: TestDatabase;
const connections: Sql[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(connections.map((sql) => sql.end({ timeout: 5 })));
  await db.drop();
});

/** A connection of its own, as a separate engine instance would have. */
function instanceConnection(): Sql {
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  connections.push(sql);
  return sql;
}

/** Most of `times` (ms) in any sliding window of 1000 ms, as the sandbox counts them. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let start = 0;
  let busiest = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[start]! <= sorted[end]! - 1000) start++;
    busiest = Math.max(busiest, end + 1 - start);
  }
  return busiest;
}

/** A real-time clock of the test's own: sleep() moves it to the end of the wait at once. */
function virtualTime(startMs: number) {
  const time = {
    ms: startMs,
    now: () => time.ms,
    sleep: async (wait: number) => {
      time.ms += wait;
    },
  };
  return time;
}

/** A limiter that reads and sleeps on the test's virtual clock. */
function onVirtualTime(
  time: ReturnType<typeof virtualTime>,
  options: Omit<SharedRateLimiterOptions, 'now' | 'sleep'>,
): SharedRateLimiter {
  return new SharedRateLimiter({ ...options, now: time.now, sleep: time.sleep });
}

async function call(baseUrl: string, path: string, token: string): Promise<number> {
  const res = await request(`${baseUrl}${path}`, { headers: { authorization: token } });
  await res.body.dump();
  return res.statusCode;
}

async function storedArrival(name: string): Promise<number> {
  const [row] = await db.sql<{ ms: string }[]>`
    select theoretical_arrival_ms::text as ms from rate_limiters where name = ${name}`;
  return Number(row!.ms);
}

async function seatBusyUntil(name: string, seat: number): Promise<number> {
  const [row] = await db.sql<{ ms: string }[]>`
    select busy_until_ms::text as ms from rate_limiter_seats where name = ${name} and seat = ${seat}`;
  return Number(row!.ms);
}

/** Acquires, then releases at once: a request answered in no time. */
async function pass(limiter: SharedRateLimiter): Promise<void> {
  await (await limiter.acquire()).release();
}

describe('SharedRateLimiter', () => {
  it('keeps three instances on separate connections within the sandbox rate, in every sliding second', async () => {
    const sandbox = await startSandbox({ port: 0, token: 'rate-test', requestsPerSecond: 20 });
    try {
      const limiters = [1, 2, 3].map(
        () => new SharedRateLimiter({ sql: instanceConnection(), name: 'sandbox-account', perSecond: 20 }),
      );
      const acquiredAt: number[] = [];
      const statuses: number[] = [];
      await Promise.all(
        limiters.map(async (limiter) => {
          for (let i = 0; i < 30; i++) {
            const permit = await limiter.acquire();
            acquiredAt.push(Date.now());
            statuses.push(await call(sandbox.url, '/v1/help/roles', 'rate-test'));
            await permit.release();
          }
        }),
      );

      expect(statuses).toHaveLength(90);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      expect(sandbox.state.requestCount).toBe(90);
      expect(sandbox.state.requestsInBusiestSecond()).toBeLessThanOrEqual(20);
      expect(busiestSecond(acquiredAt)).toBeLessThanOrEqual(20);
    } finally {
      await sandbox.close();
    }
  });

  it('keeps within the rate at the server however late requests reach it', async () => {
    const sandbox = await startSandbox({ port: 0, token: 'late-test', requestsPerSecond: 1000 });
    // Every connection's request is held back 0–300 ms on its way, as a slow network, a new connection
    // or a stalled server would: requests sent evenly arrive in clumps. Pacing alone cannot keep the
    // server's count then; the seats do, because each is held until a second after its answer.
    const delays: number[] = [];
    const proxy = await startTcpProxy(sandbox.url, {
      delayToServerMs: () => {
        const delay = delays.length % 4 === 0 ? 300 : Math.floor(Math.random() * 40);
        delays.push(delay);
        return delay;
      },
    });
    try {
      const limiters = [1, 2, 3].map(
        () => new SharedRateLimiter({ sql: instanceConnection(), name: 'late-arrivals', perSecond: 40 }),
      );
      await Promise.all(
        limiters.flatMap((limiter) =>
          Array.from({ length: 20 }, async () => {
            for (let i = 0; i < 3; i++) {
              const permit = await limiter.acquire();
              await request(`${proxy.url}v1/help/roles`, {
                headers: { authorization: 'late-test', connection: 'close' },
              }).then((res) => res.body.dump());
              await permit.release();
            }
          }),
        ),
      );

      expect(sandbox.state.requestCount).toBe(180);
      expect(Math.max(...delays)).toBe(300);
      expect(sandbox.state.requestsInBusiestSecond()).toBeLessThanOrEqual(40);
    } finally {
      await proxy.close();
      await sandbox.close();
    }
  });

  it('spaces slots (1000 + safety margin) / perSecond ms apart, whichever instance takes them', async () => {
    const time = virtualTime(Date.UTC(2026, 10, 24, 12));
    const limiters = [1, 2, 3].map(() =>
      onVirtualTime(time, { sql: db.sql, name: 'spacing', perSecond: 20, safetyMarginMs: 10 }),
    );
    const slots: number[] = [];
    for (let i = 0; i < 201; i++) {
      await pass(limiters[i % 3]!);
      slots.push(time.ms);
    }

    const gaps = slots.slice(1).map((at, i) => at - slots[i]!);
    expect(new Set(gaps)).toEqual(new Set([50, 51]));
    for (let i = 20; i < slots.length; i++) expect(slots[i]! - slots[i - 20]!).toBeGreaterThanOrEqual(1009);
    expect(busiestSecond(slots)).toBe(20);
    // 200 spacings of 50.5 ms: the margin costs 1 % of the configured rate, no more.
    expect(slots.at(-1)! - slots[0]!).toBe(10_100);
    expect(limiters.map((limiter) => limiter.seatlessCount)).toEqual([0, 0, 0]);
  });

  it('grants no burst after an idle spell: the next requests are still one spacing apart', async () => {
    const time = virtualTime(Date.UTC(2026, 10, 24, 12));
    const limiter = onVirtualTime(time, { sql: db.sql, name: 'idle', perSecond: 10, safetyMarginMs: 10 });
    await pass(limiter);
    time.ms += 60_000;
    const idleUntil = time.ms;
    const slots: number[] = [];
    for (let i = 0; i < 3; i++) {
      await pass(limiter);
      slots.push(time.ms);
    }
    expect(slots[0]).toBeGreaterThanOrEqual(idleUntil);
    expect(slots[0]! - idleUntil).toBeLessThan(101);
    expect([slots[1]! - slots[0]!, slots[2]! - slots[1]!]).toEqual([101, 101]);
  });

  it('hands every slot out once when many callers on three connections reserve at the same moment', async () => {
    const time = virtualTime(Date.UTC(2026, 10, 24, 12));
    // 1,000 seats for 120 requests: never all busy, so every caller takes the slot it reserved and the
    // virtual clock only ever moves to a reserved slot.
    const limiters = [1, 2, 3].map(() =>
      onVirtualTime(time, {
        sql: instanceConnection(),
        name: 'contended',
        perSecond: 1000,
        safetyMarginMs: 0,
      }),
    );
    const granted = await Promise.all(
      limiters.map(async (limiter) => {
        const passes = await Promise.all(Array.from({ length: 40 }, () => pass(limiter)));
        return passes.length;
      }),
    );

    expect(granted).toEqual([40, 40, 40]);
    expect(limiters.map((limiter) => limiter.reservedCount)).toEqual([40, 40, 40]);
    // Every reservation moved the row exactly 1 ms on: a lost update would leave it behind.
    expect(await storedArrival('contended')).toBe(Date.UTC(2026, 10, 24, 12) + 120);
  });

  it('holds a seat until a second after the answer, and waits for it when it frees before the next slot', async () => {
    const time = virtualTime(Date.UTC(2026, 10, 24, 12));
    const limiter = onVirtualTime(time, {
      sql: db.sql,
      name: 'slow-answer',
      perSecond: 1,
      safetyMarginMs: 0,
    });
    const first = await limiter.acquire();
    const sentAt = time.ms;
    time.ms += 400; // the answer takes 400 ms
    await first.release();
    expect(await seatBusyUntil('slow-answer', 0)).toBe(sentAt + 400 + 1002);

    await pass(limiter);
    // The slot at sentAt + 1000 found the seat busy (the first request may have reached the server
    // as late as sentAt + 400), free again before the next slot: it waited for the seat.
    expect(time.ms).toBe(sentAt + 1402);
    expect([limiter.reservedCount, limiter.seatlessCount]).toEqual([2, 0]);
  });

  it('takes back a seat whose holder never gave it back, once its request can no longer arrive', async () => {
    const time = virtualTime(Date.UTC(2026, 10, 24, 12));
    const options = {
      sql: db.sql,
      name: 'dead-holder',
      perSecond: 2,
      safetyMarginMs: 0,
      longestRequestMs: 5_000,
      now: time.now,
      sleep: time.sleep,
    };
    // A process takes both seats and dies before either request is over.
    const dead = new SharedRateLimiter(options);
    await dead.acquire();
    const firstTakenAt = time.ms;
    await dead.acquire();

    const survivor = new SharedRateLimiter(options);
    await pass(survivor);
    // Held for the longest request plus the seat's second (+2 ms of clock tolerance): the first seat
    // is free from firstTakenAt + 6002. Slots up to + 5500 (500 ms apart) are given up, as no seat
    // frees before the next one; the slot at + 6000 waits the 2 ms for it.
    expect(time.ms).toBe(firstTakenAt + 6_002);
    expect(survivor.seatlessCount).toBe(10);
  });

  it('gives a fractional rate ceil(r) seats held ceil(r)/r seconds: 0.5/s is one request in any 2 s', async () => {
    const time = virtualTime(Date.UTC(2026, 10, 24, 12));
    const limiter = onVirtualTime(time, { sql: db.sql, name: 'half', perSecond: 0.5, safetyMarginMs: 0 });
    const at: number[] = [];
    for (let i = 0; i < 4; i++) {
      const permit = await limiter.acquire();
      at.push(time.ms);
      time.ms += 5; // answered in 5 ms
      await permit.release();
    }
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThan(2_000);
    expect(at.at(-1)! - at[0]!).toBeLessThan(3 * 4_001);
  });

  it('never throws from release when the database is gone; the seat frees itself later', async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const limiter = new SharedRateLimiter({ sql, name: 'release-fails', perSecond: 5 });
    const permit = await limiter.acquire();
    await sql.end();
    await permit.release();
    await permit.release();
    expect(limiter.unreleasedCount).toBe(1);
  });

  it('keeps separate budgets for separate names', async () => {
    const time = virtualTime(Date.UTC(2026, 10, 24, 12));
    const options = { sql: db.sql, perSecond: 1, safetyMarginMs: 0, now: time.now, sleep: time.sleep };
    await new SharedRateLimiter({ ...options, name: 'campaign:1' }).acquire();
    await new SharedRateLimiter({ ...options, name: 'campaign:2' }).acquire();
    expect(time.ms).toBe(Date.UTC(2026, 10, 24, 12));
  });

  it('answers "not before" instead of waiting when no slot comes within the horizon, reserving nothing', async () => {
    const time = virtualTime(Date.UTC(2026, 10, 24, 12));
    const slow = onVirtualTime(time, { sql: db.sql, name: 'horizon', perSecond: 0.1, safetyMarginMs: 0 });
    const start = time.ms;
    const first = await slow.tryAcquire(1000);
    // The first slot of an idle limiter is now, however slow its pace.
    expect('release' in first && time.ms).toBe(start);
    await (first as { release(): Promise<void> }).release();
    expect(await slow.tryAcquire(1000)).toEqual({ notBefore: start + 10_000 });
    expect(await slow.tryAcquire(1000)).toEqual({ notBefore: start + 10_000 });
    expect(await storedArrival('horizon')).toBe(start + 10_000);
    time.ms = start + 9_500;
    const second = await slow.tryAcquire(1000);
    // Its slot, then its seat: free again a second (here: ten, at 0.1/s) after the first answer.
    expect('release' in second).toBe(true);
    expect(time.ms - start).toBeGreaterThanOrEqual(10_000);
    expect(time.ms - start).toBeLessThanOrEqual(10_010);
    expect(slow.reservedCount).toBe(2);
  });

  it('never waits and never touches the database when perSecond is 0', async () => {
    const closed = postgres(db.url, { onnotice: () => {} });
    await closed.end();
    await expect(closed`select 1`).rejects.toThrow();
    const limiter = new SharedRateLimiter({
      sql: closed,
      name: 'unlimited',
      perSecond: 0,
      now: () => {
        throw new Error('read the clock');
      },
      sleep: async () => {
        throw new Error('slept');
      },
    });
    for (let i = 0; i < 100; i++) await pass(limiter);
    expect(limiter.reservedCount).toBe(0);
  });

  it('refuses a rate above 1,000/s or below one a day, naming the field', () => {
    for (const perSecond of [5000, 1e308, 1e-300, Number.NaN]) {
      expect(() => new SharedRateLimiter({ sql: db.sql, name: 'x', perSecond })).toThrow(
        expect.objectContaining({
          code: 'rate_limit_invalid',
          details: expect.objectContaining({ field: 'perSecond' }),
        }),
      );
    }
    expect(() => new SharedRateLimiter({ sql: db.sql, name: 'x', perSecond: 5, safetyMarginMs: -1 })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'safetyMarginMs' }) }),
    );
  });
});
