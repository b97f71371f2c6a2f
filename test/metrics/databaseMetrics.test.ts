import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { registerDatabaseMetrics } from '../../src/metrics/databaseMetrics.js';
import { insertApiUsage, seedReportCampaign, useTestDatabasePerFile } from '../reports/seedReport.js';
import { recordingLogger } from '../scheduler/seed.js';
import { createTestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-27T10:00:00.000Z');

/** The samples of the exposition whose line starts with `prefix`. */
async function samples(registry: Registry, prefix: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line.startsWith(prefix));
}

const db = useTestDatabasePerFile();
beforeAll(async () => {
  await seedReportCampaign(db.sql, { name: 'running', transport: 'sms' }, [
    {
      scheduledFor: NOW.toISOString(),
      deliveries: [
        { phone: '79007770001', state: 'queued', dueAt: '2026-11-27T09:58:00Z' },
        { phone: '79007770002', state: 'waiting', dueAt: '2026-11-27T09:59:30Z' },
        { phone: '79007770003', state: 'sent', dueAt: '2026-11-27T09:00:00Z' },
      ],
    },
  ]);
  await insertApiUsage(db.sql, [
    { month: '2026-10-01', requestsCounted: 999, monthlyQuota: 1000 },
    { month: '2026-11-01', requestsCounted: 120, monthlyQuota: 5000 },
    { month: '2026-12-01', requestsCounted: 3, monthlyQuota: null },
  ]);
});

describe('registerDatabaseMetrics', () => {
  it('reports the database up, with deliveries by state, every state present', async () => {
    const registry = new Registry();
    registerDatabaseMetrics(registry, { sql: db.sql, clock: new ManualClock(NOW) });

    expect(await samples(registry, 'broadcaster_database_up')).toEqual(['broadcaster_database_up 1']);
    const states = await samples(registry, 'broadcaster_deliveries{');
    expect(states).toContain('broadcaster_deliveries{state="queued"} 1');
    expect(states).toContain('broadcaster_deliveries{state="sent"} 1');
    expect(states).toContain('broadcaster_deliveries{state="skipped"} 0');
    expect(states).toHaveLength(8);
  });

  it('gives the due queue and the age of its oldest delivery by the engine clock, not the wall clock', async () => {
    const registry = new Registry();
    const clock = new ManualClock(NOW);
    registerDatabaseMetrics(registry, { sql: db.sql, clock });

    expect(await samples(registry, 'broadcaster_delivery_queue_')).toEqual([
      'broadcaster_delivery_queue_depth 2',
      'broadcaster_delivery_queue_oldest_age_seconds 120',
    ]);

    clock.set('2026-11-27T09:59:00Z');
    expect(await samples(registry, 'broadcaster_delivery_queue_')).toEqual([
      'broadcaster_delivery_queue_depth 1',
      'broadcaster_delivery_queue_oldest_age_seconds 60',
    ]);
  });

  it('gives an age of 0 when nothing is due', async () => {
    const registry = new Registry();
    registerDatabaseMetrics(registry, { sql: db.sql, clock: new ManualClock('2026-11-27T08:00:00Z') });

    expect(await samples(registry, 'broadcaster_delivery_queue_')).toEqual([
      'broadcaster_delivery_queue_depth 0',
      'broadcaster_delivery_queue_oldest_age_seconds 0',
    ]);
  });

  it("reports the quota of the clock's UTC month, and no limit where it is unlimited", async () => {
    const registry = new Registry();
    const clock = new ManualClock(NOW);
    registerDatabaseMetrics(registry, { sql: db.sql, clock });

    expect(await samples(registry, 'broadcaster_chat2desk_quota_')).toEqual([
      'broadcaster_chat2desk_quota_used 120',
      'broadcaster_chat2desk_quota_limit 5000',
    ]);

    clock.set('2026-12-01T00:00:00Z');
    expect(await samples(registry, 'broadcaster_chat2desk_quota_')).toEqual([
      'broadcaster_chat2desk_quota_used 3',
    ]);
  });

  it('may be called again for the same registry without registering twice', async () => {
    const registry = new Registry();
    registerDatabaseMetrics(registry, { sql: db.sql, clock: new ManualClock(NOW) });

    expect(() =>
      registerDatabaseMetrics(registry, { sql: db.sql, clock: new ManualClock(NOW) }),
    ).not.toThrow();
    expect(await samples(registry, 'broadcaster_database_up')).toEqual(['broadcaster_database_up 1']);
  });

  it('reports the database down, leaves its gauges empty and warns, when it does not answer', async () => {
    const gone = await createTestDatabase();
    await gone.drop();
    const registry = new Registry();
    const { logger, lines } = recordingLogger();
    registerDatabaseMetrics(registry, { sql: gone.sql, clock: new ManualClock(NOW), logger });

    const text = (await registry.metrics()).split('\n').filter((line) => line && !line.startsWith('#'));

    expect(text).toEqual(['broadcaster_database_up 0']);
    expect(
      lines.some((line) => line.msg === 'metrics: the database did not answer' && line.level === 40),
    ).toBe(true);
  });
});
