import type postgres from 'postgres';
import type { Sql } from '../db/database.js';
import { isValidE164Digits, normalisePhone, type PhoneRegion } from '../phones/phone.js';
import { skipPendingDeliveries } from './sql/skipPendingDeliveries.js';
import { REASONS } from './states.js';

/**
 * What a client writes to stop messages, in the languages our users' clients write in: the default of
 * OPT_OUT_KEYWORDS. Compared as normaliseReply leaves them (so `Стоп!` and `STOP 🙏` are `стоп`, `stop`).
 */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = [
  'stop',
  'stopall',
  'stop all',
  'stop please',
  'please stop',
  'unsubscribe',
  'unsubscribe me',
  'cancel',
  'end',
  'quit',
  'optout',
  'opt out',
  'стоп',
  'стоп пожалуйста',
  'пожалуйста стоп',
  'stop рассылка',
  'стоп рассылка',
  'отписаться',
  'отписка',
  'отпишите',
  'отменить подписку',
  'не присылайте',
  'больше не присылайте',
  'не пишите',
  'не пишите мне',
  'больше не пишите',
  'больше не пишите мне',
  'хватит',
];

/** In OPT_OUT_KEYWORDS, the word that stands for every default keyword (`default|хватит спама`). */
export const DEFAULT_KEYWORDS_MARK = 'default';

/** A reply as it is compared: case, punctuation, emoji and extra spaces dropped, ё read as е. */
export function normaliseReply(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The words that opt a client out (OPT_OUT_KEYWORDS, else the defaults). A STOP is a whole message
 * that is one of them: "don't stop sending me deals" is not a STOP. A reply holding one among other
 * words ("стоп спам", "please stop it") only looks like one: it is not applied, but surfaced in the
 * report for a person to read.
 */
export class StopVocabulary {
  static readonly default = new StopVocabulary(DEFAULT_OPT_OUT_KEYWORDS);
  readonly #keywords: ReadonlySet<string>;

  /** `keywords` as configured; the word `default` among them stands for DEFAULT_OPT_OUT_KEYWORDS. */
  constructor(keywords: readonly string[]) {
    const expanded = keywords.flatMap((k) =>
      normaliseReply(k) === DEFAULT_KEYWORDS_MARK ? DEFAULT_OPT_OUT_KEYWORDS : [k],
    );
    this.#keywords = new Set(expanded.map(normaliseReply).filter((k) => k !== ''));
  }

  /** Whether a reply asks to stop: the whole message is a keyword, whatever its case and punctuation. */
  isStop(text: string | null | undefined): boolean {
    return !!text && this.#keywords.has(normaliseReply(text));
  }

  /** Not a STOP, but holds a keyword as whole words among others: a person should read it. */
  looksLikeStop(text: string | null | undefined): boolean {
    if (!text) return false;
    const words = normaliseReply(text);
    if (words === '' || this.#keywords.has(words)) return false;
    const padded = ` ${words} `;
    for (const keyword of this.#keywords) if (padded.includes(` ${keyword} `)) return true;
    return false;
  }
}

/** The vocabulary OPT_OUT_KEYWORDS configures (as config.ts read it), else the defaults. */
export function stopVocabularyOf(keywords: readonly string[] | undefined): StopVocabulary {
  return keywords === undefined ? StopVocabulary.default : new StopVocabulary(keywords);
}

/** Whether a reply asks to stop, in the given vocabulary (the defaults unless configured). */
export function isStopMessage(
  text: string | null | undefined,
  vocabulary: StopVocabulary = StopVocabulary.default,
): boolean {
  return vocabulary.isStop(text);
}

/** Who asked to stop: a contact of ours, or what a Chat2Desk reply tells of its client. */
export interface OptOutTarget {
  contactId?: number;
  chat2deskClientId?: number | string;
  /** As Chat2Desk gives it (digits with the country code); normalised before it is matched. */
  phone?: string | null;
}

/** How a reply's phone is read: with its country code, else (when given) in DEFAULT_PHONE_REGION. */
export interface OptOutOptions {
  reason: string;
  now: Date;
  phoneRegion?: PhoneRegion;
}

/**
 * Opts a contact out and, in the same transaction, skips every delivery of theirs not yet sent (the
 * delivery writer's skipPendingDeliveries): the worker's move to `sending` is guarded by the state,
 * so none of them can go out after this commits. A reply is matched by its Chat2Desk client id, and
 * when no contact has that id (a client the engine never created or looked up), by its phone.
 */
export async function optOutContact(
  sql: Sql,
  who: OptOutTarget,
  options: OptOutOptions,
): Promise<{ contactIds: number[]; deliveriesSkipped: number }> {
  return sql.begin((tx) => optOutWithin(tx, who, options));
}

/** optOutContact inside the caller's transaction (a web hook event is recorded in the same one). */
export async function optOutWithin(
  tx: postgres.TransactionSql,
  who: OptOutTarget,
  options: OptOutOptions,
): Promise<{ contactIds: number[]; deliveriesSkipped: number }> {
  const optOut = async (condition: postgres.PendingQuery<postgres.Row[]>) => {
    const rows = await tx<{ id: number }[]>`
      update contacts set
        opted_out_at = coalesce(opted_out_at, ${options.now}),
        opt_out_reason = coalesce(opt_out_reason, ${options.reason}),
        updated_at = ${options.now}
      where ${condition}
      returning id`;
    return rows.map((c) => c.id);
  };
  let ids: number[] = [];
  if (who.contactId !== undefined) ids = await optOut(tx`id = ${who.contactId}`);
  else if (who.chat2deskClientId !== undefined) {
    ids = await optOut(tx`chat2desk_client_id = ${String(who.chat2deskClientId)}`);
  }
  const phone = replyPhone(who.phone, options.phoneRegion);
  if (ids.length === 0 && who.contactId === undefined && phone !== null)
    ids = await optOut(tx`phone = ${phone}`);
  if (ids.length === 0) return { contactIds: [], deliveriesSkipped: 0 };
  const skipped = await skipPendingDeliveries(
    tx,
    { contactIds: ids },
    { reason: REASONS.optedOut, now: options.now },
  );
  return { contactIds: ids, deliveriesSkipped: skipped };
}

/** The E.164 digits of a phone Chat2Desk gave, read as every other phone is (or null). */
function replyPhone(raw: string | null | undefined, region: PhoneRegion | undefined): string | null {
  if (!raw) return null;
  if (region !== undefined) {
    const phone = normalisePhone(raw, { region, international: true });
    return phone.ok ? phone.digits : null;
  }
  const digits = raw.replace(/\D/g, '').replace(/^00/, '');
  return isValidE164Digits(digits) ? digits : null;
}
