import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  collectProcessMetricsOnce,
  countedOnScrape,
  metricOnce,
  Registry,
} from '../../src/metrics/registry.js';

/** The samples of the exposition, without its HELP and TYPE lines. */
async function samples(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('metricOnce', () => {
  it('creates the metric the first time and hands back the registered one after that', () => {
    const registry = new Registry();
    let made = 0;
    const create = () => {
      made++;
      return new Counter({ name: 'test_total', help: 'a test counter', registers: [registry] });
    };

    const first = metricOnce(registry, 'test_total', create);
    const second = metricOnce(registry, 'test_total', create);

    expect(second).toBe(first);
    expect(made).toBe(1);
  });

  it('keeps registries apart: the same name is made again for another registry', () => {
    const a = new Registry();
    const b = new Registry();
    const make = (registry: Registry) => () =>
      new Counter({ name: 'test_total', help: 'a test counter', registers: [registry] });

    expect(metricOnce(b, 'test_total', make(b))).not.toBe(metricOnce(a, 'test_total', make(a)));
  });
});

describe('countedOnScrape', () => {
  it('exposes a plain number as one sample without labels, read afresh on each scrape', async () => {
    const registry = new Registry();
    let count = 3;
    countedOnScrape(registry, { name: 'things_total', help: 'things' }, () => count);

    expect(await samples(registry)).toEqual(['things_total 3']);
    count = 5;
    expect(await samples(registry)).toEqual(['things_total 5']);
  });

  it('exposes one sample per label set read, and drops a label set no longer read', async () => {
    const registry = new Registry();
    let values: Array<[{ kind: string }, number]> = [
      [{ kind: 'a' }, 1],
      [{ kind: 'b' }, 2],
    ];
    countedOnScrape(registry, { name: 'kinds_total', help: 'kinds', labelNames: ['kind'] }, () => values);

    expect(await samples(registry)).toEqual(['kinds_total{kind="a"} 1', 'kinds_total{kind="b"} 2']);
    values = [[{ kind: 'b' }, 4]];
    expect(await samples(registry)).toEqual(['kinds_total{kind="b"} 4']);
  });

  it('registers once per registry: a second call keeps the first reader', async () => {
    const registry = new Registry();
    countedOnScrape(registry, { name: 'things_total', help: 'things' }, () => 1);

    expect(() => countedOnScrape(registry, { name: 'things_total', help: 'things' }, () => 99)).not.toThrow();
    expect(await samples(registry)).toEqual(['things_total 1']);
  });

  it('declares the metric a counter, with its help text', async () => {
    const registry = new Registry();
    countedOnScrape(registry, { name: 'things_total', help: 'Things counted' }, () => 0);

    const text = await registry.metrics();

    expect(text).toContain('# HELP things_total Things counted');
    expect(text).toContain('# TYPE things_total counter');
  });
});

describe('collectProcessMetricsOnce', () => {
  it('adds the Node process metrics, and may be called again for the same registry', async () => {
    const registry = new Registry();
    collectProcessMetricsOnce(registry);

    expect(() => collectProcessMetricsOnce(registry)).not.toThrow();
    const text = await registry.metrics();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);
  });
});
