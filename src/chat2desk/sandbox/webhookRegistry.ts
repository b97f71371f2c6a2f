import { ApiError } from './http.js';
import { httpUrl } from './params.js';

/**
 * The events today's web hooks (/v1/webhooks) subscribe to, as Chat2Desk's documentation names them
 * (webhooks (POST); the public API's changelog adds client_added_to_blacklist, the ticket events and
 * imported_message). The sandbox produces inbox, outbox, outbox_status and close_dialog; the others
 * are accepted so that a subscription copied from a real account is not refused.
 */
export const WEBHOOK_EVENTS = [
  'inbox',
  'outbox',
  'outbox_status',
  'close_dialog',
  'new_client',
  'client_updated',
  'client_added_to_blacklist',
  'new_ticket',
  'ticket_updated',
  'ticket_deleted',
  'imported_message',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Chat2Desk: "up to 5 webhooks are allowed" per company. */
export const MAX_WEBHOOKS = 5;
/** How many delivery errors a hook keeps for GET /v1/webhooks (newest last). */
const ERRORS_KEPT = 20;

export type WebhookStatus = 'active' | 'disabled';

export interface WebhookDeliveryError {
  at: Date;
  event: WebhookEvent;
  message: string;
}

/** One company web hook. Mutable in place: the registry and the deliveries share the object. */
export interface SandboxWebhook {
  readonly id: number;
  name: string;
  url: string;
  events: WebhookEvent[];
  /** Only events of these channels (the 2024 channel filter); null = every channel. */
  channels: number[] | null;
  status: WebhookStatus;
  readonly createdAt: Date;
  /** The first failed delivery not followed by a successful one: the start of a failing spell. */
  failingSince: Date | null;
  disabledAt: Date | null;
  /** Bumped whenever the hook is switched off or re-activated: older retries are then void. */
  generation: number;
  readonly errors: WebhookDeliveryError[];
}

export interface WebhookFields {
  name: string;
  url: string;
  events: WebhookEvent[];
  channels: number[] | null;
}

/**
 * The company's web hooks (at most five). Company-level, like the v1.08 hooks: POST /sandbox/reset
 * keeps them. Ids are never reused.
 */
export class WebhookRegistry {
  #hooks: SandboxWebhook[] = [];
  #nextId = 1;

  list(): readonly SandboxWebhook[] {
    return this.#hooks;
  }

  get(id: number): SandboxWebhook | undefined {
    return this.#hooks.find((h) => h.id === id);
  }

  /** Whether any hook, active or not, listens for one of `events` (work is only done for those). */
  anyListensFor(...events: WebhookEvent[]): boolean {
    return this.#hooks.some((h) => h.events.some((e) => events.includes(e)));
  }

  /** Active hooks subscribed to `event`, for `channelId` when the event belongs to a channel. */
  activeFor(event: WebhookEvent, channelId: number | null): SandboxWebhook[] {
    return this.#hooks.filter(
      (h) =>
        h.status === 'active' &&
        h.events.includes(event) &&
        (h.channels === null || channelId === null || h.channels.includes(channelId)),
    );
  }

  add(fields: WebhookFields, now: Date): SandboxWebhook {
    if (this.#hooks.length >= MAX_WEBHOOKS) throw new ApiError(400, 'at most five web hooks per company');
    const hook: SandboxWebhook = {
      id: this.#nextId++,
      ...fields,
      status: 'active',
      createdAt: now,
      failingSince: null,
      disabledAt: null,
      generation: 0,
      errors: [],
    };
    this.#hooks.push(hook);
    return hook;
  }

  /** Changes what is given; setting a hook again re-activates it when it was switched off. */
  update(hook: SandboxWebhook, fields: Partial<WebhookFields>): void {
    Object.assign(hook, fields);
    if (hook.status === 'disabled') {
      hook.status = 'active';
      hook.disabledAt = null;
      hook.generation++;
    }
    hook.failingSince = null;
  }

  remove(hook: SandboxWebhook): void {
    this.#hooks = this.#hooks.filter((h) => h !== hook);
    hook.generation++;
  }

  /** After failing for too long: no more deliveries, and events meanwhile are not kept for it. */
  switchOff(hook: SandboxWebhook, at: Date): void {
    hook.status = 'disabled';
    hook.disabledAt = at;
    hook.generation++;
  }

  recordError(hook: SandboxWebhook, error: WebhookDeliveryError): void {
    hook.errors.push(error);
    if (hook.errors.length > ERRORS_KEPT) hook.errors.splice(0, hook.errors.length - ERRORS_KEPT);
  }
}

/** Reads {name, url, events, channels} of POST and PUT /v1/webhooks; `partial` for PUT. */
export function readWebhookFields(body: Record<string, unknown>, partial: false): WebhookFields;
export function readWebhookFields(body: Record<string, unknown>, partial: true): Partial<WebhookFields>;
export function readWebhookFields(body: Record<string, unknown>, partial: boolean): Partial<WebhookFields> {
  const fields: Partial<WebhookFields> = {};
  if (body['name'] !== undefined || !partial) {
    const name = body['name'];
    if (typeof name !== 'string' || name.trim() === '') throw ApiError.invalid('name', 'is required');
    fields.name = name.trim();
  }
  if (body['url'] !== undefined || !partial) fields.url = hookUrl(body['url']);
  if (body['events'] !== undefined || !partial) fields.events = hookEvents(body['events']);
  if (body['channels'] !== undefined && body['channels'] !== null) {
    const channels = body['channels'];
    if (!Array.isArray(channels) || !channels.every((c) => Number.isSafeInteger(c) && c > 0)) {
      throw ApiError.invalid('channels', 'must be a list of channel ids');
    }
    fields.channels = channels as number[];
  } else if (!partial || body['channels'] === null) fields.channels = null;
  return fields;
}

function hookUrl(url: unknown): string {
  if (typeof url !== 'string' || url === '') throw ApiError.invalid('url', 'is required');
  return httpUrl(url);
}

function hookEvents(events: unknown): WebhookEvent[] {
  if (!Array.isArray(events) || events.length === 0) {
    throw ApiError.invalid('events', `must list at least one of ${WEBHOOK_EVENTS.join(', ')}`);
  }
  for (const event of events) {
    if (!(WEBHOOK_EVENTS as readonly unknown[]).includes(event)) {
      throw ApiError.invalid('events', `unknown event "${String(event)}"`);
    }
  }
  return [...new Set(events as WebhookEvent[])];
}
