import { createHash, createHmac } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import { ClockQueue, type DueTask } from './clockQueue.js';
import {
  closeDialogEvent,
  type HookEvent,
  inboxEvent,
  outboxEvent,
  outboxStatusEvent,
} from './hookPayloads.js';
import type { RecipientStatus, SandboxClient, SandboxDialog, SandboxMessage } from './models.js';
import type { SandboxSettings } from './options.js';
import type { SandboxState } from './state.js';
import type { SandboxWebhook, WebhookEvent } from './webhookRegistry.js';
import { redactUrl, type WebhookDispatcher } from './webhooks.js';

/** Chat2Desk retries a failed delivery 10 s, 5 min and 2 h after it (sandbox time). */
export const RETRY_AFTER_MS: readonly number[] = [10_000, 5 * 60_000, 2 * 3_600_000];
/** …and switches off a hook whose deliveries have failed for 5 h. */
export const SWITCH_OFF_AFTER_MS = 5 * 3_600_000;

const MESSAGE_EVENTS = 'message-events';
const DELIVERIES = 'deliveries';

interface Delivery {
  hook: SandboxWebhook;
  /** The hook's generation when the event happened: a hook switched off or re-activated since drops it. */
  generation: number;
  event: WebhookEvent;
  body: string;
  firstAttemptAt: Date;
}

/**
 * Today's web hooks (/v1/webhooks) at work: each event goes to every active hook subscribed to it,
 * signed as the live service signs (X-Timestamp, X-Signature); a failed delivery is retried 10 s,
 * 5 min and 2 h later and a hook failing for 5 h is switched off — all on the sandbox clock, through
 * a ClockQueue. A message's outbox event and its status changes (outbox_status) happen on that clock
 * too, when it goes out and as the messenger reports on it. The v1.08 single hook is not here: it
 * keeps its own short real-time retries (WebhookDispatcher.deliver).
 */
export class CompanyWebhooks {
  readonly #clock: Clock;
  readonly #signingKey: string;
  readonly #state: SandboxState;
  readonly #settings: SandboxSettings;
  readonly #http: WebhookDispatcher;
  readonly #logger: Logger;
  readonly #queue: ClockQueue;

  constructor(deps: {
    clock: Clock;
    token: string;
    state: SandboxState;
    settings: SandboxSettings;
    http: WebhookDispatcher;
    logger: Logger;
  }) {
    this.#clock = deps.clock;
    this.#signingKey = createHash('md5').update(deps.token).digest('hex');
    this.#state = deps.state;
    this.#settings = deps.settings;
    this.#http = deps.http;
    this.#logger = deps.logger;
    this.#queue = new ClockQueue(deps.clock, deps.logger);
  }

  /** A client wrote in: `inbox`. Resolves once the first delivery attempts are over. */
  clientWrote(client: SandboxClient, message: SandboxMessage): Promise<void> {
    const now = this.#clock.now();
    return this.#emit(inboxEvent(client, message, now), now);
  }

  /**
   * A message was accepted for a client: `outbox` when it goes out (later for a held WhatsApp one),
   * then `outbox_status` at each status change the messenger reports (delivered, read; failed, with
   * its error). Each is scheduled only while some hook listens for it.
   */
  messageAccepted(message: SandboxMessage): void {
    if (!this.#settings.webhooksApi || message.goesOutAt === null) return;
    const { webhooks } = this.#state;
    const out = message.goesOutAt.getTime();
    const queued = this.#queue.size;
    if (webhooks.anyListensFor('outbox')) {
      this.#queue.at(
        out,
        MESSAGE_EVENTS,
        this.#messageEvent(message, (client, at) => outboxEvent(client, message, at)),
      );
    }
    if (message.reportsStatus && webhooks.anyListensFor('outbox_status')) {
      const status = (s: RecipientStatus) =>
        this.#messageEvent(message, (client, at) => outboxStatusEvent(client, message, s, at));
      const { deliveredAfterMs, readAfterMs } = this.#settings.statusTimings;
      if (message.unreachable) this.#queue.at(out, MESSAGE_EVENTS, status('failed'));
      else {
        this.#queue.at(out + deliveredAfterMs, MESSAGE_EVENTS, status('delivered'));
        this.#queue.at(out + readAfterMs, MESSAGE_EVENTS, status('read'));
      }
    }
    if (this.#queue.size > queued) void this.#queue.runDue();
  }

  /** A dialog was closed: `close_dialog`, sent in the background (runDue() waits for it). */
  dialogClosed(dialog: SandboxDialog): void {
    if (!this.#settings.webhooksApi || !this.#state.webhooks.anyListensFor('close_dialog')) return;
    this.#queue.at(this.#clock.now(), MESSAGE_EVENTS, (at) => {
      const client = this.#state.client(dialog.clientId);
      return client ? this.#emit(closeDialogEvent(client, dialog, at), at) : undefined;
    });
    void this.#queue.runDue();
  }

  /** Runs the deliveries, retries, switch-offs and message events due by the sandbox clock's now. */
  runDue(): Promise<void> {
    return this.#queue.runDue();
  }

  /** POST /sandbox/reset: the messages are gone, and so are their events still to come. */
  forgetMessages(): void {
    this.#queue.dropKind(MESSAGE_EVENTS);
  }

  close(): Promise<void> {
    return this.#queue.close();
  }

  #messageEvent(message: SandboxMessage, make: (client: SandboxClient, at: Date) => HookEvent): DueTask {
    return (at) => {
      // Dropped before it went out (GET /gateway/delete_outbox), or its client reset away.
      const client = this.#state.client(message.clientId);
      if (message.droppedAt !== null || !client) return;
      return this.#emit(make(client, at), at);
    };
  }

  async #emit(event: HookEvent, at: Date): Promise<void> {
    if (!this.#settings.webhooksApi) return;
    const hooks = this.#state.webhooks.activeFor(event.type, event.channelId);
    if (hooks.length === 0) return;
    const body = JSON.stringify(event.payload);
    await Promise.all(
      hooks.map((hook) =>
        this.#attempt(
          { hook, generation: hook.generation, event: event.type, body, firstAttemptAt: at },
          0,
          at,
        ),
      ),
    );
  }

  /** Attempt `attempt` (0 = the first) of a delivery, due at `at`; a failure schedules what follows. */
  async #attempt(delivery: Delivery, attempt: number, at: Date): Promise<void> {
    const { hook } = delivery;
    if (hook.generation !== delivery.generation || hook.status !== 'active') return;
    const timestamp = String(Math.floor(this.#clock.now().getTime() / 1000));
    const problem = await this.#http.post(hook.url, delivery.body, {
      'x-timestamp': timestamp,
      'x-signature': createHmac('sha256', this.#signingKey)
        .update(delivery.body + timestamp)
        .digest('hex'),
    });
    if (hook.generation !== delivery.generation) return;
    if (problem === null) {
      hook.failingSince = null;
      return;
    }
    this.#state.webhooks.recordError(hook, { at, event: delivery.event, message: problem });
    this.#logger.warn(
      { hookId: hook.id, url: redactUrl(hook.url), event: delivery.event, attempt: attempt + 1, problem },
      'sandbox web hook delivery failed',
    );
    if (hook.failingSince === null) this.#startFailingSpell(hook, at);
    const retryAfter = RETRY_AFTER_MS[attempt];
    if (retryAfter !== undefined) {
      this.#queue.at(delivery.firstAttemptAt.getTime() + retryAfter, DELIVERIES, (due) =>
        this.#attempt(delivery, attempt + 1, due),
      );
    }
  }

  /** Failing from `at` on: switched off 5 h later unless a delivery succeeds (or the hook is set) first. */
  #startFailingSpell(hook: SandboxWebhook, at: Date): void {
    const since = at;
    const generation = hook.generation;
    hook.failingSince = since;
    this.#queue.at(since.getTime() + SWITCH_OFF_AFTER_MS, DELIVERIES, (due) => {
      if (hook.generation !== generation || hook.failingSince !== since) return;
      this.#state.webhooks.switchOff(hook, due);
      this.#logger.warn(
        { hookId: hook.id, url: redactUrl(hook.url), failingSince: since.toISOString() },
        'sandbox web hook switched off: its deliveries have failed for 5 hours',
      );
    });
  }
}
