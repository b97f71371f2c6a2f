import type { SandboxContext } from './context.js';
import { ApiError } from './http.js';
import type { ClientTransport, MessageType, SandboxClient, SandboxDialog, SandboxMessage } from './models.js';
import { formatApiTime } from './time.js';
import { messageItem } from './views.js';

export type OutgoingType = Exclude<MessageType, 'from_client'>;

export interface OutgoingMessage {
  clientId: number;
  text: string | null;
  attachment: string | null;
  type: OutgoingType;
  transport?: string;
  channelId?: number;
  operatorId?: number;
  /** Newer API field, default true: whether sending opens a dialog when none is open. */
  openDialog: boolean;
}

/**
 * Accepts a message for a client, as POST /v1/messages does: picks the route (transport and channel),
 * applies the WhatsApp delay for API-created clients, and files it in the client's dialog.
 */
export function acceptOutgoingMessage(ctx: SandboxContext, out: OutgoingMessage, requestId: number | null) {
  const { state, settings } = ctx;
  const client = state.client(out.clientId);
  if (!client) throw ApiError.invalid('client_id', `client ${out.clientId} not found`);
  if (out.channelId !== undefined && !state.channel(out.channelId)) {
    throw ApiError.invalid('channel_id', `channel ${out.channelId} not found`);
  }
  if (out.operatorId !== undefined && !state.operator(out.operatorId)) {
    throw ApiError.invalid('operator_id', `operator ${out.operatorId} not found`);
  }
  const route = resolveRoute(client, out.transport, out.channelId);
  refuseMisplacedTemplate(out.text, route.transport);
  const now = ctx.clock.now().getTime();
  const goesOutAt = out.type === 'system' ? null : new Date(earliestDeparture(ctx, client, route, now));

  const dialog = fileInDialog(ctx, client, out);
  const operatorId =
    out.operatorId ?? dialog?.operatorId ?? (out.type === 'to_client' ? defaultOperatorId(ctx) : null);
  if (out.type !== 'system') {
    // Manual: answering marks the client's messages (the whole dialog) read.
    for (const unread of client.unreadFromClient) unread.markedRead = true;
    client.unreadFromClient.clear();
  }
  // Sent as `viber`, listed as the account's Viber flavour (viber_business on real accounts).
  const listedTransport = route.transport === 'viber' ? settings.viberListedAs : route.transport;
  const message = state.addMessage({
    clientId: client.id,
    type: out.type,
    text: out.text,
    attachment: out.attachment,
    coordinates: null,
    transport: listedTransport,
    channelId: route.channelId,
    dialogId: dialog?.id ?? null,
    operatorId,
    acceptedAt: new Date(now),
    goesOutAt,
    reportsStatus: goesOutAt !== null && settings.recipientStatusTransports.has(listedTransport),
    unreachable: client.phone !== null && settings.unreachablePhonePattern?.test(client.phone) === true,
    requestId,
  });
  if (route.transport === 'external' && goesOutAt !== null) notifyExternalChannel(ctx, client, message);
  ctx.hooks.messageAccepted(message);
  return message;
}

/**
 * Transport and channel: as given, else where the client last wrote from (manual), else the first
 * transport the client is known on. The pair must be one the client is known on.
 */
function resolveRoute(client: SandboxClient, transport?: string, channelId?: number): ClientTransport {
  const known = client.transports;
  const last = client.lastInbound
    ? client.transportOn(client.lastInbound.channelId, client.lastInbound.transport)
    : undefined;
  const fits = (t: ClientTransport) =>
    (transport === undefined || t.transport === transport) &&
    (channelId === undefined || t.channelId === channelId);
  const route = last && fits(last) ? last : known.find(fits);
  if (route) return route;
  if (transport === undefined && channelId === undefined) {
    throw ApiError.invalid('client_id', `client ${client.id} has no transport to write on`);
  }
  const where = channelId === undefined ? '' : ` in channel ${channelId}`;
  const field = transport === undefined ? 'channel_id' : 'transport';
  throw ApiError.invalid(
    field,
    `client ${client.id} is not known on ${transport ?? 'any transport'}${where}`,
  );
}

/**
 * A WhatsApp template (HSM) is a text in Chat2Desk's markup: `@HSM@`, then `name|language` on the
 * second line. Only a WhatsApp transport sends one; elsewhere the markup would reach the client as is.
 * The message is kept and listed with its text as sent.
 */
function refuseMisplacedTemplate(text: string | null, transport: string): void {
  if (text === null || !text.startsWith('@HSM@')) return;
  if (transport !== 'whatsapp') {
    throw ApiError.invalid('text', `an @HSM@ template message goes only over whatsapp, not ${transport}`);
  }
  const [mark, nameAndLanguage = ''] = text.split('\n');
  if (mark !== '@HSM@' || !/^[a-z0-9_]+\|[A-Za-z_]+$/.test(nameAndLanguage)) {
    throw ApiError.invalid('text', 'an @HSM@ message names its template on its second line: name|language');
  }
}

/** Business time the message goes out: now, or for a client just created with WhatsApp, creation + delay. */
function earliestDeparture(
  ctx: SandboxContext,
  client: SandboxClient,
  route: ClientTransport,
  now: number,
): number {
  if (route.transport !== 'whatsapp' || route.addedVia !== 'api' || route.firstInboundAt !== null) return now;
  const earliest = route.addedAt.getTime() + ctx.settings.whatsappDelayMs;
  if (earliest <= now) return now;
  if (ctx.settings.whatsappEarlyMessage === 'refuse') {
    const waitS = Math.ceil((earliest - now) / 1000);
    throw ApiError.invalid(
      'client_id',
      `client ${client.id} was created with WhatsApp less than ${ctx.settings.whatsappDelayMs / 1000} s ago; ` +
        `the first message can go out in ${waitS} s`,
    );
  }
  return earliest;
}

/** The open dialog (reassigned when another operator is named), or a new one when sending opens it. */
function fileInDialog(
  ctx: SandboxContext,
  client: SandboxClient,
  out: OutgoingMessage,
): SandboxDialog | null {
  const open = client.openDialog;
  if (open) {
    if (out.operatorId !== undefined && open.operatorId !== out.operatorId) open.operatorId = out.operatorId;
    else if (open.operatorId === null && out.type === 'to_client') open.operatorId = defaultOperatorId(ctx);
    return open;
  }
  if (out.type === 'system' || !out.openDialog) return null;
  // Manual: an autoreply without operator does not assign one; anything else does.
  const operatorId = out.operatorId ?? (out.type === 'autoreply' ? null : defaultOperatorId(ctx));
  return ctx.state.openDialog(client, operatorId);
}

function defaultOperatorId(ctx: SandboxContext): number | null {
  return ctx.state.operators[0]?.id ?? null;
}

/** External channels learn of outgoing messages through the web hook, as type from_system (manual). */
function notifyExternalChannel(ctx: SandboxContext, client: SandboxClient, message: SandboxMessage): void {
  const url = ctx.state.company.hookUrl;
  if (url === null) return;
  const operator = message.operatorId === null ? undefined : ctx.state.operator(message.operatorId);
  void ctx.webhooks.deliver(url, {
    ...messageItem(message),
    type: 'from_system',
    channel_id: message.channelId,
    dialog_id: message.dialogId,
    operator_id: message.operatorId,
    operator_name: operator ? [operator.firstName, operator.lastName].filter(Boolean).join(' ') : null,
    client: { id: client.id, phone: client.phone, external_id: client.externalId, name: client.name },
    event_time: ctx.clock.now().toISOString(),
    created: formatApiTime(message.acceptedAt),
  });
}
