import type { Clock } from '../../clock.js';

export type MessageType = 'to_client' | 'from_client' | 'autoreply' | 'system';
export const OUTGOING_TYPES: readonly MessageType[] = ['to_client', 'autoreply', 'system'];

/**
 * Delivery status as the API reports it in recipient_status. 'pending' is the sandbox's word for a
 * message accepted but held back (WhatsApp delay); the other values are the service's.
 */
export type RecipientStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/** How a client became reachable on a transport: created through POST /v1/clients, or wrote in. */
export type TransportOrigin = 'api' | 'client';

export interface ClientTransport {
  channelId: number;
  transport: string;
  addedAt: Date;
  addedVia: TransportOrigin;
  /** When the client first wrote on it; lifts the WhatsApp delay for API-created clients. */
  firstInboundAt: Date | null;
}

export interface SandboxDialog {
  id: number;
  clientId: number;
  state: 'open' | 'closed';
  begin: Date;
  end: Date | null;
  operatorId: number | null;
}

export interface SandboxOperator {
  id: number;
  email: string;
  phone: string | null;
  role: string;
  online: boolean;
  offlineType: string | null;
  firstName: string | null;
  lastName: string | null;
  lastVisit: Date;
}

export interface SandboxQuestion {
  id: number;
  text: string;
  image: string | null;
}

export class SandboxClient {
  readonly id: number;
  readonly phone: string | null;
  /** The id an external channel knows the client by (messages/inbox from_client.id). */
  readonly externalId: string | null;
  readonly createdAt: Date;
  /** The messenger nickname. */
  name: string | null = null;
  assignedName: string | null = null;
  comment: string | null = null;
  extraComments: [string | null, string | null, string | null] = [null, null, null];
  readonly countryId: number | null;
  readonly transports: ClientTransport[] = [];
  firstClientMessageAt: Date | null = null;
  lastClientMessageAt: Date | null = null;
  /** Where the client last wrote from: the default route of POST /v1/messages (manual). */
  lastInbound: { channelId: number; transport: string } | null = null;
  openDialog: SandboxDialog | null = null;
  readonly dialogs: SandboxDialog[] = [];
  readonly unreadFromClient = new Set<SandboxMessage>();
  readonly questionsSent: Array<{ question: SandboxQuestion; at: Date }> = [];

  constructor(init: {
    id: number;
    phone: string | null;
    externalId: string | null;
    createdAt: Date;
    countryId: number | null;
  }) {
    this.id = init.id;
    this.phone = init.phone;
    this.externalId = init.externalId;
    this.createdAt = init.createdAt;
    this.countryId = init.countryId;
  }

  transportOn(channelId: number, transport: string): ClientTransport | undefined {
    return this.transports.find((t) => t.channelId === channelId && t.transport === transport);
  }

  /** When WhatsApp was added to this client on a channel (the first channel when none is given). */
  whatsappAddedAt(channelId?: number): Date | undefined {
    return this.transports.find(
      (t) => t.transport === 'whatsapp' && (channelId === undefined || t.channelId === channelId),
    )?.addedAt;
  }

  /** The manual's shape of GET /v1/clients/<id>/transport. */
  transportsByChannel(): Array<{ channel_id: number; transports: string[] }> {
    const byChannel = new Map<number, string[]>();
    for (const t of this.transports) {
      const list = byChannel.get(t.channelId) ?? [];
      list.push(t.transport);
      byChannel.set(t.channelId, list);
    }
    return [...byChannel].map(([channelId, transports]) => ({ channel_id: channelId, transports }));
  }
}

/** What every message needs to know to tell its status as of now. Shared, so timings stay in one place. */
export interface DeliveryTimeline {
  clock: Clock;
  statusTimings: { deliveredAfterMs: number; readAfterMs: number };
}

export interface MessageInit {
  id: number;
  clientId: number;
  type: MessageType;
  text: string | null;
  attachment: string | null;
  coordinates: string | null;
  transport: string;
  channelId: number;
  dialogId: number | null;
  operatorId: number | null;
  acceptedAt: Date;
  goesOutAt: Date | null;
  reportsStatus: boolean;
  unreachable: boolean;
  requestId: number | null;
}

export class SandboxMessage {
  readonly id: number;
  readonly clientId: number;
  readonly type: MessageType;
  readonly text: string | null;
  readonly attachment: string | null;
  readonly coordinates: string | null;
  readonly transport: string;
  readonly channelId: number;
  dialogId: number | null;
  operatorId: number | null;
  /** When the API accepted it (business clock); the API's `created`. */
  readonly acceptedAt: Date;
  /** When it goes (or went) out to the messenger; null when it is never sent to the client. */
  readonly goesOutAt: Date | null;
  /** Set by GET /gateway/delete_outbox when it was dropped before going out. */
  droppedAt: Date | null = null;
  readonly reportsStatus: boolean;
  readonly unreachable: boolean;
  readonly requestId: number | null;
  /** The operator's read mark of a message from the client. */
  markedRead: boolean;
  readonly #timeline: DeliveryTimeline;

  constructor(init: MessageInit, timeline: DeliveryTimeline) {
    this.id = init.id;
    this.clientId = init.clientId;
    this.type = init.type;
    this.text = init.text;
    this.attachment = init.attachment;
    this.coordinates = init.coordinates;
    this.transport = init.transport;
    this.channelId = init.channelId;
    this.dialogId = init.dialogId;
    this.operatorId = init.operatorId;
    this.acceptedAt = init.acceptedAt;
    this.goesOutAt = init.goesOutAt;
    this.reportsStatus = init.reportsStatus;
    this.unreachable = init.unreachable;
    this.requestId = init.requestId;
    this.markedRead = init.type !== 'from_client';
    this.#timeline = timeline;
  }

  /** When it went out, as of the business clock now; null while held, when dropped, or never sent. */
  get sentAt(): Date | null {
    if (this.goesOutAt === null || this.droppedAt !== null) return null;
    return this.goesOutAt.getTime() <= this.#timeline.clock.now().getTime() ? this.goesOutAt : null;
  }

  get isHeld(): boolean {
    return this.goesOutAt !== null && this.droppedAt === null && this.sentAt === null;
  }

  /** recipient_status as of now; null where the transport does not report it (and for dropped messages). */
  get recipientStatus(): RecipientStatus | null {
    if (!this.reportsStatus || this.goesOutAt === null || this.droppedAt !== null) return null;
    const sinceOut = this.#timeline.clock.now().getTime() - this.goesOutAt.getTime();
    if (sinceOut < 0) return 'pending';
    if (this.unreachable) return 'failed';
    const { deliveredAfterMs, readAfterMs } = this.#timeline.statusTimings;
    if (sinceOut >= readAfterMs) return 'read';
    if (sinceOut >= deliveredAfterMs) return 'delivered';
    return 'sent';
  }

  /** The API's `read`: outgoing messages are always read, except where the transport reports status. */
  get read(): boolean {
    if (this.type === 'from_client') return this.markedRead;
    if (this.reportsStatus && this.goesOutAt !== null) return this.recipientStatus === 'read';
    return true;
  }
}
