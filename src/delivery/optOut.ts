import type { Sql } from '../db/database.js';
import { REASONS } from './states.js';

/** What a client writes to stop messages, in the languages our users' clients write in. */
const STOP_WORDS = new Set([
  'stop',
  'stopall',
  'stop all',
  'unsubscribe',
  'cancel',
  'end',
  'quit',
  'optout',
  'opt out',
  'стоп',
  'stop рассылка',
  'стоп рассылка',
  'отписаться',
  'отписка',
  'отпишите',
  'отменить подписку',
  'не присылайте',
  'хватит',
]);

/** Whether a reply asks to stop: the whole message is a stop word, whatever its case and punctuation. */
export function isStopMessage(text: string | null | undefined): boolean {
  if (!text) return false;
  const normalised = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return STOP_WORDS.has(normalised);
}

/**
 * Opts a contact out and, in the same transaction, skips every delivery of theirs not yet sent: the
 * worker's move to `sending` is guarded by the state, so none of them can go out after this commits.
 */
export async function optOutContact(
  sql: Sql,
  who: { contactId?: number; chat2deskClientId?: number | string; phone?: string },
  options: { reason: string; now: Date },
): Promise<{ contactIds: number[]; deliveriesSkipped: number }> {
  return sql.begin(async (tx) => {
    const contacts = await tx<{ id: number }[]>`
      update contacts set
        opted_out_at = coalesce(opted_out_at, ${options.now}),
        opt_out_reason = coalesce(opt_out_reason, ${options.reason}),
        updated_at = ${options.now}
      where ${
        who.contactId !== undefined
          ? tx`id = ${who.contactId}`
          : who.chat2deskClientId !== undefined
            ? tx`chat2desk_client_id = ${String(who.chat2deskClientId)}`
            : tx`phone = ${who.phone ?? ''}`
      }
      returning id`;
    const ids = contacts.map((c) => c.id);
    if (ids.length === 0) return { contactIds: [], deliveriesSkipped: 0 };
    const skipped = await tx`
      with moved as (
        update deliveries d set state = 'skipped', reason = ${REASONS.optedOut}, skipped_at = ${options.now},
          updated_at = ${options.now}, locked_by = null, locked_at = null
        from (select id, state from deliveries where contact_id = any(${ids}::int[]) and state in ('queued', 'waiting')
              for update) before
        where d.id = before.id
        returning d.id, before.state as from_state
      )
      insert into delivery_events (delivery_id, from_state, to_state, reason, at)
      select id, from_state, 'skipped', ${REASONS.optedOut}, ${options.now} from moved
      returning id`;
    return { contactIds: ids, deliveriesSkipped: skipped.length };
  });
}
