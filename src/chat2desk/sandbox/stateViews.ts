import type { SandboxContext } from './context.js';
import type { SandboxClient, SandboxMessage } from './models.js';
import { monthlyQuotaOf } from './options.js';
import type { SandboxWebhook } from './webhookRegistry.js';

/** JSON of the in-memory state for GET /sandbox/state: ISO times, camelCase, everything tests assert on. */

export function clientSnapshot(c: SandboxClient) {
  return {
    id: c.id,
    phone: c.phone,
    externalId: c.externalId,
    name: c.name,
    assignedName: c.assignedName,
    createdAt: c.createdAt.toISOString(),
    transports: c.transports.map((t) => ({
      channelId: t.channelId,
      transport: t.transport,
      addedAt: t.addedAt.toISOString(),
      addedVia: t.addedVia,
      firstInboundAt: t.firstInboundAt?.toISOString() ?? null,
    })),
    openDialogId: c.openDialog?.id ?? null,
  };
}

export function messageSnapshot(m: SandboxMessage) {
  return {
    id: m.id,
    clientId: m.clientId,
    type: m.type,
    text: m.text,
    attachment: m.attachment,
    transport: m.transport,
    channelId: m.channelId,
    dialogId: m.dialogId,
    operatorId: m.operatorId,
    acceptedAt: m.acceptedAt.toISOString(),
    goesOutAt: m.goesOutAt?.toISOString() ?? null,
    sentAt: m.sentAt?.toISOString() ?? null,
    droppedAt: m.droppedAt?.toISOString() ?? null,
    recipientStatus: m.recipientStatus,
    read: m.read,
    requestId: m.requestId,
  };
}

/** ?client_id= narrows clients and messages to one client. */
export function stateSnapshot(ctx: SandboxContext, clientId: number | undefined) {
  const { state } = ctx;
  const clients =
    clientId === undefined ? state.clientList : [state.client(clientId)].filter((c) => c !== undefined);
  const messages = clientId === undefined ? state.messages : state.messagesOf(clientId);
  let held = 0;
  let sent = 0;
  let dropped = 0;
  for (const m of state.messages) {
    if (m.droppedAt !== null) dropped++;
    else if (m.isHeld) held++;
    else if (m.sentAt !== null) sent++;
  }
  return {
    now: ctx.clock.now().toISOString(),
    counts: { clients: state.clients.size, messages: state.messages.length, sent, held, dropped },
    clients: clients.map(clientSnapshot),
    messages: messages.map(messageSnapshot),
    dialogs: state.dialogs
      .filter((d) => clientId === undefined || d.clientId === clientId)
      .map((d) => ({ ...d, begin: d.begin.toISOString(), end: d.end?.toISOString() ?? null })),
    company: { ...state.company },
    webhooks: state.webhooks.list().map(webhookSnapshot),
  };
}

export function webhookSnapshot(h: SandboxWebhook) {
  return {
    id: h.id,
    name: h.name,
    url: h.url,
    events: [...h.events],
    channels: h.channels,
    status: h.status,
    createdAt: h.createdAt.toISOString(),
    failingSince: h.failingSince?.toISOString() ?? null,
    disabledAt: h.disabledAt?.toISOString() ?? null,
    errors: h.errors.map((e) => ({ at: e.at.toISOString(), event: e.event, message: e.message })),
  };
}

export function statsSnapshot(ctx: SandboxContext) {
  const { state, settings } = ctx;
  const quota = monthlyQuotaOf(settings);
  return {
    now: ctx.clock.now().toISOString(),
    requestCount: state.requestCount,
    requestsThisMonth: state.requestsThisMonth(),
    monthlyQuota: Number.isFinite(quota) ? quota : null,
    mode: settings.mode,
    busiestSecond: state.requestsInBusiestSecond(),
    // Real arrival times of the first and last API request: with requestCount, the achieved rate.
    firstRequestAt: isoOrNull(state.requests.realTimes()[0]),
    lastRequestAt: isoOrNull(state.requests.realTimes().at(-1)),
    perPath: state.requests.routeCounts(),
    perStatus: state.requests.statusCounts(),
  };
}

const isoOrNull = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
