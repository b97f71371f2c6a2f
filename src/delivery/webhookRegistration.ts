import type { Chat2DeskClient } from '../chat2desk/client.js';
import { Chat2DeskNotFoundError } from '../chat2desk/errors.js';
import type { Webhook, WebhookEventName } from '../chat2desk/types.js';
import type { Logger } from '../logger.js';
import { type Chat2DeskGate, QuotaGuardError } from './chat2deskGate.js';

/** The name our hook goes by among the company's web hooks. */
export const OUR_WEBHOOK_NAME = 'chat2desk-broadcaster';
/** What the engine acts on: client replies (a STOP) and delivery statuses (a failure and its reason). */
export const OUR_WEBHOOK_EVENTS: readonly WebhookEventName[] = ['inbox', 'outbox_status'];
/** Chat2Desk allows a company five web hooks. */
export const MAX_COMPANY_WEBHOOKS = 5;

/** Our receiver as Chat2Desk should know it. */
export interface OurWebhook {
  name: string;
  /** `${PUBLIC_URL}/webhooks/chat2desk/<installation secret>` */
  url: string;
  /** The receiver path earlier versions derived from the token: a hook there is ours too. */
  legacyUrl: string;
  events: readonly WebhookEventName[];
}

export function ourWebhook(publicUrl: string, webhookSecret: string, legacySecret: string): OurWebhook {
  const receiver = `${publicUrl}/webhooks/chat2desk/`;
  return {
    name: OUR_WEBHOOK_NAME,
    url: `${receiver}${webhookSecret}`,
    legacyUrl: `${receiver}${legacySecret}`,
    events: OUR_WEBHOOK_EVENTS,
  };
}

/**
 * How client replies and statuses reach the engine: polled; through the v1.08 single company hook;
 * or through one of today's web hooks — `up: false` while it is not working (not registered because
 * five others take every place, or switched off), when polling covers for it and WebhookWatch
 * keeps trying to put it back.
 */
export type WebhookRoute =
  | { kind: 'polling' }
  | { kind: 'legacy' }
  | { kind: 'webhooks'; ours: OurWebhook; up: boolean };

export function receivesWebhooks(route: WebhookRoute): boolean {
  return route.kind === 'legacy' || (route.kind === 'webhooks' && route.up);
}

export interface RegisterWebhookOptions {
  publicUrl: string | undefined;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  webhookSecret: string;
  /** legacyWebhookSecret(token): where earlier versions put the receiver. */
  legacySecret: string;
  /** api_info.hook: the company's v1.08 single web hook. */
  hook: string | null | undefined;
  logger: Logger;
}

/**
 * Registers our web hook receiver with Chat2Desk when PUBLIC_URL says where it is reachable. Where
 * the account has today's web hooks (/v1/webhooks), one hook of ours, for the events the engine acts
 * on, created or put right (PUT) when its events differ or it was switched off; another integration's
 * hook is never changed, and when five take every place ours is not made (polling covers). Where the
 * account has none (404), the v1.08 single hook, as before.
 */
export async function registerWebhook(options: RegisterWebhookOptions): Promise<WebhookRoute> {
  const { client, gate, logger } = options;
  if (!options.publicUrl) {
    logger.info(
      'PUBLIC_URL is not set: client replies (STOP) are polled every 5 s while sending and every minute ' +
        'otherwise (on a limited quota, within a budget of its own); delivery statuses within a small request budget',
    );
    return { kind: 'polling' };
  }
  const ours = ourWebhook(options.publicUrl, options.webhookSecret, options.legacySecret);
  let hooks: Webhook[];
  try {
    hooks = await gate.call(() => client.listWebhooks());
  } catch (error) {
    if (error instanceof Chat2DeskNotFoundError) return registerLegacyWebhook(options, ours);
    if (!(error instanceof QuotaGuardError)) throw error;
    logger.warn(
      'the monthly request quota is spent: the web hooks are checked again later; polling meanwhile',
    );
    return { kind: 'webhooks', ours, up: false };
  }
  const put = await ensureOurWebhook(client, gate, ours, hooks, logger);
  if (put === null) return { kind: 'webhooks', ours, up: false };
  // Our v1.08 hook (an earlier version's) would bring every reply a second time.
  if (options.hook === ours.url || options.hook === ours.legacyUrl) {
    await gate.call(() => client.setWebHook(null));
    logger.info('moved the Chat2Desk web hook receiver from the v1.08 company hook to /v1/webhooks');
  }
  return { kind: 'webhooks', ours, up: true };
}

/**
 * Creates our hook, or puts it right (a PUT also switches it back on); a second one of ours (two
 * instances starting at once) is removed. Returns its id, or null when five hooks of other
 * integrations take every place: then a clear warning, and nothing of theirs is touched.
 */
export async function ensureOurWebhook(
  client: Chat2DeskClient,
  gate: Chat2DeskGate,
  ours: OurWebhook,
  hooks: readonly Webhook[],
  logger: Logger,
): Promise<number | null> {
  const [mine, ...duplicates] = hooks.filter((h) => isOurWebhook(h, ours));
  for (const duplicate of duplicates) await gate.call(() => client.deleteWebhook(duplicate.id));
  const wanted = { name: ours.name, url: ours.url, events: [...ours.events] };
  if (mine) {
    if (!ourWebhookNeedsRepair(mine, ours)) return mine.id;
    await gate.call(() => client.updateWebhook(mine.id, wanted));
    logger.info(
      { webhookId: mine.id, wasSwitchedOff: isSwitchedOff(mine) },
      'put the Chat2Desk web hook receiver right (events, address, or switched back on)',
    );
    return mine.id;
  }
  if (hooks.length >= MAX_COMPANY_WEBHOOKS) {
    logger.warn(
      { webhooks: hooks.map((h) => h.name) },
      `the company has ${hooks.length} Chat2Desk web hooks, all of other integrations, and ${MAX_COMPANY_WEBHOOKS} ` +
        'is the most it may have: ours is not registered (theirs are left alone); client replies and statuses ' +
        'are polled until a place is free',
    );
    return null;
  }
  const created = await gate.call(() => client.createWebhook(wanted));
  logger.info({ webhookId: created.id }, 'registered the Chat2Desk web hook receiver (/v1/webhooks)');
  return created.id;
}

/** Ours: at our address, or named as ours at the address earlier versions used. */
export function isOurWebhook(hook: Webhook, ours: OurWebhook): boolean {
  return hook.url === ours.url || (hook.url === ours.legacyUrl && hook.name === ours.name);
}

/** Switched off, at the old address, or not (exactly) for our events. */
export function ourWebhookNeedsRepair(hook: Webhook, ours: OurWebhook): boolean {
  const events = new Set(hook.events);
  return (
    isSwitchedOff(hook) ||
    hook.url !== ours.url ||
    events.size !== ours.events.length ||
    ours.events.some((e) => !events.has(e))
  );
}

/** The service's word for a hook it stopped calling; an unknown status is taken as working. */
export function isSwitchedOff(hook: Webhook): boolean {
  return /^(disabled?|inactive|off|paused|stopped)$/i.test(hook.status ?? '');
}

/** The v1.08 single company hook, exactly as before /v1/webhooks: a different one is never replaced. */
async function registerLegacyWebhook(
  options: RegisterWebhookOptions,
  ours: OurWebhook,
): Promise<WebhookRoute> {
  const { logger } = options;
  if (options.hook === ours.url) return { kind: 'legacy' };
  // Earlier versions derived the path from the Chat2Desk token: that hook is ours, and is replaced.
  const legacy = options.hook === ours.legacyUrl;
  if (options.hook && !legacy) {
    logger.warn(
      'the company already has a different Chat2Desk web hook (another integration?); leaving it in place and ' +
        'polling for replies and statuses instead',
    );
    return { kind: 'polling' };
  }
  await options.gate.call(() => options.client.setWebHook(ours.url));
  logger.info(
    legacy
      ? "moved the Chat2Desk web hook receiver to this installation's random path"
      : 'registered the Chat2Desk web hook receiver',
  );
  return { kind: 'legacy' };
}
