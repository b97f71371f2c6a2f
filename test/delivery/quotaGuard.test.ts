import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Sql } from '../../src/db/database.js';
import { QuotaGuard, type QuotaGuardOptions } from '../../src/delivery/quotaGuard.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
const connections: Sql[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(connections.map((sql) => sql.end({ timeout: 5 })));
  await db.drop();
});

beforeEach(async () => {
  await db.sql`delete from api_usage`;
});

/** A connection of its own, as a separate engine instance would have. */
function instanceConnection(): Sql {
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  connections.push(sql);
  return sql;
}

function guard(clock: ManualClock, options: Partial<QuotaGuardOptions> = {}): QuotaGuard {
  return new QuotaGuard({ sql: db.sql, clock, ...options });
}

/** Reserves until refused; returns how many were granted. */
async function reserveAll(quota: QuotaGuard, atMost = 100_000): Promise<number> {
  let granted = 0;
  while (granted < atMost && (await quota.tryReserve())) granted++;
  return granted;
}

async function storedRow(month: string) {
  const [row] = await db.sql<
    { counted: number; reported: number | null; mode: string | null; quota: number | null }[]
  >`
    select requests_counted as counted, requests_reported as reported, api_mode as mode, monthly_quota as quota
    from api_usage where month = ${month}::date`;
  return row;
}

describe('QuotaGuard', () => {
  it('records api_info: mode, reported count and the mode quota, and never lowers the count', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock);
    await quota.syncFromApiInfo({ mode: 'demo', requests_this_month: 98 });
    expect(await quota.usage()).toEqual({
      month: '2026-11-01',
      counted: 98,
      reported: 98,
      quota: 1000,
      mode: 'demo',
    });

    await quota.syncFromApiInfo({ mode: 'normal', requests_this_month: 40 });
    expect(await quota.usage()).toEqual({
      month: '2026-11-01',
      counted: 98,
      reported: 40,
      quota: 50_000,
      mode: 'normal',
    });
  });

  it('lets two instances together reserve exactly quota − margin, taking a partial last block', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const options = { clock, safetyMargin: 13, blockSize: 20 };
    const first = new QuotaGuard({ sql: instanceConnection(), ...options });
    const second = new QuotaGuard({ sql: instanceConnection(), ...options });
    await first.syncFromApiInfo({ mode: 'demo', requests_this_month: 0 });

    const granted = await Promise.all([reserveAll(first), reserveAll(second)]);

    // 987 = 49 whole blocks of 20 and a last one of 7.
    expect(granted[0] + granted[1]).toBe(1000 - 13);
    expect(granted[0]).toBeGreaterThan(0);
    expect(granted[1]).toBeGreaterThan(0);
    expect((await storedRow('2026-11-01'))!.counted).toBe(987);
    expect(await first.tryReserve()).toBe(false);
    expect(await first.remaining()).toBe(0);
  });

  it('keeps max(20, 1 % of the quota) in reserve by default', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const normal = guard(clock);
    await normal.syncFromApiInfo({ mode: 'normal', requests_this_month: 49_000 });
    expect(await reserveAll(normal)).toBe(50_000 - 500 - 49_000);

    await db.sql`delete from api_usage`;
    const demo = guard(clock);
    await demo.syncFromApiInfo({ mode: 'demo', requests_this_month: 900 });
    expect(await reserveAll(demo)).toBe(1000 - 20 - 900);
  });

  it('counts the requests other clients of the token made, as api_info reports them', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock, { safetyMargin: 0, blockSize: 1 });
    await quota.syncFromApiInfo({ mode: 'demo', requests_this_month: 0 });
    expect(await reserveAll(quota, 10)).toBe(10);
    await quota.syncFromApiInfo({ mode: 'demo', requests_this_month: 995 });
    expect(await reserveAll(quota)).toBe(5);
  });

  it('reports what remains, the block this instance holds included', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock);
    await quota.syncFromApiInfo({ mode: 'demo', requests_this_month: 100 });
    expect(await quota.remaining()).toBe(880);
    expect(await quota.tryReserve()).toBe(true);
    expect(await quota.remaining()).toBe(879);
    expect((await quota.usage()).counted).toBe(120);
  });

  it('starts the next month of the engine clock afresh, carrying the mode and quota over', async () => {
    const clock = new ManualClock('2026-01-31T23:59:00Z');
    const quota = guard(clock, { safetyMargin: 0, blockSize: 20 });
    await quota.syncFromApiInfo({ mode: 'demo', requests_this_month: 990 });
    expect(await reserveAll(quota)).toBe(10);

    clock.set('2026-02-01T00:00:00Z');
    expect(await quota.tryReserve()).toBe(true);

    expect(await quota.usage()).toEqual({
      month: '2026-02-01',
      counted: 20,
      reported: null,
      quota: 1000,
      mode: 'demo',
    });
    expect((await storedRow('2026-01-01'))!.counted).toBe(1000);
  });

  it('does not spend a block held from the previous month in the new one', async () => {
    const clock = new ManualClock('2026-01-31T23:59:00Z');
    const quota = guard(clock, { blockSize: 20 });
    await quota.syncFromApiInfo({ mode: 'normal', requests_this_month: 0 });
    expect(await quota.tryReserve()).toBe(true);
    clock.set('2026-02-01T00:00:00Z');
    expect(await quota.tryReserve()).toBe(true);

    expect((await storedRow('2026-01-01'))!.counted).toBe(20);
    expect((await storedRow('2026-02-01'))!.counted).toBe(20);
  });

  it('lets the configured quota override beat the quota of the API mode', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock, { monthlyQuotaOverride: 100 });
    await quota.syncFromApiInfo({ mode: 'normal', requests_this_month: 0 });
    expect((await quota.usage()).quota).toBe(100);
    expect(await reserveAll(quota)).toBe(80);

    // Another instance without the override synced the mode's quota: this one still keeps to 100.
    await guard(clock).syncFromApiInfo({ mode: 'unlimited', requests_this_month: 80 });
    expect(await quota.tryReserve()).toBe(false);
    expect((await quota.usage()).quota).toBe(100);
  });

  it('works from the override alone, before any api_info sync', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock, { monthlyQuotaOverride: 50, safetyMargin: 5 });
    expect(await reserveAll(quota)).toBe(45);
  });

  it('never refuses in unlimited mode, and has no remaining count to report', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock);
    await quota.syncFromApiInfo({ mode: 'unlimited', requests_this_month: 2_000_000 });
    expect(await reserveAll(quota, 2000)).toBe(2000);
    expect(await quota.remaining()).toBeNull();
    expect(await quota.usage()).toMatchObject({ counted: 2_002_000, quota: null, mode: 'unlimited' });
  });

  it('refuses everything in disabled mode', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock);
    await quota.syncFromApiInfo({ mode: 'disabled', requests_this_month: 0 });
    expect(await quota.tryReserve()).toBe(false);
    expect(await quota.remaining()).toBe(0);
  });

  it('refuses while the quota is unknown: no sync, no override, no earlier month, or an unknown mode', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock);
    expect(await quota.tryReserve()).toBe(false);
    expect(await quota.usage()).toEqual({
      month: '2026-11-01',
      counted: 0,
      reported: null,
      quota: null,
      mode: null,
    });

    await quota.syncFromApiInfo({ mode: 'premium', requests_this_month: 3 });
    expect(await quota.tryReserve()).toBe(false);

    await quota.syncFromApiInfo({ mode: 'normal', requests_this_month: 3 });
    expect(await quota.tryReserve()).toBe(true);
  });

  it('hands one block out to concurrent callers of one instance rather than one block each', async () => {
    const clock = new ManualClock('2026-11-24T12:00:00Z');
    const quota = guard(clock, { blockSize: 20 });
    await quota.syncFromApiInfo({ mode: 'normal', requests_this_month: 0 });
    const answers = await Promise.all(Array.from({ length: 15 }, () => quota.tryReserve()));
    expect(answers.every(Boolean)).toBe(true);
    expect((await quota.usage()).counted).toBe(20);
  });

  it('rejects options out of range, naming the field', () => {
    const clock = new ManualClock();
    expect(() => guard(clock, { blockSize: 0 })).toThrow(expect.objectContaining({ field: 'blockSize' }));
    expect(() => guard(clock, { safetyMargin: -1 })).toThrow(
      expect.objectContaining({ field: 'safetyMargin' }),
    );
    expect(() => guard(clock, { monthlyQuotaOverride: 1.5 })).toThrow(
      expect.objectContaining({ code: 'quota_guard_option_invalid', field: 'monthlyQuotaOverride' }),
    );
  });
});
