import type { Chat2DeskClient } from '../chat2desk/client.js';
import { Chat2DeskClientCreationDisabledError, Chat2DeskValidationError } from '../chat2desk/errors.js';
import type { ClientCreationTransport } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Chat2DeskGate } from './chat2deskGate.js';
import {
  type ClientCreationFact,
  readClientCreationFact,
  rememberClientCreation,
} from './sql/clientCreationFact.js';
import { recordChat2DeskClient } from './sql/recordChat2DeskClient.js';

const CREATABLE_TRANSPORTS: readonly string[] = ['whatsapp', 'viber', 'sms'];

/** Who is to be reached, and how: a claimed delivery, or a campaign's test message to one contact. */
export interface Chat2DeskClientTarget {
  /** The delivery, for logs; absent for a test message. */
  id?: string;
  contactId: number;
  phone: string;
  transport: string;
  channelId: number | null;
  /** The client id recorded on the contact, and the transports the engine put it on. */
  contactClientId: string | null;
  contactTransports: string[] | null;
  whatsappAddedAt: Date | null;
  /** A client id recorded on the delivery by an earlier attempt. */
  chat2deskClientId?: string | null;
}

export interface ClientResolutionDeps {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  logger?: Logger;
  clock?: Clock;
}

export interface ResolvedChat2DeskClient {
  clientId: string;
  /** When the engine put the client on WhatsApp: the new-client delay counts from here. */
  whatsappAddedAt: Date | null;
}

/** A refusal to create clients is believed this long, then creation is tried once more. */
export const CLIENT_CREATION_RECHECK_MS = 24 * 60 * 60 * 1000;

/**
 * The contact's Chat2Desk client on the delivery's transport, created (POST /v1/clients) when not
 * known yet, else looked up by phone. Null when Chat2Desk has no such client and may not create one.
 * Creation switched off for the account (the manual's default) is learnt from its refusal and
 * remembered for a day, so later contacts are looked up at once instead of asking again.
 */
export async function ensureChat2DeskClient(
  deps: ClientResolutionDeps,
  d: Chat2DeskClientTarget,
  now: Date,
): Promise<ResolvedChat2DeskClient | null> {
  const knownId = d.contactClientId ?? d.chat2deskClientId;
  const transports = d.contactTransports ?? [];
  if (knownId && transports.includes(d.transport)) {
    return { clientId: knownId, whatsappAddedAt: d.whatsappAddedAt };
  }
  // A client the engine found (its directory, a lookup) rather than created: written to as it is, with
  // no new-client delay; if it is not on the transport, the send's refusal adds it (addTransportAfterRefusal).
  if (knownId && transports.length === 0) return { clientId: knownId, whatsappAddedAt: null };
  if (CREATABLE_TRANSPORTS.includes(d.transport)) {
    const fact = await readClientCreationFact(deps.sql);
    if (!creationKnownOff(fact, now)) {
      const created = await createClient(deps, d, now, fact);
      if (created) return created;
    }
  }
  if (knownId) return { clientId: knownId, whatsappAddedAt: d.whatsappAddedAt };
  const found = await deps.gate.call(() => deps.client.findClientByPhone(d.phone));
  if (!found) return null;
  await recordChat2DeskClient(deps.sql, {
    contactId: d.contactId,
    clientId: found.id,
    addedTransport: null,
    now,
  });
  // Not created by us: no new-client delay, whatever its transports.
  return { clientId: String(found.id), whatsappAddedAt: null };
}

/**
 * After Chat2Desk refused a message to a client the engine found but never put on this transport:
 * POST /v1/clients adds the transport to the existing client (recorded, with the WhatsApp delay from
 * now). False when that cannot help: the transport is not creatable, or creation is switched off.
 */
export async function addTransportAfterRefusal(
  deps: ClientResolutionDeps,
  d: Chat2DeskClientTarget,
  now: Date,
): Promise<boolean> {
  if ((d.contactTransports ?? []).includes(d.transport) || !CREATABLE_TRANSPORTS.includes(d.transport))
    return false;
  const fact = await readClientCreationFact(deps.sql);
  if (creationKnownOff(fact, now)) return false;
  return (await createClient(deps, d, now, fact)) !== null;
}

function creationKnownOff(fact: ClientCreationFact | null, now: Date): boolean {
  return (
    fact !== null && !fact.allowed && now.getTime() - fact.learntAt.getTime() < CLIENT_CREATION_RECHECK_MS
  );
}

/** POST /v1/clients, Chat2Desk's upsert; null when it refused (the caller looks the phone up instead). */
async function createClient(
  deps: ClientResolutionDeps,
  d: Chat2DeskClientTarget,
  now: Date,
  fact: ClientCreationFact | null,
): Promise<ResolvedChat2DeskClient | null> {
  try {
    // An existing client keeps its id and gains the transport.
    const created = await deps.gate.call(() =>
      deps.client.createClient({
        phone: d.phone,
        transport: d.transport as ClientCreationTransport,
        ...(d.channelId !== null ? { channelId: d.channelId } : {}),
      }),
    );
    // Chat2Desk added the client when the request reached it, which can be long after `now` (the
    // rate limiter's wait): the WhatsApp delay counts from the answer, never from before the request.
    const answeredAt = deps.clock?.now() ?? now;
    if (fact !== null && !fact.allowed) {
      await rememberClientCreation(deps.sql, true, answeredAt);
      deps.logger?.info('Chat2Desk creates clients again for this account');
    }
    const recorded = await recordChat2DeskClient(deps.sql, {
      contactId: d.contactId,
      clientId: created.id,
      addedTransport: d.transport,
      now: answeredAt,
    });
    return { clientId: String(created.id), whatsappAddedAt: recorded.whatsappAddedAt };
  } catch (error) {
    if (error instanceof Chat2DeskClientCreationDisabledError) {
      await rememberClientCreation(deps.sql, false, deps.clock?.now() ?? now);
      if (fact === null || fact.allowed) {
        deps.logger?.warn(
          { apiMessage: error.apiMessage },
          'Chat2Desk refuses to create clients for this account (its default until support enables it): ' +
            'contacts are looked up by phone, and those unknown to Chat2Desk are skipped (client_not_in_chat2desk); ' +
            'creation is tried again in a day',
        );
      }
      return null;
    }
    // Another refusal (a phone the transport cannot take, say): a client who wrote first is still reachable.
    if (!(error instanceof Chat2DeskValidationError)) throw error;
    deps.logger?.debug({ deliveryId: d.id, err: error }, 'client creation refused; looking the phone up');
    return null;
  }
}
