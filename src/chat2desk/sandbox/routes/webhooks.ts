import { type ApiAnswer, ApiError, MESSAGES, success, successList } from '../http.js';
import { page, readPaging } from '../params.js';
import type { ApiCall, RouteTable } from '../router.js';
import { readWebhookFields, type SandboxWebhook } from '../webhookRegistry.js';

/**
 * Today's web hooks, /v1/webhooks (beyond manual v1.08): GET lists them with their status and recent
 * delivery errors, POST adds one (at most five), PUT changes one — and, as the documentation says,
 * `"url": null` deletes it. Setting a hook again re-activates it after a switch-off. An account without
 * them (webhooksApi: false) answers these paths as any unknown path.
 */
export function addWebhookRoutes(routes: RouteTable): void {
  routes
    .add('GET', '/v1/webhooks', listWebhooks)
    .add('POST', '/v1/webhooks', createWebhook)
    .add('PUT', '/v1/webhooks/:id', updateWebhook);
}

function listWebhooks(call: ApiCall): ApiAnswer {
  requireWebhooksApi(call);
  const hooks = call.ctx.state.webhooks.list();
  const paging = readPaging(call.query);
  return successList(page(hooks, paging).map(webhookItem), { total: hooks.length, ...paging });
}

async function createWebhook(call: ApiCall): Promise<ApiAnswer> {
  requireWebhooksApi(call);
  const fields = readWebhookFields(await call.body(), false);
  return success(webhookItem(call.ctx.state.webhooks.add(fields, call.ctx.clock.now())));
}

async function updateWebhook(call: ApiCall): Promise<ApiAnswer> {
  requireWebhooksApi(call);
  const { webhooks } = call.ctx.state;
  const id = call.ids[0]!;
  const hook = webhooks.get(id);
  if (!hook) throw ApiError.notFound(`Webhook ${id} not found`);
  const body = await call.body();
  if (body['url'] === null) {
    webhooks.remove(hook);
    return success({ id, deleted: true });
  }
  const fields = readWebhookFields(body, true);
  if (Object.keys(fields).length === 0) throw ApiError.invalid('url', 'give name, url, events or channels');
  webhooks.update(hook, fields);
  return success(webhookItem(hook));
}

function requireWebhooksApi(call: ApiCall): void {
  if (!call.ctx.settings.webhooksApi) throw new ApiError(404, MESSAGES.pageNotFound);
}

/** The API's shape of one hook: `status` active or disabled, `errors` its recent failed deliveries. */
function webhookItem(h: SandboxWebhook): Record<string, unknown> {
  return {
    id: h.id,
    name: h.name,
    url: h.url,
    events: [...h.events],
    channels: h.channels,
    status: h.status,
    errors: h.errors.map((e) => ({
      event_time: e.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      hook_type: e.event,
      error: e.message,
    })),
  };
}
