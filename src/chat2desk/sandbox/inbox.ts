import type { SandboxContext } from './context.js';
import { ApiError } from './http.js';
import type { SandboxClient, SandboxMessage } from './models.js';
import { messageItem } from './views.js';

export interface IncomingContent {
  text: string | null;
  attachment?: string | null;
  coordinates?: string | null;
  transport?: string;
  channelId?: number;
}

/**
 * A client writes to the company: stored as a from_client message (unread, in the open dialog if any),
 * and it makes the client reachable on that transport. Returns the message and the web hook delivery:
 * whether the v1.08 hook got it, once that and today's hooks' first attempts are over.
 */
export function receiveClientMessage(
  ctx: SandboxContext,
  client: SandboxClient,
  content: IncomingContent,
): { message: SandboxMessage; hookDelivery: Promise<boolean> } {
  const { state } = ctx;
  const route = chooseInboundRoute(ctx, client, content.transport, content.channelId);
  const known = state.addClientTransport(client, route.channelId, route.transport, 'client');
  const now = ctx.clock.now();
  known.firstInboundAt ??= now;
  const dialog = client.openDialog;
  const message = state.addMessage({
    clientId: client.id,
    type: 'from_client',
    text: content.text,
    attachment: content.attachment ?? null,
    coordinates: content.coordinates ?? null,
    transport: route.transport,
    channelId: route.channelId,
    dialogId: dialog?.id ?? null,
    operatorId: dialog?.operatorId ?? null,
    acceptedAt: now,
    goesOutAt: null,
    reportsStatus: false,
    unreachable: false,
    requestId: null,
  });
  client.unreadFromClient.add(message);
  client.firstClientMessageAt ??= now;
  client.lastClientMessageAt = now;
  client.lastInbound = { channelId: route.channelId, transport: route.transport };
  const hookDelivery = Promise.all([
    notifyWebhook(ctx, client, message),
    ctx.hooks.clientWrote(client, message),
  ]).then(([legacyDelivered]) => legacyDelivered);
  return { message, hookDelivery };
}

/**
 * A client (by id, or by phone — a new phone is a new client writing in) sends `text`; resolves once
 * the web hook delivery has been attempted.
 */
export async function replyAsClient(
  ctx: SandboxContext,
  clientIdOrPhone: number | string,
  text: string,
  opts: { transport?: string; channelId?: number } = {},
): Promise<SandboxMessage> {
  const { state } = ctx;
  let client: SandboxClient | undefined;
  if (typeof clientIdOrPhone === 'number') {
    client = state.client(clientIdOrPhone);
    if (!client) throw ApiError.notFound(`Client ${clientIdOrPhone} not found`);
  } else {
    const phone = clientIdOrPhone.replace(/\D/g, '');
    if (!/^\d{7,15}$/.test(phone)) throw ApiError.invalid('phone', 'digits with the country code');
    client = state.clientByPhone(phone);
    if (!client) {
      chooseInboundRoute(ctx, undefined, opts.transport, opts.channelId); // fails before a client is made
      client = state.addClient({ phone });
    }
  }
  const { message, hookDelivery } = receiveClientMessage(ctx, client, { text, ...opts });
  await hookDelivery;
  return message;
}

/** The web hook payload: the messages (GET) item, type from_client, plus client and event_time. */
export function webhookPayload(ctx: SandboxContext, client: SandboxClient, message: SandboxMessage) {
  return {
    ...messageItem(message),
    channel_id: message.channelId,
    dialog_id: message.dialogId,
    client: { id: client.id, phone: client.phone, name: client.name },
    event_time: ctx.clock.now().toISOString(),
  };
}

function notifyWebhook(
  ctx: SandboxContext,
  client: SandboxClient,
  message: SandboxMessage,
): Promise<boolean> {
  const url = ctx.state.company.hookUrl;
  if (url === null) return Promise.resolve(false);
  return ctx.webhooks.deliver(url, webhookPayload(ctx, client, message));
}

/** As given, else where the client last wrote from, else its first transport, else the first channel's. */
function chooseInboundRoute(
  ctx: SandboxContext,
  client: SandboxClient | undefined,
  transport: string | undefined,
  channelId: number | undefined,
): { channelId: number; transport: string } {
  const { state } = ctx;
  const candidates = [
    ...(client?.lastInbound ? [client.lastInbound] : []),
    ...(client?.transports ?? []),
    ...state.channels.flatMap((c) => c.transports.map((t) => ({ channelId: c.id, transport: t }))),
  ];
  const route = candidates.find(
    (c) =>
      (transport === undefined || c.transport === transport) &&
      (channelId === undefined || c.channelId === channelId) &&
      state.channel(c.channelId)?.transports.includes(c.transport),
  );
  if (!route) {
    const what = `${transport ?? 'a transport'}${channelId === undefined ? '' : ` in channel ${channelId}`}`;
    throw ApiError.invalid(
      transport === undefined ? 'channel_id' : 'transport',
      `no channel supports ${what}`,
    );
  }
  return { channelId: route.channelId, transport: route.transport };
}
