import type { SandboxClient, SandboxDialog, SandboxMessage, SandboxOperator } from './models.js';
import { formatApiTime, formatApiTimeOrNull } from './time.js';

/** JSON shapes of the API's answers, field for field as manual v1.08 shows them. */

export function messageItem(m: SandboxMessage): Record<string, unknown> {
  return {
    id: m.id,
    text: m.text,
    photo: m.attachment,
    coordinates: m.coordinates,
    transport: m.transport,
    type: m.type,
    read: m.read,
    created: formatApiTime(m.acceptedAt),
    client_id: m.clientId,
    recipient_status: m.recipientStatus,
  };
}

/** GET /v1/messages/<id> adds dialog_id, operator_id and channel_id. */
export function messageDetail(m: SandboxMessage): Record<string, unknown> {
  return { ...messageItem(m), dialog_id: m.dialogId, operator_id: m.operatorId, channel_id: m.channelId };
}

export function clientItem(c: SandboxClient): Record<string, unknown> {
  return {
    id: c.id,
    comment: c.comment,
    assigned_name: c.assignedName,
    phone: c.phone,
    name: c.name,
    avatar: null,
    region_id: null,
    country_id: c.countryId,
  };
}

/**
 * One client with first/last client message. A client created through the API has not written yet;
 * the manual's example then shows its creation time in both, and so does the sandbox.
 */
export function clientDetail(c: SandboxClient): Record<string, unknown> {
  return {
    ...clientItem(c),
    extra_comment_1: c.extraComments[0],
    extra_comment_2: c.extraComments[1],
    extra_comment_3: c.extraComments[2],
    first_client_message: formatApiTime(c.firstClientMessageAt ?? c.createdAt),
    last_client_message: formatApiTime(c.lastClientMessageAt ?? c.createdAt),
  };
}

/** The answer of POST /v1/clients (manual: no comment field). */
export function createdClient(c: SandboxClient): Record<string, unknown> {
  return {
    id: c.id,
    assigned_name: c.assignedName,
    phone: c.phone,
    name: c.name,
    avatar: null,
    region_id: null,
    country_id: c.countryId,
    first_client_message: formatApiTime(c.firstClientMessageAt ?? c.createdAt),
    last_client_message: formatApiTime(c.lastClientMessageAt ?? c.createdAt),
  };
}

export function dialogItem(d: SandboxDialog): Record<string, unknown> {
  return {
    id: d.id,
    state: d.state,
    begin: formatApiTime(d.begin),
    end: formatApiTimeOrNull(d.end),
    operator_id: d.operatorId,
  };
}

export function operatorItem(o: SandboxOperator): Record<string, unknown> {
  return {
    id: o.id,
    email: o.email,
    phone: o.phone,
    role: o.role,
    online: o.online,
    offline_type: o.offlineType,
    first_name: o.firstName,
    last_name: o.lastName,
    last_visit: formatApiTime(o.lastVisit),
  };
}
