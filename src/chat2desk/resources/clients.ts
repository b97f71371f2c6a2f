// /v1/clients: Chat2Desk's clients, their transports, dialogs and script menu items.

import type { ApiCaller } from '../apiCaller.js';
import { pagingQuery } from '../callSpec.js';
import type {
  Client,
  ClientDetails,
  ClientTransport,
  CreateClientInput,
  DateRange,
  Dialog,
  ListResult,
  Paging,
  Question,
  UpdateClientInput,
} from '../types.js';

export function listClients(api: ApiCaller, paging: Paging): Promise<ListResult<Client>> {
  return api.list<Client>({ method: 'GET', template: '/v1/clients', query: pagingQuery(paging) });
}

/** The service answers a phone search with a list or a single client, depending on its version. */
export async function findClientByPhone(api: ApiCaller, phone: string): Promise<Client | null> {
  const data = await api.data<unknown>({ method: 'GET', template: '/v1/clients', query: { phone } });
  if (Array.isArray(data)) return (data[0] as Client | undefined) ?? null;
  return (data as Client | null) ?? null;
}

export function getClient(api: ApiCaller, id: number): Promise<ClientDetails> {
  return api.data<ClientDetails>({ method: 'GET', template: '/v1/clients/:id', id });
}

export function getClientTransports(api: ApiCaller, id: number): Promise<ClientTransport[]> {
  return api.array<ClientTransport>({ method: 'GET', template: '/v1/clients/:id/transport', id });
}

export async function getClientLastQuestion(api: ApiCaller, id: number): Promise<Question | null> {
  const data = await api.data<Question | null>({
    method: 'GET',
    template: '/v1/clients/:id/last_question',
    id,
  });
  return data ?? null;
}

export function getClientDialogs(api: ApiCaller, id: number, paging: Paging): Promise<ListResult<Dialog>> {
  return api.list<Dialog>({
    method: 'GET',
    template: '/v1/clients/:id/dialogs',
    id,
    query: pagingQuery(paging),
  });
}

export function getClientQuestions(
  api: ApiCaller,
  id: number,
  range: DateRange,
): Promise<ListResult<Question>> {
  return api.list<Question>({
    method: 'GET',
    template: '/v1/clients/:id/questions',
    id,
    query: { start_date: range.startDate, finish_date: range.finishDate },
  });
}

/** Its parameters go in the query string, as the manual says, though it is a POST. */
export function createClient(api: ApiCaller, input: CreateClientInput): Promise<ClientDetails> {
  const query = { phone: input.phone, transport: input.transport, channel_id: input.channelId };
  return api.data<ClientDetails>({ method: 'POST', template: '/v1/clients', query });
}

export function updateClient(api: ApiCaller, id: number, input: UpdateClientInput): Promise<Client> {
  const body = {
    nickname: input.nickname,
    comment: input.comment,
    extra_comment_1: input.extraComment1,
    extra_comment_2: input.extraComment2,
    extra_comment_3: input.extraComment3,
  };
  return api.data<Client>({ method: 'PUT', template: '/v1/clients/:id', id, body });
}
