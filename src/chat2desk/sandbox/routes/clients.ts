import { type ApiAnswer, ApiError, success, successList } from '../http.js';
import type { SandboxClient } from '../models.js';
import { dayParam, nullableString, optionalInteger, page, readPaging } from '../params.js';
import { CLIENT_CREATION_TRANSPORTS } from '../referenceData.js';
import type { ApiCall, RouteTable } from '../router.js';
import { formatApiTime } from '../time.js';
import { clientDetail, clientItem, createdClient, dialogItem } from '../views.js';

export function addClientRoutes(routes: RouteTable): void {
  routes
    .add('GET', '/v1/clients', listClients)
    .add('POST', '/v1/clients', createClient)
    .add('GET', '/v1/clients/:id', (call) => success(clientDetail(existingClient(call))))
    .add('PUT', '/v1/clients/:id', updateClient)
    .add('GET', '/v1/clients/:id/transport', (call) => success(existingClient(call).transportsByChannel()))
    .add('GET', '/v1/clients/:id/last_question', lastQuestion)
    .add('GET', '/v1/clients/:id/dialogs', clientDialogs)
    .add('GET', '/v1/clients/:id/questions', questionsSent);
}

/** ?phone= is an exact match on digits (a "+" or spaces in the query are ignored). */
function listClients(call: ApiCall): ApiAnswer {
  const paging = readPaging(call.query);
  const phone = call.query.get('phone');
  if (phone !== null) {
    const found = call.ctx.state.clientByPhone(phone.replace(/\D/g, ''));
    const all = found ? [found] : [];
    return successList(page(all, paging).map(clientItem), { total: all.length, ...paging });
  }
  const all = call.ctx.state.clientList;
  return successList(page(all, paging).map(clientItem), { total: all.length, ...paging });
}

/**
 * POST /v1/clients?phone=&transport=&channel_id= — parameters in the query string, as the manual says.
 * An existing phone gets the transport added and keeps its id. Off per company unless enabled.
 */
function createClient(call: ApiCall): ApiAnswer {
  const { state, settings } = call.ctx;
  if (!settings.clientCreationEnabled) {
    throw new ApiError(
      403,
      'Creating clients is disabled for your company; contact the administration to enable it',
    );
  }
  const phone = call.query.get('phone');
  if (!phone) throw ApiError.invalid('phone', 'is required in the query string');
  if (!/^\d{7,15}$/.test(phone)) {
    throw ApiError.invalid('phone', 'digits only, with the country code (no "+", spaces or brackets)');
  }
  const transport = call.query.get('transport');
  if (!transport) throw ApiError.invalid('transport', 'is required in the query string');
  if (!CLIENT_CREATION_TRANSPORTS.includes(transport)) {
    throw ApiError.invalid(
      'transport',
      `clients can be created only with ${CLIENT_CREATION_TRANSPORTS.join(', ')}`,
    );
  }
  const channelId = optionalInteger(call.query.get('channel_id'), 'channel_id') ?? state.channels[0]?.id;
  const channel = channelId === undefined ? undefined : state.channel(channelId);
  if (!channel) throw ApiError.invalid('channel_id', `channel ${channelId} not found`);
  if (!channel.transports.includes(transport)) {
    throw ApiError.invalid('channel_id', `channel ${channel.id} does not support ${transport}`);
  }
  const client = state.clientByPhone(phone) ?? state.addClient({ phone });
  state.addClientTransport(client, channel.id, transport, 'api');
  return success(createdClient(client));
}

async function updateClient(call: ApiCall): Promise<ApiAnswer> {
  const client = existingClient(call);
  const body = await call.body();
  const nickname = nullableString(body['nickname'], 'nickname');
  const comment = nullableString(body['comment'], 'comment');
  const extras = [1, 2, 3].map((n) => nullableString(body[`extra_comment_${n}`], `extra_comment_${n}`));
  // Manual: nickname null clears the assigned name; an absent field leaves it.
  if ('nickname' in body) client.assignedName = nickname ?? null;
  if (comment !== undefined) client.comment = comment;
  extras.forEach((value, i) => {
    if (value !== undefined) client.extraComments[i] = value;
  });
  return success(clientDetail(client));
}

function lastQuestion(call: ApiCall): ApiAnswer {
  const sent = existingClient(call).questionsSent.at(-1);
  return success(
    sent ? { id: sent.question.id, text: sent.question.text, image: sent.question.image } : null,
  );
}

function clientDialogs(call: ApiCall): ApiAnswer {
  const paging = readPaging(call.query);
  const dialogs = existingClient(call).dialogs;
  return successList(page(dialogs, paging).map(dialogItem), { total: dialogs.length, ...paging });
}

/** Menu items sent to the client, optionally within start_date..finish_date (dd-mm-yyyy, whole days). */
function questionsSent(call: ApiCall): ApiAnswer {
  const client = existingClient(call);
  const from = dayParam(call.query, 'start_date')?.startMs ?? Number.NEGATIVE_INFINITY;
  const until = dayParam(call.query, 'finish_date')?.endMs ?? Number.POSITIVE_INFINITY;
  const paging = readPaging(call.query);
  const sent = client.questionsSent.filter((q) => q.at.getTime() >= from && q.at.getTime() < until);
  const items = page(sent, paging).map((q) => ({
    id: q.question.id,
    text: q.question.text,
    image: q.question.image,
    created: formatApiTime(q.at),
  }));
  return successList(items, { total: sent.length, ...paging });
}

function existingClient(call: ApiCall): SandboxClient {
  const id = call.ids[0]!;
  const client = call.ctx.state.client(id);
  if (!client) throw ApiError.notFound(`Client ${id} not found`);
  return client;
}
