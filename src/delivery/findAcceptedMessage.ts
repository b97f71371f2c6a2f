import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Message } from '../chat2desk/types.js';
import type { Sql } from '../db/database.js';
import type { Chat2DeskGate } from './chat2deskGate.js';
import { parseChat2DeskTime } from './chat2deskTime.js';

/** How far Chat2Desk's clock may be from ours when matching a message to the send that made it. */
const CLOCK_SKEW_MS = 10 * 60_000;
/** A page: 200 is the service's cap. */
const PAGE = 200;
/** Paging forward stops here: a client with more outgoing messages than this is read no further. */
const MAX_PAGES = 50;

/**
 * After an answer was lost (time-out, dropped connection, crash between sending and recording), asks
 * Chat2Desk whether it holds our message: the client's outgoing messages with our exact text (none,
 * for a file sent alone; the @HSM@ markup, for a WhatsApp template), created since we started sending,
 * and not already recorded for another delivery. This is what makes a resend safe: without such a
 * message, nothing reached the client.
 */
export async function findAcceptedMessage(
  deps: { client: Chat2DeskClient; gate: Chat2DeskGate; sql: Sql },
  delivery: { id: string; chat2deskClientId: string; renderedText: string; sendingAt: Date },
): Promise<Message | undefined> {
  const since = delivery.sendingAt.getTime() - CLOCK_SKEW_MS;
  const recent = await recentOutgoing(deps, Number(delivery.chat2deskClientId), since);
  // A file sent alone is recorded with an empty text and may be listed with none. Its `photo` is not
  // compared: the service may list its own copy of the file, and a false "not sent" would send twice.
  const candidates = recent.filter((m) => (m.text ?? '') === delivery.renderedText);
  if (candidates.length === 0) return undefined;
  const taken = await deps.sql<{ id: string }[]>`
    select chat2desk_message_id::text as id from deliveries
    where chat2desk_message_id = any(${candidates.map((m) => String(m.id))}::bigint[]) and id <> ${delivery.id}`;
  const takenIds = new Set(taken.map((t) => t.id));
  // The oldest unclaimed match: the first of our attempts that got through.
  return candidates.reverse().find((m) => !takenIds.has(String(m.id)));
}

/**
 * The client's outgoing messages created since `since`, newest first. Asks for the newest page
 * (`order=desc`); a service that ignores `order` (and `offset`, as the live one is reported to) answers
 * the oldest instead, so a full page in ascending order is followed forward by `start_id` until the end.
 */
async function recentOutgoing(
  deps: { client: Chat2DeskClient; gate: Chat2DeskGate },
  clientId: number,
  since: number,
): Promise<Message[]> {
  const isRecent = (m: Message) =>
    (parseChat2DeskTime(m.created)?.getTime() ?? Number.POSITIVE_INFINITY) >= since;
  const list = (
    filters: Omit<Parameters<Chat2DeskClient['listMessages']>[0], 'clientId' | 'type' | 'limit'>,
  ) =>
    deps.gate.call(() => deps.client.listMessages({ clientId, type: 'to_client', limit: PAGE, ...filters }));
  let page = (await list({ order: 'desc' })).data;
  const ascending = page.length > 1 && page[0]!.id < page.at(-1)!.id;
  if (!ascending || page.length < PAGE) return page.filter(isRecent).sort((a, b) => b.id - a.id);
  const found: Message[] = page.filter(isRecent);
  for (let pages = 1; pages < MAX_PAGES && page.length === PAGE; pages++) {
    const after = page.reduce((max, m) => Math.max(max, m.id), 0);
    page = (await list({ startId: after + 1, order: 'asc' })).data.filter((m) => m.id > after);
    found.push(...page.filter(isRecent));
  }
  return found.sort((a, b) => b.id - a.id);
}
