import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { monthOf } from '../delivery/quotaGuard.js';
import type { DeliveryState } from '../delivery/states.js';
import type { Logger } from '../logger.js';
import { metricOnce } from './registry.js';
import { countDeliveriesByState } from './sql/countDeliveriesByState.js';
import { type DueQueue, readDueQueue } from './sql/readDueQueue.js';
import { type MonthApiUsage, readMonthApiUsage } from './sql/readMonthApiUsage.js';

export interface DatabaseMetricsDeps {
  sql: Sql;
  /** The engine clock: "due" and the quota's month are its now, as the workers and the guard see it. */
  clock: Clock;
  logger?: Logger;
}

interface Snapshot {
  states: Record<DeliveryState, number>;
  queue: DueQueue;
  usage: MonthApiUsage;
  now: Date;
}

/**
 * Gauges read from PostgreSQL when Prometheus scrapes, so every instance reports the same shared
 * truth and nothing has to be kept in step between scrapes. The reads happen once per scrape and
 * are shared by the gauges (prom-client asks each gauge's collect() at once). When the database
 * does not answer, `broadcaster_database_up` is 0 and the database gauges are left empty, while the
 * process metrics are still served.
 */
export function registerDatabaseMetrics(registry: Registry, deps: DatabaseMetricsDeps): void {
  if (registry.getSingleMetric('broadcaster_database_up')) return;
  let inFlight: Promise<Snapshot | null> | undefined;
  const snapshot = (): Promise<Snapshot | null> => {
    inFlight ??= readSnapshot(deps).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const gauge = (name: string, help: string, labelNames: string[], show: (g: Gauge, s: Snapshot) => void) =>
    metricOnce(
      registry,
      name,
      () =>
        new Gauge({
          name,
          help,
          labelNames,
          registers: [registry],
          async collect() {
            const s = await snapshot();
            // reset() leaves a gauge without labels at 0; remove({}) drops that sample too, so a
            // value the database did not give is absent rather than a misleading 0.
            this.reset();
            this.remove({});
            if (s) show(this, s);
          },
        }),
    );

  metricOnce(
    registry,
    'broadcaster_database_up',
    () =>
      new Gauge({
        name: 'broadcaster_database_up',
        help: 'Whether the database answered the metrics queries of this scrape (1) or not (0)',
        registers: [registry],
        async collect() {
          this.set((await snapshot()) ? 1 : 0);
        },
      }),
  );
  gauge('broadcaster_deliveries', 'Deliveries by state, over every campaign', ['state'], (g, s) => {
    for (const [state, n] of Object.entries(s.states)) g.set({ state }, n);
  });
  gauge(
    'broadcaster_delivery_queue_depth',
    'Deliveries of running campaigns that are due (queued or waiting, next attempt reached) and not yet taken',
    [],
    (g, s) => g.set(s.queue.depth),
  );
  gauge(
    'broadcaster_delivery_queue_oldest_age_seconds',
    'How long the oldest due delivery of a running campaign has been due (0 when none is)',
    [],
    (g, s) =>
      g.set(s.queue.oldestDueAt ? Math.max(0, (s.now.getTime() - s.queue.oldestDueAt.getTime()) / 1000) : 0),
  );
  gauge(
    'broadcaster_chat2desk_quota_used',
    'Chat2Desk requests counted against this month’s quota (UTC month)',
    [],
    (g, s) => g.set(s.usage.used),
  );
  gauge(
    'broadcaster_chat2desk_quota_limit',
    'This month’s Chat2Desk request quota; absent when unlimited or not known yet',
    [],
    (g, s) => {
      if (s.usage.limit !== null) g.set(s.usage.limit);
    },
  );
}

async function readSnapshot(deps: DatabaseMetricsDeps): Promise<Snapshot | null> {
  const now = deps.clock.now();
  try {
    const [states, queue, usage] = await Promise.all([
      countDeliveriesByState(deps.sql),
      readDueQueue(deps.sql, now),
      readMonthApiUsage(deps.sql, monthOf(now)),
    ]);
    return { states, queue, usage, now };
  } catch (error) {
    deps.logger?.warn({ err: error }, 'metrics: the database did not answer');
    return null;
  }
}
