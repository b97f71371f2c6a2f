import type postgres from 'postgres';
import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Transport } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { type Logger, silentLogger } from '../logger.js';
import { type Chat2DeskGate, QuotaGuardError } from './chat2deskGate.js';

/** Where a STOP came from: the confirmation goes back the same way. */
export interface StopOrigin {
  chat2deskClientId?: number | string | undefined;
  transport?: string | null | undefined;
  channelId?: number | null | undefined;
}

/**
 * Records, in the transaction that applied a STOP, the confirmation each opted-out contact is owed:
 * one per opt-out (the contact and the time it took effect, which a second STOP leaves as it was),
 * so a replayed web hook, a second STOP, a restart or a second instance adds none. A contact
 * Chat2Desk knows under no client id cannot be answered and gets none.
 */
export async function recordOptOutConfirmations(
  tx: postgres.TransactionSql,
  contactIds: readonly number[],
  origin: StopOrigin,
  now: Date,
): Promise<number> {
  if (contactIds.length === 0) return 0;
  const clientId = origin.chat2deskClientId === undefined ? null : String(origin.chat2deskClientId);
  const recorded = await tx`
    insert into opt_out_confirmations (contact_id, opted_out_at, chat2desk_client_id, transport, channel_id, created_at)
    select c.id, c.opted_out_at, coalesce(${clientId}::bigint, c.chat2desk_client_id),
           ${origin.transport ?? null}, ${origin.channelId ?? null}, ${now}
    from contacts c
    where c.id = any(${contactIds as number[]}::int[]) and c.opted_out_at is not null
      and coalesce(${clientId}::bigint, c.chat2desk_client_id) is not null
    on conflict (contact_id, opted_out_at) do nothing
    returning contact_id`;
  return recorded.length;
}

export interface OptOutConfirmerOptions {
  sql: Sql;
  client: Pick<Chat2DeskClient, 'sendMessage'>;
  gate: Pick<Chat2DeskGate, 'admit'>;
  clock: Clock;
  /** OPT_OUT_CONFIRMATION_TEXT. */
  text: string;
  logger?: Logger;
  /** Real time between looks for confirmations to send while started. Default 1 s. */
  tickMs?: number;
}

interface DueConfirmation {
  contactId: number;
  optedOutAt: Date;
  clientId: string;
  transport: string | null;
  channelId: number | null;
}

/**
 * Sends the recorded confirmations, oldest first, through the gate (the shared rate limit and the
 * monthly quota): admission first, then the durable mark `attempted_at` (taken by one instance only,
 * SKIP LOCKED), then the request, then `sent_at` or the error. A confirmation is sent at most once:
 * one whose request failed, or whose sender died mid-request, is kept with its error, never resent —
 * a second "you are unsubscribed" is worse than none. On a spent quota it waits for the next tick.
 */
export class OptOutConfirmer {
  readonly counts = { sent: 0, failed: 0 };
  readonly #o: Required<Omit<OptOutConfirmerOptions, 'logger'>>;
  readonly #logger: Logger;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking: Promise<unknown> | undefined;

  constructor(options: OptOutConfirmerOptions) {
    this.#o = { tickMs: 1_000, ...options };
    this.#logger = (options.logger ?? silentLogger).child({ role: 'opt-out-confirmer' });
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#ticking ??= this.sendDue()
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'sending opt-out confirmations failed'))
        .finally(() => {
          this.#ticking = undefined;
        });
    }, this.#o.tickMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  /** Sends every confirmation due now (at most `max`); returns how many requests went out. */
  async sendDue(max = 100): Promise<number> {
    let requests = 0;
    while (requests < max) {
      const [waiting] = await this.#o.sql`
        select 1 from opt_out_confirmations where attempted_at is null limit 1`;
      if (!waiting) break;
      let permit: Awaited<ReturnType<Chat2DeskGate['admit']>>;
      try {
        permit = await this.#o.gate.admit();
      } catch (error) {
        if (error instanceof QuotaGuardError) break;
        throw error;
      }
      try {
        const due = await this.#claim();
        if (!due) break;
        requests++;
        await this.#send(due);
      } finally {
        await permit.release();
      }
    }
    return requests;
  }

  /** The oldest confirmation not yet attempted, marked attempted: no other instance takes it. */
  async #claim(): Promise<DueConfirmation | undefined> {
    const now = this.#o.clock.now();
    const [due] = await this.#o.sql<DueConfirmation[]>`
      update opt_out_confirmations o set attempted_at = ${now}
      from (
        select contact_id, opted_out_at from opt_out_confirmations
        where attempted_at is null order by created_at limit 1 for update skip locked
      ) next
      where o.contact_id = next.contact_id and o.opted_out_at = next.opted_out_at
      returning o.contact_id as "contactId", o.opted_out_at as "optedOutAt",
                o.chat2desk_client_id::text as "clientId", o.transport, o.channel_id as "channelId"`;
    return due;
  }

  async #send(due: DueConfirmation): Promise<void> {
    const key = { contactId: due.contactId, optedOutAt: due.optedOutAt };
    try {
      await this.#o.client.sendMessage({
        clientId: Number(due.clientId),
        text: this.#o.text,
        ...(due.transport ? { transport: due.transport as Transport } : {}),
        ...(due.channelId !== null ? { channelId: due.channelId } : {}),
      });
      this.counts.sent++;
      await this.#o.sql`
        update opt_out_confirmations set sent_at = ${this.#o.clock.now()}
        where contact_id = ${key.contactId} and opted_out_at = ${key.optedOutAt}`;
    } catch (error) {
      this.counts.failed++;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      this.#logger.warn({ contactId: due.contactId, err: error }, 'an opt-out confirmation was not sent');
      await this.#o.sql`
        update opt_out_confirmations set error = ${message}
        where contact_id = ${key.contactId} and opted_out_at = ${key.optedOutAt}`;
    }
  }
}
