import { beforeAll, describe, expect, it } from 'vitest';
import { readMonthApiUsage } from '../../../src/metrics/sql/readMonthApiUsage.js';
import { insertApiUsage, useTestDatabasePerFile } from '../../reports/seedReport.js';

const db = useTestDatabasePerFile();
beforeAll(async () => {
  await insertApiUsage(db.sql, [
    { month: '2026-10-01', requestsCounted: 900, monthlyQuota: 1000 },
    { month: '2026-11-01', requestsCounted: 42, monthlyQuota: 5000 },
    { month: '2026-12-01', requestsCounted: 7, monthlyQuota: null },
  ]);
});

describe('readMonthApiUsage', () => {
  it("reads the month's requests counted and its quota", async () => {
    expect(await readMonthApiUsage(db.sql, '2026-11-01')).toEqual({ used: 42, limit: 5000 });
  });

  it('gives no limit for a month whose quota is unlimited or not known yet', async () => {
    expect(await readMonthApiUsage(db.sql, '2026-12-01')).toEqual({ used: 7, limit: null });
  });

  it('gives nothing used and no limit for a month without a row', async () => {
    expect(await readMonthApiUsage(db.sql, '2027-01-01')).toEqual({ used: 0, limit: null });
  });

  it('reads only the month asked for, not a neighbour', async () => {
    expect((await readMonthApiUsage(db.sql, '2026-10-01')).used).toBe(900);
    expect((await readMonthApiUsage(db.sql, '2026-11-01')).used).toBe(42);
  });
});
