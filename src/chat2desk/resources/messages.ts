// /v1/messages and the gateway's outbox.

import type { ApiCaller } from '../apiCaller.js';
import type {
  CommandResult,
  InboxMessageInput,
  ListResult,
  Message,
  MessageDetails,
  MessageFilters,
  SendMessageInput,
  SendMessageResult,
} from '../types.js';

export function listMessages(api: ApiCaller, filters: MessageFilters): Promise<ListResult<Message>> {
  return api.list<Message>({
    method: 'GET',
    template: '/v1/messages',
    query: {
      transport: filters.transport,
      channel_id: filters.channelId,
      client_id: filters.clientId,
      type: filters.type,
      dialog_id: filters.dialogId,
      read: filters.read,
      start_id: filters.startId,
      order: filters.order,
      start_date: filters.startDate,
      finish_date: filters.finishDate,
      limit: filters.limit,
      offset: filters.offset,
    },
  });
}

export function getMessage(api: ApiCaller, id: number): Promise<MessageDetails> {
  return api.data<MessageDetails>({ method: 'GET', template: '/v1/messages/:id', id });
}

export function sendMessage(api: ApiCaller, input: SendMessageInput): Promise<SendMessageResult> {
  return api.data<SendMessageResult>({
    method: 'POST',
    template: '/v1/messages',
    body: {
      client_id: input.clientId,
      text: input.text,
      attachment: input.attachment,
      type: input.type,
      transport: input.transport,
      channel_id: input.channelId,
      operator_id: input.operatorId,
      open_dialog: input.openDialog,
      external_id: input.externalId,
    },
  });
}

export function sendInboxMessage(api: ApiCaller, input: InboxMessageInput): Promise<CommandResult> {
  const { id, phone, nickname } = input.fromClient;
  return api.data<CommandResult>({
    method: 'POST',
    template: '/v1/messages/inbox',
    body: {
      channel_id: input.channelId,
      body: input.body,
      image: input.image,
      video: input.video,
      location: input.location,
      from_client: { id, phone, nickname },
    },
  });
}

export function assignMessage(api: ApiCaller, id: number, operatorId: number): Promise<CommandResult> {
  const body = { operator_id: operatorId };
  return api.data<CommandResult>({ method: 'POST', template: '/v1/messages/:id/assign', id, body });
}

// Marking read or unread is a GET that changes something: `acts` says so.

export function markMessageRead(api: ApiCaller, id: number): Promise<CommandResult> {
  return api.data<CommandResult>({ method: 'GET', template: '/v1/messages/:id/read', id, acts: true });
}

export function markMessageUnread(api: ApiCaller, id: number): Promise<CommandResult> {
  return api.data<CommandResult>({ method: 'GET', template: '/v1/messages/:id/unread', id, acts: true });
}

export function deleteOutbox(api: ApiCaller): Promise<CommandResult> {
  return api.data<CommandResult>({ method: 'GET', template: '/gateway/delete_outbox', acts: true });
}
