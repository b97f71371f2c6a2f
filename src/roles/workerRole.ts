import { campaignPauser } from '../campaigns/lifecycle.js';
import type { ApiInfo } from '../chat2desk/types.js';
import { stopVocabularyOf } from '../delivery/optOut.js';
import { OptOutConfirmer } from '../delivery/optOutConfirmations.js';
import { ReplyWatcher } from '../delivery/replyWatcher.js';
import { StatusPoller } from '../delivery/statusPoller.js';
import { receivesWebhooks, registerWebhook, type WebhookRoute } from '../delivery/webhookRegistration.js';
import { WebhookWatch } from '../delivery/webhookWatch.js';
import { DeliveryWorker } from '../delivery/worker.js';
import { legacyWebhookSecret } from '../http/webhookSecret.js';
import { registerWorkerCounts } from '../metrics/workerCounts.js';
import type { EngineParts } from './engineParts.js';
import { retryWhileTransient } from './retryWhileTransient.js';

const STATUS_POLL_INTERVAL_MS = 5_000;

/** Whether client replies and statuses reach the engine by web hook now; the role keeps it current. */
export interface WebhookReception {
  receivesWebhooks: boolean;
}

export interface WorkerRole {
  worker: DeliveryWorker;
  statusPoller: StatusPoller;
  /** Reads client replies (STOP) when no web hook brings them; undefined when one does. */
  replyWatcher: ReplyWatcher | undefined;
}

/**
 * The worker role: learns the quota from api_info, routes replies (web hook or polling, watched while
 * a hook of today's kind serves), then runs the delivery worker and the status poller.
 */
export async function startWorkerRole(parts: EngineParts, reception: WebhookReception): Promise<WorkerRole> {
  const info = await learnQuotaFromApiInfo(parts);
  const route = await routeWebhooks(parts, info);
  reception.receivesWebhooks = receivesWebhooks(route);
  const replyWatcher = startReplyWatcher(parts, route, reception);
  if (route.kind === 'webhooks' && replyWatcher) watchWebhook(parts, route, replyWatcher, reception);
  const worker = startDeliveryWorker(parts, replyWatcher, reception);
  registerWorkerCounts(parts.chat2desk.registry, worker, replyWatcher);
  const statusPoller = startStatusPolling(parts);
  startOptOutConfirmer(parts);
  return { worker, statusPoller, replyWatcher };
}

/** With OPT_OUT_CONFIRMATION_TEXT set, the one reply each STOP is owed goes out (through the gate). */
function startOptOutConfirmer(parts: EngineParts): void {
  const text = parts.config.optOutConfirmationText;
  if (text === undefined) return;
  const confirmer = new OptOutConfirmer({
    sql: parts.db.sql,
    client: parts.chat2desk.client,
    gate: parts.chat2desk.gate,
    clock: parts.clock,
    logger: parts.logger,
    text,
  });
  confirmer.start();
  parts.addStop(() => confirmer.stop());
}

async function learnQuotaFromApiInfo({ chat2desk, logger }: EngineParts): Promise<ApiInfo> {
  const info = await retryWhileTransient(
    () => chat2desk.gate.callBeforeQuotaIsKnown(() => chat2desk.client.getApiInfo()),
    (error, attempt) =>
      logger.warn({ err: error, attempt }, 'Chat2Desk api_info failed at start-up; trying again'),
  );
  await chat2desk.quota.syncFromApiInfo(info);
  return info;
}

function routeWebhooks(parts: EngineParts, info: ApiInfo): Promise<WebhookRoute> {
  const { chat2desk, logger } = parts;
  return retryWhileTransient(
    () =>
      registerWebhook({
        publicUrl: parts.config.publicUrl,
        client: chat2desk.client,
        gate: chat2desk.gate,
        webhookSecret: parts.webhookSecret,
        legacySecret: legacyWebhookSecret(chat2desk.token),
        hook: info.hook,
        logger,
      }),
    (error, attempt) =>
      logger.warn(
        { err: error, attempt },
        'registering the Chat2Desk web hook failed at start-up; trying again',
      ),
  );
}

/** Replies are polled where no web hook of ours brings them, and while today's hook is down. */
function startReplyWatcher(
  parts: EngineParts,
  route: WebhookRoute,
  reception: WebhookReception,
): ReplyWatcher | undefined {
  if (route.kind === 'legacy') return undefined;
  const { quota } = parts.chat2desk;
  const replyWatcher = new ReplyWatcher({
    sql: parts.db.sql,
    client: parts.chat2desk.client,
    gate: parts.chat2desk.gate,
    clock: parts.clock,
    logger: parts.logger,
    phoneRegion: parts.config.phoneRegion,
    stopVocabulary: stopVocabularyOf(parts.config.optOutKeywords),
    confirmOptOut: parts.config.optOutConfirmationText !== undefined,
    monthlyQuota: async () => {
      const usage = await quota.usage();
      return usage.mode === 'unlimited' ? null : (usage.quota ?? 0);
    },
  });
  if (!reception.receivesWebhooks) replyWatcher.start();
  parts.addStop(() => replyWatcher.stop());
  return replyWatcher;
}

/** While today's hook is down replies are polled; once it is up again, from where polling left off. */
function watchWebhook(
  parts: EngineParts,
  route: Extract<WebhookRoute, { kind: 'webhooks' }>,
  replyWatcher: ReplyWatcher,
  reception: WebhookReception,
): void {
  const watch = new WebhookWatch({
    client: parts.chat2desk.client,
    gate: parts.chat2desk.gate,
    clock: parts.clock,
    logger: parts.logger,
    ours: route.ours,
    up: route.up,
    onDown: () => {
      reception.receivesWebhooks = false;
      replyWatcher.start();
    },
    onUp: async (restoredAt) => {
      await replyWatcher.checkedSince(restoredAt);
      await replyWatcher.stop();
      reception.receivesWebhooks = true;
    },
  });
  watch.start();
  parts.addStop(() => watch.stop());
}

function startDeliveryWorker(
  parts: EngineParts,
  replyWatcher: ReplyWatcher | undefined,
  reception: WebhookReception,
): DeliveryWorker {
  const { config } = parts;
  const worker = new DeliveryWorker({
    sql: parts.db.sql,
    client: parts.chat2desk.client,
    gate: parts.chat2desk.gate,
    clock: parts.clock,
    whatsappDelayMs: config.whatsappNewClientDelayMs,
    defaultTimezone: config.defaultTimezone,
    leaseMs: config.deliveryLeaseMs,
    rateMarginMs: config.chat2desk.rateMarginMs,
    phoneRegion: config.phoneRegion,
    pauseCampaign: campaignPauser(parts.db.sql),
    logger: parts.logger,
    ...(replyWatcher
      ? {
          replies: {
            checkedSince: (at: Date) =>
              reception.receivesWebhooks ? Promise.resolve() : replyWatcher.checkedSince(at),
          },
        }
      : {}),
  });
  worker.start();
  parts.addStop(() => worker.stop());
  return worker;
}

function startStatusPolling({ db, chat2desk, clock, logger, addStop }: EngineParts): StatusPoller {
  const statusPoller = new StatusPoller({
    sql: db.sql,
    client: chat2desk.client,
    gate: chat2desk.gate,
    clock,
    logger,
  });
  const timer = setInterval(() => {
    statusPoller.pollOnce().catch((error: unknown) => logger.warn({ err: error }, 'status poll failed'));
  }, STATUS_POLL_INTERVAL_MS);
  addStop(async () => clearInterval(timer));
  return statusPoller;
}
