import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Webhook } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import { type Logger, silentLogger } from '../logger.js';
import type { Chat2DeskGate } from './chat2deskGate.js';
import {
  ensureOurWebhook,
  isOurWebhook,
  isSwitchedOff,
  type OurWebhook,
  ourWebhookNeedsRepair,
} from './webhookRegistration.js';

export interface WebhookWatchOptions {
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  logger?: Logger;
  ours: OurWebhook;
  /** Whether our hook is working as the watch starts (registerWebhook's route). */
  up: boolean;
  /** Engine time between looks at GET /v1/webhooks (one request each). Default 5 min. */
  intervalMs?: number;
  /** Real time between looks at the engine clock while started. Default 1 s. */
  tickMs?: number;
  /** Our hook stopped working (switched off, gone): replies must be polled from now on. */
  onDown: () => void;
  /**
   * Our hook, put back at `restoredAt`, has been seen working since: polling may stop once it has
   * read what came in up to then (the gap the hook did not bring).
   */
  onUp: (restoredAt: Date) => Promise<void>;
}

export type WebhookHealth = 'up' | 'restored' | 'failing' | 'down' | 'unknown';

/**
 * Keeps our web hook working. Chat2Desk switches off a hook whose deliveries have failed for 5 hours
 * and then sends it nothing, not even later: every `intervalMs` of engine time this reads the
 * company's hooks (through the gate, like every request) and, when ours is switched off, gone or
 * changed, says so (onDown: polling covers), warns, and puts it back. Polling stops (onUp) only once a
 * later look finds it still working.
 */
export class WebhookWatch {
  readonly counts = { checks: 0, restorations: 0, failures: 0 };
  readonly #o: Required<Omit<WebhookWatchOptions, 'logger'>>;
  readonly #logger: Logger;
  #up: boolean;
  /** Whether ours has existed: a hook never registered (five others) is not "gone". */
  #registered: boolean;
  #restoredAt: Date | undefined;
  #lastCheckMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking: Promise<WebhookHealth> | undefined;

  constructor(options: WebhookWatchOptions) {
    this.#o = { intervalMs: 5 * 60_000, tickMs: 1_000, ...options };
    this.#logger = (options.logger ?? silentLogger).child({ role: 'webhook-watch' });
    this.#up = options.up;
    this.#registered = options.up;
    this.#lastCheckMs = options.clock.now().getTime();
  }

  get up(): boolean {
    return this.#up;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#o.clock.now().getTime() - this.#lastCheckMs >= this.#o.intervalMs) void this.check();
    }, this.#o.tickMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#checking;
  }

  /** One look now (a look under way is joined, not doubled). */
  check(): Promise<WebhookHealth> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #check(): Promise<WebhookHealth> {
    const previousCheckMs = this.#lastCheckMs;
    this.#lastCheckMs = this.#o.clock.now().getTime();
    this.counts.checks++;
    const { client, gate, ours } = this.#o;
    try {
      const hooks = await gate.call(() => client.listWebhooks());
      const mine = hooks.find((h) => isOurWebhook(h, ours));
      if (mine && !ourWebhookNeedsRepair(mine, ours) && failedSince(mine, previousCheckMs)) {
        // Still on, but its deliveries fail (PUBLIC_URL unreachable?): Chat2Desk retries them for hours
        // before it switches the hook off, so replies are polled from now until a look finds none failed.
        if (this.#up) {
          this.#up = false;
          this.#o.onDown();
          this.#logger.warn(
            { webhookId: mine.id, lastError: mine.errors?.at(-1) ?? null },
            'Chat2Desk cannot deliver to our web hook (see its errors); polling for replies until it can — ' +
              'check that PUBLIC_URL reaches this engine',
          );
        }
        this.#restoredAt = undefined;
        return 'failing';
      }
      if (mine && !ourWebhookNeedsRepair(mine, ours)) {
        if (!this.#up) {
          // Working since the last look at least (no failure since): polling covers what came before.
          await this.#o.onUp(this.#restoredAt ?? new Date(previousCheckMs));
          this.#up = true;
          this.#restoredAt = undefined;
          this.#logger.info(
            { webhookId: mine.id },
            'our Chat2Desk web hook works again; reply polling stops',
          );
        }
        return 'up';
      }
      if (this.#up) {
        this.#up = false;
        this.#o.onDown();
      }
      if (mine || this.#registered) {
        this.#logger.warn(
          { webhookId: mine?.id ?? null, status: mine?.status ?? null },
          !mine
            ? 'our Chat2Desk web hook is gone; putting it back, and polling for replies meanwhile'
            : isSwitchedOff(mine)
              ? 'Chat2Desk switched our web hook off (its deliveries failed for 5 hours); putting it back, and polling ' +
                'for replies meanwhile — check that PUBLIC_URL reaches this engine'
              : 'our Chat2Desk web hook was changed; putting it right, and polling for replies meanwhile',
        );
      }
      const id = await ensureOurWebhook(client, gate, ours, hooks, this.#logger);
      if (id === null) return 'down';
      this.counts.restorations++;
      this.#registered = true;
      this.#restoredAt = this.#o.clock.now();
      return 'restored';
    } catch (error) {
      this.counts.failures++;
      this.#logger.warn({ err: error }, 'checking our Chat2Desk web hook failed; the next look tries again');
      return 'unknown';
    }
  }
}

/** Whether Chat2Desk recorded a failed delivery to the hook after `sinceMs` (its errors, newest last). */
function failedSince(hook: Webhook, sinceMs: number): boolean {
  return (hook.errors ?? []).some((e) => {
    const at = e.event_time ? Date.parse(e.event_time) : Number.NaN;
    return Number.isFinite(at) && at > sinceMs;
  });
}
