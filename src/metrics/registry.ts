import { Counter, collectDefaultMetrics, type LabelValues, type Metric, Registry } from 'prom-client';

/**
 * The metric named `name` in this registry, made by `create` the first time: the observers and
 * registerMetrics may each be called for the same registry, and prom-client refuses a name twice.
 */
export function metricOnce<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * A counter whose values are read from the engine's own counts when Prometheus scrapes (once per
 * registry): one sample per label set `read` gives, or one without labels for a plain number.
 */
export function countedOnScrape(
  registry: Registry,
  metric: { name: string; help: string; labelNames?: string[] },
  read: () => number | Array<[LabelValues<string>, number]>,
): void {
  metricOnce(
    registry,
    metric.name,
    () =>
      new Counter({
        name: metric.name,
        help: metric.help,
        labelNames: metric.labelNames ?? [],
        registers: [registry],
        collect() {
          this.reset();
          const values = read();
          if (typeof values === 'number') this.inc(values);
          else for (const [labels, value] of values) this.inc(labels, value);
        },
      }),
  );
}

/** Node process metrics (CPU, memory, event loop lag, GC), registered once per registry. */
export function collectProcessMetricsOnce(registry: Registry): void {
  if (registry.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics({ register: registry });
}

export { Registry };
