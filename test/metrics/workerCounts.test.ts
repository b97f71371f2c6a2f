import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ReplyWatcherCounts } from '../../src/delivery/replyWatcher.js';
import type { WorkerFailureCounts } from '../../src/delivery/worker.js';
import { registerWorkerCounts } from '../../src/metrics/workerCounts.js';

/** The samples of the exposition, without its HELP and TYPE lines. */
async function samples(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

function workerFailures(): { failures: WorkerFailureCounts } {
  return { failures: { campaignPause: 0, leaseRenewal: 0, processing: 0, claim: 0 } };
}

function replyCounts(): { counts: ReplyWatcherCounts } {
  return {
    counts: {
      polls: { active: 0, idle: 0, before_send: 0 },
      requests: 0,
      skippedForBudget: 0,
      failures: 0,
      optOuts: 0,
      uncheckedSends: 0,
    },
  };
}

describe('registerWorkerCounts', () => {
  it("exposes a worker's survived failures by task, as they are when scraped", async () => {
    const registry = new Registry();
    const worker = workerFailures();
    registerWorkerCounts(registry, worker, undefined);

    expect(await samples(registry)).toEqual([
      'broadcaster_worker_failures_total{task="campaign_pause"} 0',
      'broadcaster_worker_failures_total{task="lease_renewal"} 0',
      'broadcaster_worker_failures_total{task="processing"} 0',
      'broadcaster_worker_failures_total{task="claim"} 0',
    ]);

    worker.failures.campaignPause = 1;
    worker.failures.leaseRenewal = 2;
    worker.failures.processing = 3;
    worker.failures.claim = 4;

    expect(await samples(registry)).toEqual([
      'broadcaster_worker_failures_total{task="campaign_pause"} 1',
      'broadcaster_worker_failures_total{task="lease_renewal"} 2',
      'broadcaster_worker_failures_total{task="processing"} 3',
      'broadcaster_worker_failures_total{task="claim"} 4',
    ]);
  });

  it('exposes what the reply watcher did, and what it cost, when there is one', async () => {
    const registry = new Registry();
    const replies = replyCounts();
    registerWorkerCounts(registry, workerFailures(), replies);
    replies.counts.polls = { active: 7, idle: 3, before_send: 2 };
    replies.counts.requests = 15;
    replies.counts.skippedForBudget = 4;
    replies.counts.failures = 1;
    replies.counts.optOuts = 5;
    replies.counts.uncheckedSends = 6;

    const lines = await samples(registry);

    expect(lines.filter((line) => !line.startsWith('broadcaster_worker_failures_total'))).toEqual([
      'broadcaster_reply_polls_total{reason="active"} 7',
      'broadcaster_reply_polls_total{reason="idle"} 3',
      'broadcaster_reply_polls_total{reason="before_send"} 2',
      'broadcaster_reply_poll_requests_total 15',
      'broadcaster_reply_polls_skipped_total{cause="budget"} 4',
      'broadcaster_reply_poll_failures_total 1',
      'broadcaster_reply_opt_outs_total 5',
      'broadcaster_unchecked_sends_total 6',
    ]);
  });

  it('registers no reply metrics where replies come by web hook (no watcher)', async () => {
    const registry = new Registry();
    registerWorkerCounts(registry, workerFailures(), undefined);

    const text = await registry.metrics();

    expect(text).not.toContain('broadcaster_reply_');
    expect(text).not.toContain('broadcaster_unchecked_sends_total');
  });

  it('may be called again for the same registry (a second worker), keeping the first one’s counts', async () => {
    const registry = new Registry();
    const first = workerFailures();
    first.failures.claim = 9;
    registerWorkerCounts(registry, first, replyCounts());

    expect(() => registerWorkerCounts(registry, workerFailures(), replyCounts())).not.toThrow();
    expect(await samples(registry)).toContain('broadcaster_worker_failures_total{task="claim"} 9');
  });
});
