import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Chat2DeskGate, QuotaGuardError, whileHolding } from '../../src/delivery/chat2deskGate.js';
import { QuotaGuard } from '../../src/delivery/quotaGuard.js';
import { type RatePermit, SharedRateLimiter } from '../../src/delivery/rateLimiter.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The gate with a real quota and real rate limiters in PostgreSQL. The account's limiter has no
 * rate (perSecond 0), so nothing here waits on real time; each test has a month of its own, so
 * each starts with a fresh quota of three requests.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function gateOfMonth(month: number): Promise<{ gate: Chat2DeskGate; quota: QuotaGuard }> {
  const clock = new ManualClock(Date.UTC(2026, month - 1, 15, 12));
  const quota = new QuotaGuard({
    sql: db.sql,
    clock,
    monthlyQuotaOverride: 3,
    safetyMargin: 0,
    blockSize: 1,
  });
  await quota.syncFromApiInfo({ mode: 'demo', requests_this_month: 0 });
  const limiter = new SharedRateLimiter({ sql: db.sql, name: `account-${month}`, perSecond: 0 });
  return { gate: new Chat2DeskGate(limiter, quota), quota };
}

/** A permit that records whether it was given back. */
function recordingPermit(): RatePermit & { released: number } {
  const permit = {
    released: 0,
    release: async () => {
      permit.released++;
    },
  };
  return permit;
}

describe('Chat2DeskGate', () => {
  it('admits as many requests as the quota allows, counting each, then pauses sending', async () => {
    const { gate, quota } = await gateOfMonth(1);
    for (let i = 0; i < 3; i++) await (await gate.admit()).release();
    expect(gate.requests).toBe(3);
    expect(await quota.remaining()).toBe(0);
    const error = await gate.admit().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaGuardError);
    expect(error).toMatchObject({
      code: 'quota_guard',
      message: 'the monthly Chat2Desk request quota is (nearly) spent; sending is paused',
    });
    expect(gate.requests).toBe(3);
  });

  it('runs a call while holding admission, passing on its result or its failure', async () => {
    const { gate, quota } = await gateOfMonth(2);
    expect(await gate.call(async () => 'answer')).toBe('answer');
    const failure = new Error('connection reset');
    await expect(
      gate.call(async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(gate.requests).toBe(2);
    expect(await quota.remaining()).toBe(1);
  });

  it('refuses a call once the quota is spent, without running it', async () => {
    const { gate } = await gateOfMonth(3);
    for (let i = 0; i < 3; i++) await gate.call(async () => null);
    let ran = false;
    await expect(
      gate.call(async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(QuotaGuardError);
    expect(ran).toBe(false);
  });

  it('lets the requests that learn the quota go out even when it is spent, counted', async () => {
    const { gate } = await gateOfMonth(4);
    for (let i = 0; i < 3; i++) await gate.call(async () => null);
    expect(await gate.callBeforeQuotaIsKnown(async () => 'api_info')).toBe('api_info');
    expect(gate.requests).toBe(4);
  });

  it('admits a message of a campaign without a pace of its own like any request', async () => {
    const { gate, quota } = await gateOfMonth(5);
    const admission = await gate.admitMessage(undefined, 0);
    expect('permit' in admission).toBe(true);
    expect(await quota.remaining()).toBe(2);
  });

  it("sends a message back to wait for its campaign's pace without spending quota", async () => {
    const { gate, quota } = await gateOfMonth(6);
    const campaign = new SharedRateLimiter({ sql: db.sql, name: 'campaign-hourly', perSecond: 1 / 3600 });
    const first = await gate.admitMessage(campaign, 0);
    expect('permit' in first).toBe(true);
    const second = await gate.admitMessage(campaign, 0);
    expect('notBefore' in second).toBe(true);
    if ('notBefore' in second) expect(second.notBefore).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(gate.requests).toBe(1);
    expect(await quota.remaining()).toBe(2);
  });

  it("passes on the quota's refusal of a paced message", async () => {
    const { gate } = await gateOfMonth(7);
    for (let i = 0; i < 3; i++) await gate.call(async () => null);
    const campaign = new SharedRateLimiter({ sql: db.sql, name: 'campaign-fast', perSecond: 100 });
    await expect(gate.admitMessage(campaign, 60_000)).rejects.toBeInstanceOf(QuotaGuardError);
  });
});

describe('whileHolding', () => {
  it('gives the permit back after the request, whatever its outcome', async () => {
    const kept = recordingPermit();
    expect(await whileHolding(kept, async () => 42)).toBe(42);
    expect(kept.released).toBe(1);
    const failed = recordingPermit();
    await expect(
      whileHolding(failed, async () => {
        throw new Error('timeout');
      }),
    ).rejects.toThrow('timeout');
    expect(failed.released).toBe(1);
  });
});
