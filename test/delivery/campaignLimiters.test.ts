import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignLimiters } from '../../src/delivery/campaignLimiters.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const REAL_NOW = 1_800_000_000_000;
const limiters = () =>
  new CampaignLimiters({ sql: db.sql, rateMarginMs: 10, longestRequestMs: 5_000, realTime: () => REAL_NOW });

describe('CampaignLimiters', () => {
  it('gives no limiter to a campaign that keeps no pace of its own', () => {
    const all = limiters();
    expect(all.of({ campaignId: 1, rateLimitPerSecond: null })).toBeUndefined();
    expect(all.of({ campaignId: 1, rateLimitPerSecond: 0 })).toBeUndefined();
  });

  it('makes one limiter per campaign and rate, named for the campaign, and hands the same one back', () => {
    const all = limiters();
    const first = all.of({ campaignId: 3, rateLimitPerSecond: 2 });
    expect(first).toMatchObject({ name: 'campaign:3', perSecond: 2, spacingMs: 505 });
    expect(all.of({ campaignId: 3, rateLimitPerSecond: 2 })).toBe(first);
    expect(all.of({ campaignId: 3, rateLimitPerSecond: 4 })).not.toBe(first);
    expect(all.of({ campaignId: 4, rateLimitPerSecond: 2 })).toMatchObject({ name: 'campaign:4' });
  });

  it('counts the campaign’s slots in real time in the shared rate_limiters row', async () => {
    const limiter = limiters().of({ campaignId: 5, rateLimitPerSecond: 1 })!;

    const permit = await limiter.tryAcquire(0);
    expect('release' in permit).toBe(true);
    if ('release' in permit) await permit.release();

    const [row] = await db.sql<{ at: number }[]>`
      select theoretical_arrival_ms as at from rate_limiters where name = 'campaign:5'`;
    expect(row!.at).toBe(REAL_NOW + 1_010);
    // Another instance's limiter for the campaign shares that budget: its next slot is a spacing away.
    expect(await limiters().of({ campaignId: 5, rateLimitPerSecond: 1 })!.tryAcquire(0)).toEqual({
      notBefore: REAL_NOW + 1_010,
    });
  });

  it('refuses a stored rate no limiter can keep, naming the field and the campaign’s limiter', () => {
    expect(() => limiters().of({ campaignId: 6, rateLimitPerSecond: 5_000 })).toThrow(
      expect.objectContaining({
        code: 'rate_limit_invalid',
        details: expect.objectContaining({ field: 'perSecond', limiter: 'campaign:6' }),
      }),
    );
  });
});
