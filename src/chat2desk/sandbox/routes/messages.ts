import { type ApiAnswer, ApiError, success, successList } from '../http.js';
import { receiveClientMessage } from '../inbox.js';
import type { SandboxMessage } from '../models.js';
import { acceptOutgoingMessage, type OutgoingType } from '../outbox.js';
import {
  dayParam,
  optionalBoolean,
  optionalInteger,
  optionalString,
  readPaging,
  requiredInteger,
} from '../params.js';
import { TRANSPORTS } from '../referenceData.js';
import type { ApiCall, RouteTable } from '../router.js';
import { messageDetail, messageItem } from '../views.js';

const LISTABLE_TYPES = ['to_client', 'from_client', 'autoreply', 'system'];
const SENDABLE_TYPES: readonly OutgoingType[] = ['to_client', 'autoreply', 'system'];

export function addMessageRoutes(routes: RouteTable): void {
  routes
    .add('GET', '/v1/messages', listMessages)
    .add('POST', '/v1/messages', sendMessage)
    .add('GET', '/v1/messages/:id', (call) => success(messageDetail(listedMessage(call))))
    .add('POST', '/v1/messages/inbox', receiveInboxMessage)
    .add('POST', '/v1/messages/:id/assign', assignMessage)
    .add('GET', '/v1/messages/:id/read', (call) => markRead(call, true))
    .add('GET', '/v1/messages/:id/unread', (call) => markRead(call, false));
}

/**
 * Filters of the manual plus the live service's start_id/order and start_date/finish_date. With
 * client_id (or dialog_id) only that client's messages are looked at; unfiltered pages are sliced directly.
 */
function listMessages(call: ApiCall): ApiAnswer {
  const { query } = call;
  const { state, settings } = call.ctx;
  const asked = readPaging(query);
  // Live-style paging: the service pages with start_id only; offset and order are read and ignored.
  const paging = settings.livePaging ? { ...asked, offset: 0 } : asked;
  const clientId = optionalInteger(query.get('client_id'), 'client_id');
  const dialogId = optionalInteger(query.get('dialog_id'), 'dialog_id');
  const channelId = optionalInteger(query.get('channel_id'), 'channel_id');
  const startId = optionalInteger(query.get('start_id'), 'start_id');
  const transport = query.get('transport') || undefined;
  const type = query.get('type') || undefined;
  if (type !== undefined && !LISTABLE_TYPES.includes(type)) {
    throw ApiError.invalid('type', `must be one of ${LISTABLE_TYPES.join(', ')}`);
  }
  const read = optionalBoolean(query.get('read'), 'read');
  const askedOrder = query.get('order') || 'asc';
  if (askedOrder !== 'asc' && askedOrder !== 'desc') throw ApiError.invalid('order', 'must be asc or desc');
  const order = settings.livePaging ? 'asc' : askedOrder;
  const from = dayParam(query, 'start_date')?.startMs;
  const until = dayParam(query, 'finish_date')?.endMs;

  let source: readonly SandboxMessage[];
  if (clientId !== undefined) source = state.listedMessagesOf(clientId);
  else if (dialogId !== undefined) {
    const dialog = state.dialog(dialogId);
    source = dialog ? state.listedMessagesOf(dialog.clientId) : [];
  } else source = state.listedMessages;

  const first = startId === undefined ? 0 : firstIndexWithIdAtLeast(source, startId);
  const filters: Array<(m: SandboxMessage) => boolean> = [];
  if (dialogId !== undefined) filters.push((m) => m.dialogId === dialogId);
  if (channelId !== undefined) filters.push((m) => m.channelId === channelId);
  if (transport !== undefined) filters.push((m) => m.transport === transport);
  if (type !== undefined) filters.push((m) => m.type === type);
  if (read !== undefined) filters.push((m) => m.read === read);
  if (from !== undefined) filters.push((m) => m.acceptedAt.getTime() >= from);
  if (until !== undefined) filters.push((m) => m.acceptedAt.getTime() < until);

  if (filters.length === 0) {
    const total = source.length - first;
    const items: unknown[] = [];
    for (let k = paging.offset; k < paging.offset + paging.limit && k < total; k++) {
      const message = order === 'asc' ? source[first + k]! : source[source.length - 1 - k]!;
      items.push(messageItem(message));
    }
    return successList(items, { total, ...paging });
  }
  const matched: SandboxMessage[] = [];
  for (let i = first; i < source.length; i++) {
    const message = source[i]!;
    if (filters.every((keep) => keep(message))) matched.push(message);
  }
  if (order === 'desc') matched.reverse();
  const items = matched.slice(paging.offset, paging.offset + paging.limit).map(messageItem);
  return successList(items, { total: matched.length, ...paging });
}

async function sendMessage(call: ApiCall): Promise<ApiAnswer> {
  const body = await call.body();
  const clientId = requiredInteger(body['client_id'], 'client_id');
  const text = optionalString(body['text'], 'text');
  const attachment = optionalString(body['attachment'], 'attachment');
  if (!text && !attachment) throw ApiError.invalid('text', 'is required unless attachment is given');
  const type = (optionalString(body['type'], 'type') ?? 'to_client') as OutgoingType;
  if (!SENDABLE_TYPES.includes(type))
    throw ApiError.invalid('type', `must be one of ${SENDABLE_TYPES.join(', ')}`);
  const transport = optionalString(body['transport'], 'transport') || undefined;
  if (transport !== undefined && !TRANSPORTS.includes(transport)) {
    throw ApiError.invalid('transport', `must be one of ${TRANSPORTS.join(', ')}`);
  }
  const openDialog = body['open_dialog'];
  if (
    openDialog !== undefined &&
    typeof openDialog !== 'boolean' &&
    openDialog !== 'true' &&
    openDialog !== 'false'
  ) {
    throw ApiError.invalid('open_dialog', 'must be true or false');
  }
  const requestId = call.ctx.state.nextRequestId();
  const message = acceptOutgoingMessage(
    call.ctx,
    {
      clientId,
      text: text || null,
      attachment: attachment || null,
      type,
      transport,
      channelId: optionalInteger(body['channel_id'], 'channel_id'),
      operatorId: optionalInteger(body['operator_id'], 'operator_id'),
      openDialog: openDialog !== false && openDialog !== 'false',
    },
    requestId,
  );
  const data: Record<string, unknown> = {
    channel_id: message.channelId,
    operator_id: message.operatorId,
    transport: message.transport,
    type: message.type,
    client_id: message.clientId,
  };
  if (call.ctx.settings.messageIdInAnswer) {
    data['message_id'] = message.id;
    data['dialog_id'] = message.dialogId;
    data['request_id'] = requestId;
  }
  return success(data);
}

/** A client's message through an external channel: from_client must carry exactly one of id and phone. */
async function receiveInboxMessage(call: ApiCall): Promise<ApiAnswer> {
  const { state } = call.ctx;
  const body = await call.body();
  const channelId = requiredInteger(body['channel_id'], 'channel_id');
  const channel = state.channel(channelId);
  if (!channel) throw ApiError.invalid('channel_id', `channel ${channelId} not found`);
  if (!channel.transports.includes('external')) {
    throw ApiError.invalid('channel_id', `channel ${channelId} has no external transport`);
  }
  const sender = body['from_client'];
  if (typeof sender !== 'object' || sender === null || Array.isArray(sender)) {
    throw ApiError.invalid('from_client', 'is required: {"id" or "phone", "nickname"}');
  }
  const fields = sender as Record<string, unknown>;
  const externalId = fields['id'] === undefined || fields['id'] === null ? undefined : String(fields['id']);
  const phone =
    fields['phone'] === undefined || fields['phone'] === null ? undefined : String(fields['phone']);
  if ((externalId === undefined) === (phone === undefined)) {
    throw ApiError.invalid('from_client', 'give exactly one of id and phone');
  }
  if (phone !== undefined && !/^\d{7,15}$/.test(phone)) {
    throw ApiError.invalid('from_client.phone', 'digits only, with the country code');
  }
  const text = optionalString(body['body'], 'body') ?? null;
  const attachment = optionalString(body['image'], 'image') ?? optionalString(body['video'], 'video') ?? null;
  const coordinates = optionalString(body['location'], 'location') ?? null;
  if (!text && !attachment && !coordinates)
    throw ApiError.invalid('body', 'is required unless image, video or location is given');
  const nickname = optionalString(fields['nickname'], 'from_client.nickname');

  const client =
    (phone !== undefined ? state.clientByPhone(phone) : state.clientByExternalId(externalId!)) ??
    state.addClient(phone !== undefined ? { phone } : { externalId: externalId! });
  if (nickname !== undefined) client.name = nickname;
  const { message } = receiveClientMessage(call.ctx, client, {
    text,
    attachment,
    coordinates,
    transport: 'external',
    channelId,
  });
  return success(messageDetail(message));
}

/** Gives a message outside any open dialog to an operator, opening a dialog for it (manual). */
async function assignMessage(call: ApiCall): Promise<ApiAnswer> {
  const { state } = call.ctx;
  const message = listedMessage(call);
  const operatorId = requiredInteger((await call.body())['operator_id'], 'operator_id');
  if (!state.operator(operatorId)) throw ApiError.invalid('operator_id', `operator ${operatorId} not found`);
  const current = message.dialogId === null ? undefined : state.dialog(message.dialogId);
  if (current?.state === 'open') {
    throw new ApiError(
      400,
      `Message ${message.id} belongs to open dialog ${current.id}; use PUT /v1/dialogs/<id>`,
    );
  }
  const client = state.client(message.clientId)!;
  if (client.openDialog) {
    throw new ApiError(
      400,
      `Client ${client.id} is in open dialog ${client.openDialog.id}; use PUT /v1/dialogs/<id>`,
    );
  }
  const dialog = state.openDialog(client, operatorId);
  message.dialogId = dialog.id;
  message.operatorId = operatorId;
  return success(messageDetail(message));
}

function markRead(call: ApiCall, read: boolean): ApiAnswer {
  const message = listedMessage(call);
  message.markedRead = read;
  if (message.type === 'from_client') {
    const unread = call.ctx.state.client(message.clientId)!.unreadFromClient;
    if (read) unread.delete(message);
    else unread.add(message);
  }
  return success(messageDetail(message));
}

function listedMessage(call: ApiCall): SandboxMessage {
  const id = call.ids[0]!;
  const message = call.ctx.state.message(id);
  if (!message || message.droppedAt !== null) throw ApiError.notFound(`Message ${id} not found`);
  return message;
}

function firstIndexWithIdAtLeast(messages: readonly SandboxMessage[], id: number): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (messages[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
