/**
 * Wire types of the Chat2Desk API v1 (manual v1.08 plus what is known of the live service, see
 * `chat2desk-api/REFERENCE.md`). Field names are the API's own (snake_case); only the options the
 * client takes are camelCase. Fields the live service adds beyond v1.08 are optional.
 */

/** Open unions: the named values are known, the live service may answer others. */
type Open<T extends string> = T | (string & {});

/** REST timestamp as the API writes it, e.g. `"2016-01-11T19:45:05 UTC"`. */
export type Chat2DeskTimestamp = string;

export type KnownTransport =
  | 'whatsapp'
  | 'viber'
  | 'vkontakte'
  | 'facebook'
  | 'telegram'
  | 'sms'
  | 'external'
  | 'wa_dialog'
  | 'viber_public'
  | 'viber_business'
  | 'widget'
  | 'email';
export type Transport = Open<KnownTransport>;

/** The only transports `POST /v1/clients` accepts. */
export type ClientCreationTransport = 'whatsapp' | 'viber' | 'sms';

export type MessageType = Open<
  'to_client' | 'from_client' | 'autoreply' | 'system' | 'comment' | 'from_system'
>;

/** Types a sender may ask for in `POST /v1/messages`. */
export type OutgoingMessageType = 'to_client' | 'autoreply' | 'system';

/** Delivery status of a sent message; filled only for Viber Business/Public and the widget. */
export type RecipientStatus = Open<'sent' | 'delivered' | 'read' | 'failed'>;

export type DialogState = Open<'open' | 'closed'>;

export type ApiModeName = Open<'disabled' | 'demo' | 'normal' | 'unlimited'>;

export type OperatorRole = Open<'unconfirmed' | 'operator' | 'supervisor' | 'admin' | 'disabled' | 'deleted'>;

export interface ListMeta {
  total: number;
  limit: number;
  offset: number;
}

/** One page of a list: the items and where the page sits in the whole list. */
export interface ListResult<T> {
  data: T[];
  meta: ListMeta;
}

/** The envelope every answer comes in; `status` decides success, whatever the HTTP code. */
export interface SuccessEnvelope<T> {
  status: 'success';
  data: T;
  meta?: ListMeta;
}

export interface ErrorEnvelope {
  status: 'error';
  message?: string;
  errors?: unknown;
}

export type Envelope<T> = SuccessEnvelope<T> | ErrorEnvelope;

// --- messages ---

/** A message as listed by `GET /v1/messages`. */
export interface Message {
  id: number;
  text: string | null;
  photo: string | null;
  coordinates: string | null;
  transport: Transport;
  type: MessageType;
  /** Read by an operator; the live service may answer 0/1. */
  read: boolean | 0 | 1;
  created: Chat2DeskTimestamp;
  client_id: number;
  recipient_status?: RecipientStatus | null;
  vb_bus_id?: string | null;
  /** Present on single-message answers; some versions include them in lists too. */
  dialog_id?: number | null;
  operator_id?: number | null;
  channel_id?: number | null;
}

/** `GET /v1/messages/<id>`: the list fields plus dialog, operator and channel. */
export interface MessageDetails extends Message {
  dialog_id: number | null;
  operator_id: number | null;
  channel_id: number | null;
}

export interface SendMessageInput {
  clientId: number;
  /** Required unless `attachment` is given. */
  text?: string;
  /** URL of a photo or PDF. */
  attachment?: string;
  /** Default `to_client`; `system` is not sent to the client. */
  type?: OutgoingMessageType;
  /** Default: the transport of the client's last message. */
  transport?: Transport;
  /** Default: the channel of the client's last message. */
  channelId?: number;
  /** Reassigns the dialog when it differs from its current operator. */
  operatorId?: number;
  /** Newer versions: whether sending opens a dialog (default true). */
  openDialog?: boolean;
  /** Newer versions: the sender's own id for the message. */
  externalId?: string;
}

/** The answer of `POST /v1/messages`; the v1.08 answer has no message, dialog or request id. */
export interface SendMessageResult {
  channel_id: number;
  operator_id: number | null;
  transport: Transport;
  type: MessageType;
  client_id: number;
  message_id?: number;
  dialog_id?: number;
  request_id?: number;
}

/** A client's identity on an external channel: exactly one of `id` (not a phone) or `phone`. */
export type InboxClientRef = { id: string; phone?: never } | { phone: string; id?: never };

export interface InboxMessageInput {
  channelId: number;
  fromClient: InboxClientRef & { nickname?: string };
  body?: string;
  image?: string;
  video?: string;
  /** `"lat lng"`. */
  location?: string;
}

/** The manual does not describe the answers of these commands; whatever `data` holds. */
export type CommandResult = Record<string, unknown> | null;

// --- companies ---

export interface ApiInfo {
  mode: ApiModeName;
  hook: string | null;
  current_version: number;
  requests_this_month: number;
  channels: number;
  company_name: string;
  /** Newer versions: the chat-close web hook. */
  chat_close_hook?: string | null;
}

export interface ApiMode {
  name: ApiModeName;
  description: string;
}

// --- web hooks (today's /v1/webhooks, beyond v1.08; an account without them answers 404) ---

/** Events a web hook subscribes to (Chat2Desk's documentation of webhooks (POST) and its changelog). */
export type WebhookEventName = Open<
  | 'inbox'
  | 'outbox'
  | 'outbox_status'
  | 'close_dialog'
  | 'new_client'
  | 'client_updated'
  | 'client_added_to_blacklist'
  | 'new_ticket'
  | 'ticket_updated'
  | 'ticket_deleted'
  | 'imported_message'
>;

/** A hook whose deliveries have failed for 5 hours is switched off by the service. */
export type WebhookStatus = Open<'active' | 'disabled'>;

/** One of the company's web hooks (at most five), as `GET /v1/webhooks` lists it. */
export interface Webhook {
  id: number;
  name: string;
  url: string;
  events: WebhookEventName[];
  /** Only events of these channels; null or absent: every channel. */
  channels?: number[] | null;
  status?: WebhookStatus;
  /** Recent failed deliveries, newest last. */
  errors?: Array<{ event_time?: string; hook_type?: string; error?: string }>;
}

export interface CreateWebhookInput {
  name: string;
  url: string;
  events: WebhookEventName[];
  channels?: number[];
}

/** What to change; setting a switched-off hook again switches it back on. */
export type UpdateWebhookInput = Partial<CreateWebhookInput>;

// --- clients ---

export interface Client {
  id: number;
  comment?: string | null;
  assigned_name: string | null;
  phone: string | null;
  name: string | null;
  avatar: string | null;
  region_id: number | null;
  country_id: number | null;
  extra_comment_1?: string | null;
  extra_comment_2?: string | null;
  extra_comment_3?: string | null;
}

/** `GET /v1/clients/<id>` and `POST /v1/clients` add the first and last client message times. */
export interface ClientDetails extends Client {
  first_client_message: Chat2DeskTimestamp | null;
  last_client_message: Chat2DeskTimestamp | null;
}

/** `GET /v1/clients/<id>/transport`: the channels and transports usable to answer the client. */
export interface ClientTransport {
  channel_id: number;
  transports: Transport[];
}

export interface CreateClientInput {
  /** Digits with the country code, no symbols or spaces. */
  phone: string;
  transport: ClientCreationTransport;
  /** Default: the company's first channel; it must support the transport. */
  channelId?: number;
}

export interface UpdateClientInput {
  /** The assigned name; `null` removes it. */
  nickname?: string | null;
  comment?: string | null;
  extraComment1?: string | null;
  extraComment2?: string | null;
  extraComment3?: string | null;
}

/** A script menu item (question) sent to a client. */
export interface Question {
  id: number;
  text: string | null;
  image: string | null;
  /** When it was sent, on `GET /v1/clients/<id>/questions`. */
  created?: Chat2DeskTimestamp;
}

// --- operators, dialogs ---

export interface Operator {
  id: number;
  email: string | null;
  phone: string | null;
  role: OperatorRole;
  online: boolean;
  offline_type?: string | null;
  first_name: string | null;
  last_name: string | null;
  last_visit: Chat2DeskTimestamp | null;
}

export interface Dialog {
  id: number;
  state: DialogState;
  begin: Chat2DeskTimestamp;
  end: Chat2DeskTimestamp | null;
  operator_id: number | null;
  client_id?: number;
}

export interface UpdateDialogInput {
  operatorId?: number;
  state?: 'open' | 'closed';
}

// --- reference lists ---

export interface Channel {
  id: number;
  name: string;
  phone: string | null;
  transports: Transport[];
}

export interface Region {
  id: number;
  country: string;
  region: string;
}

export interface Country {
  id: number;
  name: string;
}

export type Support = 'yes' | 'no';

export interface AttachmentSupport {
  text: Support;
  image: Support;
  audio: Support;
  pdf: Support;
  video: Support;
  location: Support;
}

/** `GET /v1/help/transports`: per transport, what may be received from and sent to a client. */
export type TransportsHelp = Record<
  string,
  {
    from_client: AttachmentSupport;
    to_client: AttachmentSupport;
  }
>;

// --- list filters (camelCase here, snake_case on the wire) ---

export interface Paging {
  /** Default 20, capped at 200 by the service. */
  limit?: number;
  offset?: number;
}

export interface MessageFilters extends Paging {
  transport?: Transport;
  channelId?: number;
  clientId?: number;
  type?: 'to_client' | 'from_client';
  dialogId?: number;
  /** Read by an operator. */
  read?: boolean;
  /** The live service ignores `offset` on messages and pages by id: ids >= startId. */
  startId?: number;
  order?: 'asc' | 'desc';
  /** Sent as `dd-mm-yyyy` (UTC calendar date). */
  startDate?: Date;
  finishDate?: Date;
}

export interface OperatorFilters extends Paging {
  phone?: string;
  email?: string;
  online?: boolean;
}

export interface DialogFilters extends Paging {
  operatorId?: number;
  state?: 'open' | 'closed';
}

export interface ChannelFilters extends Paging {
  phone?: string;
}

export interface DateRange {
  /** Sent as `dd-mm-yyyy` (UTC calendar date). */
  startDate?: Date;
  finishDate?: Date;
}
