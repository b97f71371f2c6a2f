// /v1/webhooks: today's web hooks (an account without them answers 404: Chat2DeskNotFoundError).

import type { ApiCaller } from '../apiCaller.js';
import type { CommandResult, CreateWebhookInput, UpdateWebhookInput, Webhook } from '../types.js';

export function listWebhooks(api: ApiCaller): Promise<Webhook[]> {
  return api.array<Webhook>({ method: 'GET', template: '/v1/webhooks' });
}

export function createWebhook(api: ApiCaller, input: CreateWebhookInput): Promise<Webhook> {
  const body = { name: input.name, url: input.url, events: input.events, channels: input.channels };
  return api.data<Webhook>({ method: 'POST', template: '/v1/webhooks', body });
}

export function updateWebhook(api: ApiCaller, id: number, input: UpdateWebhookInput): Promise<Webhook> {
  const body = { name: input.name, url: input.url, events: input.events, channels: input.channels };
  return api.data<Webhook>({ method: 'PUT', template: '/v1/webhooks/:id', id, body });
}

/** The documentation's way of deleting a web hook is setting its URL to null. */
export function deleteWebhook(api: ApiCaller, id: number): Promise<CommandResult> {
  return api.data<CommandResult>({ method: 'PUT', template: '/v1/webhooks/:id', id, body: { url: null } });
}
