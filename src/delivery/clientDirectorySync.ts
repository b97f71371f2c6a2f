import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Chat2DeskClient } from '../chat2desk/client.js';
import { Chat2DeskError } from '../chat2desk/errors.js';
import type { Client, ListResult } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import { DELIVERIES_CHANNEL } from '../db/channels.js';
import type { Sql } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { type Logger, silentLogger } from '../logger.js';
import { normalisePhone, type PhoneRegion } from '../phones/phone.js';
import { type Chat2DeskGate, QuotaGuardError } from './chat2deskGate.js';
import {
  type ClientDirectoryRow,
  claimClientDirectory,
  type DirectoryClient,
  finishClientDirectory,
  handOverClientDirectory,
  recordDirectoryPage,
} from './sql/clientDirectory.js';
import { wakeWaitingDeliveries } from './sql/wakeWaitingDeliveries.js';
import { REASONS } from './states.js';

/** Clients per page of GET /v1/clients: the service's cap. */
export const DIRECTORY_PAGE_SIZE = 200;
/** A sync whose owner has not recorded a page for this long (engine clock) is taken over. */
export const DIRECTORY_SYNC_STALE_MS = 120_000;
/** Attempts at one page when Chat2Desk answers with a transient error (5xx, time-out, 429). */
const PAGE_ATTEMPTS = 4;

export interface ClientDirectorySyncOptions {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  /** How Chat2Desk's phones without a country code are read (DEFAULT_PHONE_REGION). */
  phoneRegion: PhoneRegion;
  logger?: Logger;
  owner?: string;
  /** Real time between looks for a requested sync while idle. */
  pollMs?: number;
  /** Real time before a transient failure's page is asked again (doubled each attempt). */
  retryBaseMs?: number;
}

export interface DirectorySyncOutcome {
  /** `complete`, or why the sync stopped early: `not_worth`, `offset_ignored`, `quota`, `chat2desk:<code>`. */
  outcome: string;
  pages: number;
  learnt: number;
  total: number | null;
}

/**
 * Learns the account's Chat2Desk clients, 200 a page (GET /v1/clients), when a run asked for it
 * (requestClientDirectorySync): each contact whose phone is there gets its client id, so it is sent
 * to at once, for one request, instead of being created (a request and, on WhatsApp, the new-client
 * wait) or looked up. Workers hold back contacts without a client id while a sync is under way, and
 * are woken when it ends. Every page goes through the gate (rate limit and quota) and is recorded
 * with the sync's position, so a crash resumes at the next page; one instance syncs at a time.
 */
export class ClientDirectorySync {
  readonly #o: Required<Omit<ClientDirectorySyncOptions, 'logger'>>;
  readonly #logger: Logger;
  #running = false;
  #loop: Promise<void> | undefined;
  readonly #stopping = new AbortController();

  constructor(options: ClientDirectorySyncOptions) {
    this.#o = {
      owner: `directory-${process.pid}-${randomBytes(3).toString('hex')}`,
      pollMs: 2_000,
      retryBaseMs: 1_000,
      ...options,
    };
    this.#logger = (options.logger ?? silentLogger).child({ role: 'client-directory' });
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping.abort();
    await this.#loop;
    await handOverClientDirectory(this.#o.sql, this.#o.owner).catch(() => undefined);
  }

  /** Takes a requested (or abandoned) sync and carries it to its end; null when there was none. */
  async syncOnce(): Promise<DirectorySyncOutcome | null> {
    const now = this.#o.clock.now();
    const row = await claimClientDirectory(this.#o.sql, {
      owner: this.#o.owner,
      now,
      staleBefore: new Date(now.getTime() - DIRECTORY_SYNC_STALE_MS),
    });
    if (!row) return null;
    this.#logger.info(
      { resumeAtOffset: row.nextOffset, knownTotal: row.total, wanted: row.wanted },
      'learning the Chat2Desk client directory',
    );
    const outcome = await this.#pageThrough(row);
    if (outcome.outcome === 'handed_over') return outcome;
    await finishClientDirectory(this.#o.sql, {
      owner: this.#o.owner,
      now: this.#o.clock.now(),
      outcome: outcome.outcome,
    });
    // Contacts held back for the sync go now: with a client id where one was learnt.
    const woken = await wakeWaitingDeliveries(this.#o.sql, REASONS.clientDirectorySync, this.#o.clock.now());
    if (woken > 0) await this.#o.sql`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
    const level = outcome.outcome === 'complete' || outcome.outcome === 'not_worth' ? 'info' : 'warn';
    this.#logger[level]({ ...outcome, woken }, 'Chat2Desk client directory sync ended');
    return outcome;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        await this.syncOnce();
      } catch (error) {
        if (!isDatabaseUnavailable(error)) this.#logger.error({ err: error }, 'client directory sync failed');
      }
      try {
        await sleep(this.#o.pollMs, undefined, { signal: this.#stopping.signal });
      } catch {
        return;
      }
    }
  }

  async #pageThrough(row: ClientDirectoryRow): Promise<DirectorySyncOutcome> {
    let offset = row.nextOffset;
    let pages = row.pages;
    let learnt = row.learnt;
    let total = row.total;
    let previousFirstId: number | undefined;
    const startedReal = Date.now();
    const pagesAtStart = pages;
    const result = (outcome: string): DirectorySyncOutcome => ({ outcome, pages, learnt, total });

    for (;;) {
      if (!this.#running && this.#loop !== undefined) return result('handed_over');
      let page: ListResult<Client>;
      try {
        page = await this.#readPage(offset);
      } catch (error) {
        if (this.#stopping.signal.aborted) return result('handed_over');
        if (error instanceof QuotaGuardError) return result('quota');
        if (error instanceof Chat2DeskError) return result(`chat2desk:${error.code}`);
        throw error;
      }
      total = Number.isInteger(page.meta?.total) ? page.meta.total : total;
      // Fewer pages than contacts waiting for them, or it is cheaper to resolve them one by one.
      if (pages === 0 && total !== null && Math.ceil(total / DIRECTORY_PAGE_SIZE) > Math.max(row.wanted, 1)) {
        // The page is paid for: what it holds is learnt before the sync stops.
        const recorded = await this.#record(page.data, offset + page.data.length, total, null);
        if (!recorded) return result('handed_over');
        pages++;
        learnt += recorded.learnt;
        return result('not_worth');
      }
      const firstId = page.data[0]?.id;
      if (firstId !== undefined && firstId === previousFirstId) return result('offset_ignored');
      previousFirstId = firstId;
      offset += page.data.length;
      const done = page.data.length < DIRECTORY_PAGE_SIZE || (total !== null && offset >= total);
      const perPageMs = (Date.now() - startedReal) / Math.max(1, pages + 1 - pagesAtStart);
      const pagesLeft = total === null ? 1 : Math.ceil(Math.max(0, total - offset) / DIRECTORY_PAGE_SIZE);
      const expectedDoneAt = new Date(this.#o.clock.now().getTime() + pagesLeft * perPageMs);
      const recorded = await this.#record(page.data, offset, total, expectedDoneAt);
      if (!recorded) return result('handed_over');
      pages++;
      learnt += recorded.learnt;
      if (done) return result('complete');
    }
  }

  async #readPage(offset: number): Promise<ListResult<Client>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#o.gate.call(() =>
          this.#o.client.listClients({ limit: DIRECTORY_PAGE_SIZE, offset }),
        );
      } catch (error) {
        if (!(error instanceof Chat2DeskError) || !error.retryable || attempt >= PAGE_ATTEMPTS) throw error;
        this.#logger.warn({ err: error, offset, attempt }, 'a client directory page failed; asking again');
        await sleep(this.#o.retryBaseMs * 2 ** (attempt - 1), undefined, { signal: this.#stopping.signal });
      }
    }
  }

  #record(clients: readonly Client[], nextOffset: number, total: number | null, expectedDoneAt: Date | null) {
    return recordDirectoryPage(this.#o.sql, {
      owner: this.#o.owner,
      now: this.#o.clock.now(),
      clients: this.#phonesOf(clients),
      nextOffset,
      total,
      expectedDoneAt,
    });
  }

  /** Chat2Desk's phones as the contacts table keeps them (E.164 digits); clients without one are left out. */
  #phonesOf(clients: readonly Client[]): DirectoryClient[] {
    const out: DirectoryClient[] = [];
    for (const c of clients) {
      if (!Number.isSafeInteger(c.id) || !c.phone) continue;
      const phone = normalisePhone(c.phone, { region: this.#o.phoneRegion });
      if (phone.ok) out.push({ id: c.id, phone: phone.digits });
    }
    return out;
  }
}
