import { ApiCaller, type Chat2DeskClientOptions } from './apiCaller.js';
import * as clients from './resources/clients.js';
import * as company from './resources/company.js';
import * as dialogs from './resources/dialogs.js';
import * as messages from './resources/messages.js';
import * as reference from './resources/reference.js';
import * as webhooks from './resources/webhooks.js';
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

export type { Chat2DeskClientOptions } from './apiCaller.js';
export { formatApiDate } from './callSpec.js';

/**
 * Typed client of the Chat2Desk API v1 over one keep-alive undici pool. It never retries: every
 * failure is a typed `Chat2DeskError` whose `retryable` and `ambiguous` let the caller decide.
 * Options are camelCase; the wire and the returned data are the API's snake_case. Each method is
 * described in src/chat2desk/resources/ by resource; requests are made by ApiCaller.
 */
export class Chat2DeskClient {
  readonly #api: ApiCaller;

  constructor(options: Chat2DeskClientOptions) {
    this.#api = new ApiCaller(options);
  }

  /**
   * The latest a request can reach Chat2Desk after it was handed over: connecting, then sending
   * before the answer's headers are due. Seats of the rate limit held by a process that died are
   * taken back after this.
   */
  get longestRequestMs(): number {
    return this.#api.longestRequestMs;
  }

  /** Requests handed to a connection so far (each may count against the quota), failures included. */
  get requestCount(): number {
    return this.#api.requestCount;
  }

  /** Requests sent so far per endpoint template, e.g. `{"POST /v1/messages": 3}`. */
  requestCounts(): Record<string, number> {
    return this.#api.requestCounts();
  }

  /** Waits for requests in flight, then closes the connections. */
  async close(): Promise<void> {
    await this.#api.close();
  }

  // --- messages ---

  async listMessages(filters: MessageFilters = {}): Promise<ListResult<Message>> {
    return messages.listMessages(this.#api, filters);
  }

  async getMessage(id: number): Promise<MessageDetails> {
    return messages.getMessage(this.#api, id);
  }

  /** Sends a message; `message_id` is in the answer only on versions newer than v1.08. */
  async sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
    return messages.sendMessage(this.#api, input);
  }

  /** A client's message arriving through an `external` channel. */
  async sendInboxMessage(input: InboxMessageInput): Promise<CommandResult> {
    return messages.sendInboxMessage(this.#api, input);
  }

  /** Gives a message outside any open dialog to an operator. */
  async assignMessage(id: number, operatorId: number): Promise<CommandResult> {
    return messages.assignMessage(this.#api, id, operatorId);
  }

  async markMessageRead(id: number): Promise<CommandResult> {
    return messages.markMessageRead(this.#api, id);
  }

  async markMessageUnread(id: number): Promise<CommandResult> {
    return messages.markMessageUnread(this.#api, id);
  }

  /** Dropping every message not yet sent out. */
  async deleteOutbox(): Promise<CommandResult> {
    return messages.deleteOutbox(this.#api);
  }

  // --- company ---

  /** Sets (or with `null` removes) the URL that receives new client messages. */
  async setWebHook(url: string | null): Promise<CommandResult> {
    return company.setWebHook(this.#api, url);
  }

  /** Sets (or with `null` removes) the URL called when a dialog closes. */
  async setChatCloseWebHook(url: string | null): Promise<CommandResult> {
    return company.setChatCloseWebHook(this.#api, url);
  }

  /** Mode, web hook and `requests_this_month`; itself one request against the quota. */
  async getApiInfo(): Promise<ApiInfo> {
    return company.getApiInfo(this.#api);
  }

  // --- web hooks (today's; an account without them answers 404: Chat2DeskNotFoundError) ---

  /** The company's web hooks (at most five), with their status. */
  async listWebhooks(): Promise<Webhook[]> {
    return webhooks.listWebhooks(this.#api);
  }

  /** Adds a web hook; the service refuses a sixth. */
  async createWebhook(input: CreateWebhookInput): Promise<Webhook> {
    return webhooks.createWebhook(this.#api, input);
  }

  /** Changes a web hook; setting a switched-off one again switches it back on. */
  async updateWebhook(id: number, input: UpdateWebhookInput): Promise<Webhook> {
    return webhooks.updateWebhook(this.#api, id, input);
  }

  /** Deletes a web hook. */
  async deleteWebhook(id: number): Promise<CommandResult> {
    return webhooks.deleteWebhook(this.#api, id);
  }

  // --- clients ---

  async listClients(paging: Paging = {}): Promise<ListResult<Client>> {
    return clients.listClients(this.#api, paging);
  }

  /** Exact match on the digits; `null` when no client has that phone. */
  async findClientByPhone(phone: string): Promise<Client | null> {
    return clients.findClientByPhone(this.#api, phone);
  }

  async getClient(id: number): Promise<ClientDetails> {
    return clients.getClient(this.#api, id);
  }

  /** The channels and transports that may be used to write to this client. */
  async getClientTransports(id: number): Promise<ClientTransport[]> {
    return clients.getClientTransports(this.#api, id);
  }

  /** The last script menu item sent to the client, or `null`. */
  async getClientLastQuestion(id: number): Promise<Question | null> {
    return clients.getClientLastQuestion(this.#api, id);
  }

  async getClientDialogs(id: number, paging: Paging = {}): Promise<ListResult<Dialog>> {
    return clients.getClientDialogs(this.#api, id, paging);
  }

  /** Script menu items sent to the client, optionally within dates (`dd-mm-yyyy` on the wire). */
  async getClientQuestions(id: number, range: DateRange = {}): Promise<ListResult<Question>> {
    return clients.getClientQuestions(this.#api, id, range);
  }

  /**
   * Creates a client so that it can be written to first; for an existing phone the service adds
   * the transport to that client and answers with it. On WhatsApp the first message must wait
   * (7 minutes by default).
   */
  async createClient(input: CreateClientInput): Promise<ClientDetails> {
    return clients.createClient(this.#api, input);
  }

  async updateClient(id: number, input: UpdateClientInput): Promise<Client> {
    return clients.updateClient(this.#api, id, input);
  }

  // --- operators and dialogs ---

  async listOperators(filters: OperatorFilters = {}): Promise<ListResult<Operator>> {
    return dialogs.listOperators(this.#api, filters);
  }

  async listDialogs(filters: DialogFilters = {}): Promise<ListResult<Dialog>> {
    return dialogs.listDialogs(this.#api, filters);
  }

  async getDialog(id: number): Promise<Dialog> {
    return dialogs.getDialog(this.#api, id);
  }

  async updateDialog(id: number, input: UpdateDialogInput): Promise<Dialog> {
    return dialogs.updateDialog(this.#api, id, input);
  }

  // --- scripts ---

  /** Sends script menu item `id` to a client. */
  async sendQuestion(id: number, clientId?: number): Promise<CommandResult> {
    return dialogs.sendQuestion(this.#api, id, clientId);
  }

  // --- reference lists ---

  async getRoles(): Promise<string[]> {
    return reference.getRoles(this.#api);
  }

  async getDialogStates(): Promise<string[]> {
    return reference.getDialogStates(this.#api);
  }

  async getTransports(): Promise<TransportsHelp> {
    return reference.getTransports(this.#api);
  }

  async getApiModes(): Promise<ApiMode[]> {
    return reference.getApiModes(this.#api);
  }

  async listRegions(paging: Paging = {}): Promise<ListResult<Region>> {
    return reference.listRegions(this.#api, paging);
  }

  async listCountries(paging: Paging = {}): Promise<ListResult<Country>> {
    return reference.listCountries(this.#api, paging);
  }

  async listChannels(filters: ChannelFilters = {}): Promise<ListResult<Channel>> {
    return reference.listChannels(this.#api, filters);
  }
}
