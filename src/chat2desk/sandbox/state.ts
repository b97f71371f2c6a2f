import type { Clock } from '../../clock.js';
import { MonthlyRequestCounter } from './apiBudget.js';
import {
  type ClientTransport,
  type DeliveryTimeline,
  type MessageInit,
  SandboxClient,
  type SandboxDialog,
  SandboxMessage,
  type SandboxOperator,
  type TransportOrigin,
} from './models.js';
import type { SandboxChannel } from './options.js';
import { countryIdOfPhone, defaultOperators } from './referenceData.js';
import { RequestLog } from './requestLog.js';
import { WebhookRegistry } from './webhookRegistry.js';

/** Company-level settings a client of the API changes: they survive POST /sandbox/reset. */
export interface CompanySettings {
  name: string;
  hookUrl: string | null;
  chatCloseHookUrl: string | null;
}

/**
 * The sandbox's in-memory data, indexed for the hot paths: clients by id and phone, messages by id,
 * client and dialog. Ids are never reused, not even after reset(), so a stale id cannot hit a new record.
 */
export class SandboxState {
  readonly channels: readonly SandboxChannel[];
  readonly operators: readonly SandboxOperator[];
  readonly company: CompanySettings = { name: 'Sandbox company', hookUrl: null, chatCloseHookUrl: null };
  /** Today's web hooks (/v1/webhooks): company-level like `company`, kept by reset(). */
  readonly webhooks = new WebhookRegistry();
  readonly requests = new RequestLog();
  readonly monthlyRequests = new MonthlyRequestCounter();
  readonly #timeline: DeliveryTimeline;
  readonly #channelsById: Map<number, SandboxChannel>;
  readonly #operatorsById: Map<number, SandboxOperator>;

  #clients = new Map<number, SandboxClient>();
  #clientList: SandboxClient[] = [];
  #clientsByPhone = new Map<string, SandboxClient>();
  #clientsByExternalId = new Map<string, SandboxClient>();
  #allMessages: SandboxMessage[] = [];
  #messagesById = new Map<number, SandboxMessage>();
  /** Messages the API still shows (dropped ones leave): in id order. */
  #listed: SandboxMessage[] = [];
  #listedByClient = new Map<number, SandboxMessage[]>();
  #allByClient = new Map<number, SandboxMessage[]>();
  #dialogs = new Map<number, SandboxDialog>();
  #dialogList: SandboxDialog[] = [];

  #nextClientId = 101;
  #nextMessageId = 10_001;
  #nextDialogId = 501;
  #nextRequestId = 1;

  constructor(channels: readonly SandboxChannel[], timeline: DeliveryTimeline) {
    this.channels = channels;
    this.#timeline = timeline;
    this.#channelsById = new Map(channels.map((c) => [c.id, c]));
    this.operators = defaultOperators(timeline.clock.now());
    this.#operatorsById = new Map(this.operators.map((o) => [o.id, o]));
  }

  get clock(): Clock {
    return this.#timeline.clock;
  }

  channel(id: number): SandboxChannel | undefined {
    return this.#channelsById.get(id);
  }

  operator(id: number): SandboxOperator | undefined {
    return this.#operatorsById.get(id);
  }

  // ---- clients

  get clients(): ReadonlyMap<number, SandboxClient> {
    return this.#clients;
  }

  /** In id order. */
  get clientList(): readonly SandboxClient[] {
    return this.#clientList;
  }

  client(id: number): SandboxClient | undefined {
    return this.#clients.get(id);
  }

  clientByPhone(phone: string): SandboxClient | undefined {
    return this.#clientsByPhone.get(phone);
  }

  clientByExternalId(externalId: string): SandboxClient | undefined {
    return this.#clientsByExternalId.get(externalId);
  }

  addClient(identity: { phone: string } | { externalId: string }): SandboxClient {
    const phone = 'phone' in identity ? identity.phone : null;
    const externalId = 'externalId' in identity ? identity.externalId : null;
    const client = new SandboxClient({
      id: this.#nextClientId++,
      phone,
      externalId,
      createdAt: this.clock.now(),
      countryId: countryIdOfPhone(phone),
    });
    this.#clients.set(client.id, client);
    this.#clientList.push(client);
    if (phone !== null) this.#clientsByPhone.set(phone, client);
    if (externalId !== null) this.#clientsByExternalId.set(externalId, client);
    return client;
  }

  /** Adds a transport unless the client already has it on that channel; returns the (possibly old) record. */
  addClientTransport(
    client: SandboxClient,
    channelId: number,
    transport: string,
    via: TransportOrigin,
  ): ClientTransport {
    const existing = client.transportOn(channelId, transport);
    if (existing) return existing;
    const added: ClientTransport = {
      channelId,
      transport,
      addedAt: this.clock.now(),
      addedVia: via,
      firstInboundAt: null,
    };
    client.transports.push(added);
    return added;
  }

  // ---- messages

  /** Every message ever accepted, dropped ones included, in id order. */
  get messages(): readonly SandboxMessage[] {
    return this.#allMessages;
  }

  /** Messages the API lists (not dropped), in id order. */
  get listedMessages(): readonly SandboxMessage[] {
    return this.#listed;
  }

  message(id: number): SandboxMessage | undefined {
    return this.#messagesById.get(id);
  }

  /** Messages the API lists for one client, in id order. */
  listedMessagesOf(clientId: number): readonly SandboxMessage[] {
    return this.#listedByClient.get(clientId) ?? [];
  }

  /** Messages addressed to the client (to_client, autoreply), dropped ones included. */
  messagesTo(clientId: number): SandboxMessage[] {
    return this.messagesOf(clientId).filter((m) => m.type === 'to_client' || m.type === 'autoreply');
  }

  messagesFrom(clientId: number): SandboxMessage[] {
    return this.messagesOf(clientId).filter((m) => m.type === 'from_client');
  }

  addMessage(init: Omit<MessageInit, 'id'>): SandboxMessage {
    const message = new SandboxMessage({ ...init, id: this.#nextMessageId++ }, this.#timeline);
    this.#allMessages.push(message);
    this.#messagesById.set(message.id, message);
    this.#listed.push(message);
    pushTo(this.#listedByClient, message);
    pushTo(this.#allByClient, message);
    return message;
  }

  /** GET /gateway/delete_outbox: drops every message not yet gone out. Rare, so a full pass is fine. */
  dropHeldMessages(): SandboxMessage[] {
    const dropped = this.#listed.filter((m) => m.isHeld);
    if (dropped.length === 0) return dropped;
    const now = this.clock.now();
    for (const message of dropped) message.droppedAt = now;
    this.#listed = this.#listed.filter((m) => m.droppedAt === null);
    for (const [clientId, list] of this.#listedByClient) {
      this.#listedByClient.set(
        clientId,
        list.filter((m) => m.droppedAt === null),
      );
    }
    return dropped;
  }

  nextRequestId(): number {
    return this.#nextRequestId++;
  }

  // ---- dialogs

  get dialogs(): readonly SandboxDialog[] {
    return this.#dialogList;
  }

  dialog(id: number): SandboxDialog | undefined {
    return this.#dialogs.get(id);
  }

  openDialog(client: SandboxClient, operatorId: number | null): SandboxDialog {
    const dialog: SandboxDialog = {
      id: this.#nextDialogId++,
      clientId: client.id,
      state: 'open',
      begin: this.clock.now(),
      end: null,
      operatorId,
    };
    this.#dialogs.set(dialog.id, dialog);
    this.#dialogList.push(dialog);
    client.dialogs.push(dialog);
    client.openDialog = dialog;
    return dialog;
  }

  // ---- counters

  get requestCount(): number {
    return this.requests.length;
  }

  requestsInBusiestSecond(): number {
    return this.requests.busiestSecond();
  }

  requestsThisMonth(): number {
    return this.monthlyRequests.current(this.clock.now().getTime());
  }

  /** Clears clients, messages, dialogs and counters; channels, operators and company hooks (both kinds) stay. */
  reset(): void {
    this.#clients = new Map();
    this.#clientList = [];
    this.#clientsByPhone = new Map();
    this.#clientsByExternalId = new Map();
    this.#allMessages = [];
    this.#messagesById = new Map();
    this.#listed = [];
    this.#listedByClient = new Map();
    this.#allByClient = new Map();
    this.#dialogs = new Map();
    this.#dialogList = [];
    this.requests.clear();
    this.monthlyRequests.reset();
  }

  /** Every message of one client, both ways, dropped ones included, in id order. */
  messagesOf(clientId: number): readonly SandboxMessage[] {
    return this.#allByClient.get(clientId) ?? [];
  }
}

function pushTo(index: Map<number, SandboxMessage[]>, message: SandboxMessage): void {
  const list = index.get(message.clientId);
  if (list) list.push(message);
  else index.set(message.clientId, [message]);
}
