import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Message } from '../chat2desk/types.js';
import type { Sql } from '../db/database.js';
import type { Chat2DeskGate } from './chat2deskGate.js';
import { parseChat2DeskTime } from './chat2deskTime.js';

/** How far Chat2Desk's clock may be from ours when matching a message to the send that made it. */
const CLOCK_SKEW_MS = 10 * 60_000;
/** One page: the live service ignores `offset` on messages, and 200 (its cap) covers any one client's recent past. */
const PAGE = 200;

/**
 * After an answer was lost (time-out, dropped connection, crash between sending and recording), asks
 * Chat2Desk whether it holds our message: the client's outgoing messages with our exact text, created
 * since we started sending, and not already recorded for another delivery. This is what makes a
 * resend safe: without such a message, nothing reached the client.
 */
export async function findAcceptedMessage(
  deps: { client: Chat2DeskClient; gate: Chat2DeskGate; sql: Sql },
  delivery: { id: string; chat2deskClientId: string; renderedText: string; sendingAt: Date },
): Promise<Message | undefined> {
  const since = delivery.sendingAt.getTime() - CLOCK_SKEW_MS;
  const clientId = Number(delivery.chat2deskClientId);
  const result = await deps.gate.call(() =>
    deps.client.listMessages({ clientId, type: 'to_client', order: 'desc', limit: PAGE }),
  );
  const candidates = result.data.filter(
    (m) =>
      m.text === delivery.renderedText &&
      (parseChat2DeskTime(m.created)?.getTime() ?? Number.POSITIVE_INFINITY) >= since,
  );
  if (candidates.length === 0) return undefined;
  const taken = await deps.sql<{ id: string }[]>`
    select chat2desk_message_id::text as id from deliveries
    where chat2desk_message_id = any(${candidates.map((m) => String(m.id))}::bigint[]) and id <> ${delivery.id}`;
  const takenIds = new Set(taken.map((t) => t.id));
  // The oldest unclaimed match: the first of our attempts that got through.
  return candidates.reverse().find((m) => !takenIds.has(String(m.id)));
}
