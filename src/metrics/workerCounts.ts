import type { Registry } from 'prom-client';
import type { ReplyWatcher } from '../delivery/replyWatcher.js';
import type { DeliveryWorker } from '../delivery/worker.js';
import { countedOnScrape } from './registry.js';

/**
 * What a worker survived and what the reply watcher did, as counters: background failures are
 * never only a log line, and the polls that keep STOP prompt are visible with their cost.
 */
export function registerWorkerCounts(
  registry: Registry,
  worker: Pick<DeliveryWorker, 'failures'>,
  replies: Pick<ReplyWatcher, 'counts'> | undefined,
): void {
  countedOnScrape(
    registry,
    {
      name: 'broadcaster_worker_failures_total',
      help: 'Background failures a delivery worker survived, by task (campaign_pause, lease_renewal, processing, claim)',
      labelNames: ['task'],
    },
    () => [
      [{ task: 'campaign_pause' }, worker.failures.campaignPause],
      [{ task: 'lease_renewal' }, worker.failures.leaseRenewal],
      [{ task: 'processing' }, worker.failures.processing],
      [{ task: 'claim' }, worker.failures.claim],
    ],
  );
  if (!replies) return;
  const { counts } = replies;
  countedOnScrape(
    registry,
    {
      name: 'broadcaster_reply_polls_total',
      help: 'Polls of client replies (no web hook), by why: active (sending), idle, before_send',
      labelNames: ['reason'],
    },
    () => Object.entries(counts.polls).map(([reason, n]) => [{ reason }, n]),
  );
  countedOnScrape(
    registry,
    { name: 'broadcaster_reply_poll_requests_total', help: 'Chat2Desk requests made to read client replies' },
    () => counts.requests,
  );
  countedOnScrape(
    registry,
    {
      name: 'broadcaster_reply_polls_skipped_total',
      help: 'Reply polls that were due but not made, by cause (budget: the share of the monthly quota)',
      labelNames: ['cause'],
    },
    () => [[{ cause: 'budget' }, counts.skippedForBudget]],
  );
  countedOnScrape(
    registry,
    { name: 'broadcaster_reply_poll_failures_total', help: 'Reply polls that failed (tried again later)' },
    () => counts.failures,
  );
  countedOnScrape(
    registry,
    { name: 'broadcaster_reply_opt_outs_total', help: 'Contacts opted out by a STOP found when polling' },
    () => counts.optOuts,
  );
  countedOnScrape(
    registry,
    {
      name: 'broadcaster_unchecked_sends_total',
      help: 'Messages sent without a reply check, because none could be had in time',
    },
    () => counts.uncheckedSends,
  );
}
