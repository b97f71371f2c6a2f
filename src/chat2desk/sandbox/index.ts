import type { Clock } from '../../clock.js';
import { silentLogger } from '../../logger.js';
import { RequestRateLimiter } from './apiBudget.js';
import { ShiftableClock } from './clock.js';
import { CompanyWebhooks } from './companyWebhooks.js';
import type { SandboxContext } from './context.js';
import { FaultInjector } from './faults.js';
import { replyAsClient } from './inbox.js';
import type { SandboxMessage } from './models.js';
import {
  type AdjustableOptions,
  applyAdjustableOptions,
  DEFAULT_CHANNELS,
  type FaultOptions,
  resolveSettings,
  type SandboxChannel,
  SandboxOptionError,
  type SandboxOptions,
} from './options.js';
import { SandboxServer } from './server.js';
import { SandboxState } from './state.js';
import { WebhookDispatcher } from './webhooks.js';

export { type AdjustableClock, isAdjustableClock, ShiftableClock } from './clock.js';
export { RETRY_AFTER_MS, SWITCH_OFF_AFTER_MS } from './companyWebhooks.js';
export type {
  ClientTransport,
  MessageType,
  RecipientStatus,
  SandboxClient,
  SandboxDialog,
  SandboxMessage,
  SandboxOperator,
} from './models.js';
export type { AdjustableOptions, ApiMode, FaultOptions, SandboxChannel, SandboxOptions } from './options.js';
export { MODE_QUOTAS, SandboxOptionError } from './options.js';
export type { RequestLogEntry } from './requestLog.js';
export type { SandboxState } from './state.js';
export type { SandboxWebhook, WebhookEvent, WebhookStatus } from './webhookRegistry.js';
export { MAX_WEBHOOKS, WEBHOOK_EVENTS } from './webhookRegistry.js';

/** A running Chat2Desk sandbox. */
export interface Sandbox {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  token: string;
  clock: Clock;
  /** In-memory inspection for in-process tests. */
  state: SandboxState;
  /** Replaces every fault option (an empty object clears them). */
  setFaults(faults: FaultOptions): void;
  setOptions(options: AdjustableOptions): void;
  /**
   * A client writes to the company (e.g. "STOP"): stored as a from_client message and POSTed to the
   * configured web hook and to the web hooks subscribed to `inbox`. A number is a client id; a string
   * a phone (a new phone is a new client). Resolves after the hook delivery attempts.
   */
  clientReply(
    clientIdOrPhone: number | string,
    text: string,
    opts?: { transport?: string; channelId?: number },
  ): Promise<SandboxMessage>;
  /**
   * Runs what today's web hooks have due by the sandbox clock (retries, switch-offs, message events);
   * for a test that moved the clock itself. POST /sandbox/clock does it before it answers.
   */
  deliverDueWebhooks(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const settings = resolveSettings(options);
  const clock = options.clock ?? new ShiftableClock();
  const logger = options.logger ?? silentLogger;
  const token = options.token ?? 'sandbox-token';
  if (token === '') throw new SandboxOptionError('token', 'must not be empty');
  const channels = validateChannels(options.channels ?? DEFAULT_CHANNELS);
  const state = new SandboxState(channels, { clock, statusTimings: settings.statusTimings });
  const webhooks = new WebhookDispatcher(logger);
  const hooks = new CompanyWebhooks({ clock, token, state, settings, http: webhooks, logger });
  const ctx: SandboxContext = {
    token,
    clock,
    state,
    settings,
    faults: new FaultInjector(options.faults),
    rateLimiter: new RequestRateLimiter(),
    webhooks,
    hooks,
    logger,
  };
  const server = new SandboxServer(ctx);
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  logger.info({ url }, 'Chat2Desk sandbox listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    token,
    clock,
    state,
    setFaults: (faults) => ctx.faults.set(faults),
    setOptions: (adjust) => applyAdjustableOptions(settings, adjust),
    clientReply: (clientIdOrPhone, text, opts) => replyAsClient(ctx, clientIdOrPhone, text, opts),
    deliverDueWebhooks: () => hooks.runDue(),
    close: () => {
      closed ??= Promise.all([hooks.close(), webhooks.close(), server.close()]).then(() => undefined);
      return closed;
    },
  };
}

function validateChannels(channels: readonly SandboxChannel[]): SandboxChannel[] {
  if (channels.length === 0) throw new SandboxOptionError('channels', 'at least one channel is needed');
  const ids = new Set<number>();
  return channels.map((channel, i) => {
    if (!Number.isSafeInteger(channel.id) || channel.id <= 0 || ids.has(channel.id)) {
      throw new SandboxOptionError(`channels[${i}].id`, 'must be a unique positive integer');
    }
    if (channel.transports.length === 0) {
      throw new SandboxOptionError(`channels[${i}].transports`, 'must name at least one transport');
    }
    ids.add(channel.id);
    return { ...channel, transports: [...channel.transports] };
  });
}
