import { Pool } from 'undici';
import { ConfigError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { readAnswer } from './answer.js';
import { Chat2DeskError, Chat2DeskServerError } from './errors.js';
import { exchange } from './exchange.js';
import type {
  ApiInfo,
  ApiMode,
  Channel,
  ChannelFilters,
  Client,
  ClientDetails,
  ClientTransport,
  CommandResult,
  Country,
  CreateClientInput,
  CreateWebhookInput,
  DateRange,
  Dialog,
  DialogFilters,
  InboxMessageInput,
  ListMeta,
  ListResult,
  Message,
  MessageDetails,
  MessageFilters,
  Operator,
  OperatorFilters,
  Paging,
  Question,
  Region,
  SendMessageInput,
  SendMessageResult,
  TransportsHelp,
  UpdateClientInput,
  UpdateDialogInput,
  UpdateWebhookInput,
  Webhook,
} from './types.js';

export interface Chat2DeskClientOptions {
  /** e.g. `https://api.chat2desk.com`; a path prefix is kept. */
  baseUrl: string;
  token: string;
  /** Deadline of one request, from the call to the end of the answer. Default 15000. */
  timeoutMs?: number;
  /** Keep-alive connections to the API. Default 32. */
  connections?: number;
  logger?: Logger;
  /**
   * Called once per request when it ends: `outcome` is `ok` or the error code without its
   * `chat2desk_` prefix (`rate_limited`, `timeout`…); for metrics (see chat2deskRequestObserver).
   */
  onRequestDone?: (endpoint: string, outcome: string, durationMs: number) => void;
}

type Method = 'GET' | 'POST' | 'PUT';
type QueryValue = string | number | boolean | Date | null | undefined;

interface CallSpec {
  method: Method;
  /** Path template with `:id`, e.g. `/v1/clients/:id`; the endpoint name in counts and errors. */
  template: string;
  id?: number | string;
  query?: Record<string, QueryValue>;
  body?: Record<string, unknown>;
  /** Whether the call changes something at Chat2Desk (default: every POST and PUT). */
  acts?: boolean;
}

/**
 * Typed client of the Chat2Desk API v1 over one keep-alive undici pool. It never retries: every
 * failure is a typed `Chat2DeskError` whose `retryable` and `ambiguous` let the caller decide.
 * Options are camelCase; the wire and the returned data are the API's snake_case.
 */
export class Chat2DeskClient {
  readonly #token: string;
  readonly #pathPrefix: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #pool: Pool;
  readonly #onRequestDone: Chat2DeskClientOptions['onRequestDone'];
  readonly #counts = new Map<string, number>();
  #total = 0;

  constructor(options: Chat2DeskClientOptions) {
    const url = new URL(options.baseUrl);
    // Checked here so that undici never gets to quote a malformed header value in an error.
    if (options.token === '' || /[\r\n\0]/.test(options.token)) {
      throw new ConfigError('CHAT2DESK_TOKEN', 'the token is empty or contains a line break');
    }
    this.#token = options.token;
    this.#pathPrefix = url.pathname.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#logger = options.logger ?? silentLogger;
    this.#onRequestDone = options.onRequestDone;
    this.#pool = new Pool(url.origin, {
      connections: options.connections ?? 32,
      pipelining: 1,
      connectTimeout: this.#timeoutMs,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /**
   * The latest a request can reach Chat2Desk after it was handed over: connecting, then sending
   * before the answer's headers are due. Seats of the rate limit held by a process that died are
   * taken back after this.
   */
  get longestRequestMs(): number {
    return 2 * this.#timeoutMs;
  }

  /** Requests handed to a connection so far (each may count against the quota), failures included. */
  get requestCount(): number {
    return this.#total;
  }

  /** Requests sent so far per endpoint template, e.g. `{"POST /v1/messages": 3}`. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** Waits for requests in flight, then closes the connections. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  // --- messages ---

  async listMessages(filters: MessageFilters = {}): Promise<ListResult<Message>> {
    return this.#list<Message>({
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

  async getMessage(id: number): Promise<MessageDetails> {
    return (await this.#call({ method: 'GET', template: '/v1/messages/:id', id })).data as MessageDetails;
  }

  /** Sends a message; `message_id` is in the answer only on versions newer than v1.08. */
  async sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
    const answer = await this.#call({
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
    return answer.data as SendMessageResult;
  }

  /** A client's message arriving through an `external` channel. */
  async sendInboxMessage(input: InboxMessageInput): Promise<CommandResult> {
    const { id, phone, nickname } = input.fromClient;
    const answer = await this.#call({
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
    return answer.data as CommandResult;
  }

  /** Gives a message outside any open dialog to an operator. */
  async assignMessage(id: number, operatorId: number): Promise<CommandResult> {
    const body = { operator_id: operatorId };
    return (await this.#call({ method: 'POST', template: '/v1/messages/:id/assign', id, body }))
      .data as CommandResult;
  }

  async markMessageRead(id: number): Promise<CommandResult> {
    return (await this.#call({ method: 'GET', template: '/v1/messages/:id/read', id, acts: true }))
      .data as CommandResult;
  }

  async markMessageUnread(id: number): Promise<CommandResult> {
    return (await this.#call({ method: 'GET', template: '/v1/messages/:id/unread', id, acts: true }))
      .data as CommandResult;
  }

  /** Dropping every message not yet sent out. */
  async deleteOutbox(): Promise<CommandResult> {
    return (await this.#call({ method: 'GET', template: '/gateway/delete_outbox', acts: true }))
      .data as CommandResult;
  }

  // --- company ---

  /** Sets (or with `null` removes) the URL that receives new client messages. */
  async setWebHook(url: string | null): Promise<CommandResult> {
    return (await this.#call({ method: 'POST', template: '/v1/companies/web_hook', body: { url } }))
      .data as CommandResult;
  }

  /** Sets (or with `null` removes) the URL called when a dialog closes. */
  async setChatCloseWebHook(url: string | null): Promise<CommandResult> {
    const spec: CallSpec = { method: 'POST', template: '/v1/companies/chat_close_web_hook', body: { url } };
    return (await this.#call(spec)).data as CommandResult;
  }

  /** Mode, web hook and `requests_this_month`; itself one request against the quota. */
  async getApiInfo(): Promise<ApiInfo> {
    return (await this.#call({ method: 'GET', template: '/v1/companies/api_info' })).data as ApiInfo;
  }

  // --- web hooks (today's; an account without them answers 404: Chat2DeskNotFoundError) ---

  /** The company's web hooks (at most five), with their status. */
  async listWebhooks(): Promise<Webhook[]> {
    const spec: CallSpec = { method: 'GET', template: '/v1/webhooks' };
    return this.#array<Webhook>(spec, (await this.#call(spec)).data);
  }

  /** Adds a web hook; the service refuses a sixth. */
  async createWebhook(input: CreateWebhookInput): Promise<Webhook> {
    const body = { name: input.name, url: input.url, events: input.events, channels: input.channels };
    return (await this.#call({ method: 'POST', template: '/v1/webhooks', body })).data as Webhook;
  }

  /** Changes a web hook; setting a switched-off one again switches it back on. */
  async updateWebhook(id: number, input: UpdateWebhookInput): Promise<Webhook> {
    const body = { name: input.name, url: input.url, events: input.events, channels: input.channels };
    return (await this.#call({ method: 'PUT', template: '/v1/webhooks/:id', id, body })).data as Webhook;
  }

  /** Deletes a web hook: the documentation's way is setting its URL to null. */
  async deleteWebhook(id: number): Promise<CommandResult> {
    const spec: CallSpec = { method: 'PUT', template: '/v1/webhooks/:id', id, body: { url: null } };
    return (await this.#call(spec)).data as CommandResult;
  }

  // --- clients ---

  async listClients(paging: Paging = {}): Promise<ListResult<Client>> {
    return this.#list<Client>({ method: 'GET', template: '/v1/clients', query: pagingQuery(paging) });
  }

  /** Exact match on the digits; `null` when no client has that phone. */
  async findClientByPhone(phone: string): Promise<Client | null> {
    const { data } = await this.#call({ method: 'GET', template: '/v1/clients', query: { phone } });
    if (Array.isArray(data)) return (data[0] as Client | undefined) ?? null;
    return (data as Client | null) ?? null;
  }

  async getClient(id: number): Promise<ClientDetails> {
    return (await this.#call({ method: 'GET', template: '/v1/clients/:id', id })).data as ClientDetails;
  }

  /** The channels and transports that may be used to write to this client. */
  async getClientTransports(id: number): Promise<ClientTransport[]> {
    const spec: CallSpec = { method: 'GET', template: '/v1/clients/:id/transport', id };
    return this.#array<ClientTransport>(spec, (await this.#call(spec)).data);
  }

  /** The last script menu item sent to the client, or `null`. */
  async getClientLastQuestion(id: number): Promise<Question | null> {
    const { data } = await this.#call({ method: 'GET', template: '/v1/clients/:id/last_question', id });
    return (data as Question | null) ?? null;
  }

  async getClientDialogs(id: number, paging: Paging = {}): Promise<ListResult<Dialog>> {
    return this.#list<Dialog>({
      method: 'GET',
      template: '/v1/clients/:id/dialogs',
      id,
      query: pagingQuery(paging),
    });
  }

  /** Script menu items sent to the client, optionally within dates (`dd-mm-yyyy` on the wire). */
  async getClientQuestions(id: number, range: DateRange = {}): Promise<ListResult<Question>> {
    return this.#list<Question>({
      method: 'GET',
      template: '/v1/clients/:id/questions',
      id,
      query: { start_date: range.startDate, finish_date: range.finishDate },
    });
  }

  /**
   * Creates a client so that it can be written to first; for an existing phone the service adds
   * the transport to that client and answers with it. Parameters go in the query string, as the
   * manual says. On WhatsApp the first message must wait (7 minutes by default).
   */
  async createClient(input: CreateClientInput): Promise<ClientDetails> {
    const query = { phone: input.phone, transport: input.transport, channel_id: input.channelId };
    return (await this.#call({ method: 'POST', template: '/v1/clients', query })).data as ClientDetails;
  }

  async updateClient(id: number, input: UpdateClientInput): Promise<Client> {
    const body = {
      nickname: input.nickname,
      comment: input.comment,
      extra_comment_1: input.extraComment1,
      extra_comment_2: input.extraComment2,
      extra_comment_3: input.extraComment3,
    };
    return (await this.#call({ method: 'PUT', template: '/v1/clients/:id', id, body })).data as Client;
  }

  // --- operators and dialogs ---

  async listOperators(filters: OperatorFilters = {}): Promise<ListResult<Operator>> {
    const query = {
      phone: filters.phone,
      email: filters.email,
      online: filters.online,
      ...pagingQuery(filters),
    };
    return this.#list<Operator>({ method: 'GET', template: '/v1/operators', query });
  }

  async listDialogs(filters: DialogFilters = {}): Promise<ListResult<Dialog>> {
    const query = { operator_id: filters.operatorId, state: filters.state, ...pagingQuery(filters) };
    return this.#list<Dialog>({ method: 'GET', template: '/v1/dialogs', query });
  }

  async getDialog(id: number): Promise<Dialog> {
    return (await this.#call({ method: 'GET', template: '/v1/dialogs/:id', id })).data as Dialog;
  }

  async updateDialog(id: number, input: UpdateDialogInput): Promise<Dialog> {
    const body = { operator_id: input.operatorId, state: input.state };
    return (await this.#call({ method: 'PUT', template: '/v1/dialogs/:id', id, body })).data as Dialog;
  }

  // --- scripts ---

  /** Sends script menu item `id` to a client. */
  async sendQuestion(id: number, clientId?: number): Promise<CommandResult> {
    const spec: CallSpec = {
      method: 'GET',
      template: '/v1/questions/:id/send',
      id,
      query: { client_id: clientId },
      acts: true,
    };
    return (await this.#call(spec)).data as CommandResult;
  }

  // --- reference lists ---

  async getRoles(): Promise<string[]> {
    const spec: CallSpec = { method: 'GET', template: '/v1/help/roles' };
    return this.#array<string>(spec, (await this.#call(spec)).data);
  }

  async getDialogStates(): Promise<string[]> {
    const spec: CallSpec = { method: 'GET', template: '/v1/help/dialog_states' };
    return this.#array<string>(spec, (await this.#call(spec)).data);
  }

  async getTransports(): Promise<TransportsHelp> {
    return (await this.#call({ method: 'GET', template: '/v1/help/transports' })).data as TransportsHelp;
  }

  async getApiModes(): Promise<ApiMode[]> {
    const spec: CallSpec = { method: 'GET', template: '/v1/help/api_modes' };
    return this.#array<ApiMode>(spec, (await this.#call(spec)).data);
  }

  async listRegions(paging: Paging = {}): Promise<ListResult<Region>> {
    return this.#list<Region>({ method: 'GET', template: '/v1/regions', query: pagingQuery(paging) });
  }

  async listCountries(paging: Paging = {}): Promise<ListResult<Country>> {
    return this.#list<Country>({ method: 'GET', template: '/v1/countries', query: pagingQuery(paging) });
  }

  async listChannels(filters: ChannelFilters = {}): Promise<ListResult<Channel>> {
    const query = { phone: filters.phone, ...pagingQuery(filters) };
    return this.#list<Channel>({ method: 'GET', template: '/v1/channels', query });
  }

  // --- plumbing ---

  /** A list answer; where the service sends no `meta` the list is taken as one whole page. */
  async #list<T>(spec: CallSpec): Promise<ListResult<T>> {
    const answer = await this.#call(spec);
    const data = this.#array<T>(spec, answer.data);
    const meta: ListMeta = answer.meta ?? { total: data.length, limit: data.length, offset: 0 };
    return { data, meta };
  }

  #array<T>(spec: CallSpec, data: unknown): T[] {
    if (Array.isArray(data)) return data as T[];
    const endpoint = `${spec.method} ${spec.template}`;
    throw new Chat2DeskServerError(`Chat2Desk ${endpoint}: expected a list in "data"`, {
      endpoint,
      httpStatus: 200,
      ambiguous: false,
    });
  }

  async #call(spec: CallSpec): Promise<{ data: unknown; meta: ListMeta | undefined }> {
    const endpoint = `${spec.method} ${spec.template}`;
    const acts = spec.acts ?? spec.method !== 'GET';
    const path = this.#pathPrefix + fillTemplate(spec.template, spec.id) + queryString(spec.query);
    const headers: Record<string, string> = { authorization: this.#token, accept: 'application/json' };
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.body);
    }
    const redact = (text: string): string => redactSecret(text, this.#token);
    const startedAt = performance.now();
    try {
      const answer = await exchange(this.#pool, {
        endpoint,
        method: spec.method,
        path,
        headers,
        body,
        timeoutMs: this.#timeoutMs,
        acts,
        onSent: () => this.#count(endpoint),
        redact,
      });
      const result = readAnswer(endpoint, acts, answer, redact);
      this.#logger.debug(
        { endpoint, httpStatus: answer.statusCode, ms: elapsed(startedAt) },
        'chat2desk request',
      );
      this.#reportDone(endpoint, 'ok', startedAt);
      return result;
    } catch (err) {
      if (err instanceof Chat2DeskError) {
        const { code, httpStatus, retryable, ambiguous } = err;
        this.#logger.debug(
          { endpoint, code, httpStatus, retryable, ambiguous, ms: elapsed(startedAt) },
          'chat2desk request failed',
        );
      }
      this.#reportDone(endpoint, requestOutcome(err), startedAt);
      throw err;
    }
  }

  /** A failing observer must not turn a request's result into an error: it is only told. */
  #reportDone(endpoint: string, outcome: string, startedAt: number): void {
    if (!this.#onRequestDone) return;
    try {
      this.#onRequestDone(endpoint, outcome, performance.now() - startedAt);
    } catch (error) {
      this.#logger.warn({ err: error, endpoint }, 'chat2desk request observer failed');
    }
  }

  #count(endpoint: string): void {
    this.#total += 1;
    this.#counts.set(endpoint, (this.#counts.get(endpoint) ?? 0) + 1);
  }
}

/** `ok`, the error code without its prefix (`rate_limited`, `timeout`), or `error` for anything else. */
function requestOutcome(error: unknown): string {
  return error instanceof Chat2DeskError ? error.code.replace(/^chat2desk_/, '') : 'error';
}

function fillTemplate(template: string, id: number | string | undefined): string {
  if (id === undefined) return template;
  return template.replace(':id', encodeURIComponent(String(id)));
}

function pagingQuery(paging: Paging): Record<string, QueryValue> {
  return { limit: paging.limit, offset: paging.offset };
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.append(name, value instanceof Date ? formatApiDate(value) : String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The API's date parameter format, `dd-mm-yyyy`, taken as a UTC calendar date. */
export function formatApiDate(date: Date): string {
  const dd = String(date.getUTCDate()).padStart(2, '0');
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  return `${dd}-${mm}-${date.getUTCFullYear()}`;
}

/** Real tokens are long; a very short one (a test's "t") would only mangle every text it occurs in. */
const MIN_REDACTED_LENGTH = 6;

function redactSecret(text: string, secret: string): string {
  return secret.length < MIN_REDACTED_LENGTH ? text : text.split(secret).join('[redacted]');
}

function elapsed(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}
