import { collectDefaultMetrics, type Metric, Registry } from 'prom-client';

/**
 * The metric named `name` in this registry, made by `create` the first time: the observers and
 * registerMetrics may each be called for the same registry, and prom-client refuses a name twice.
 */
export function metricOnce<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** Node process metrics (CPU, memory, event loop lag, GC), registered once per registry. */
export function collectProcessMetricsOnce(registry: Registry): void {
  if (registry.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics({ register: registry });
}

export { Registry };
