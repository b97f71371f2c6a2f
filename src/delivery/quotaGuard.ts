import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';

/** Requests a month per API mode (manual v1.08, api_modes); null: no limit. */
export const MODE_MONTHLY_QUOTAS: Readonly<Record<string, number | null>> = {
  disabled: 0,
  demo: 1000,
  normal: 50_000,
  unlimited: null,
};

export interface QuotaGuardOptions {
  sql: Sql;
  /** The engine clock: its UTC month is the quota's month. */
  clock: Clock;
  /** CHAT2DESK_MONTHLY_QUOTA: beats the quota of the API mode. */
  monthlyQuotaOverride?: number;
  /** Requests kept in reserve for status polling and api_info. Default max(20, 1 % of the quota). */
  safetyMargin?: number;
  /** Reservations taken from PostgreSQL at a time. Default 20. */
  blockSize?: number;
}

export interface ApiUsage {
  /** First day of the month, e.g. "2026-11-01". */
  month: string;
  counted: number;
  reported: number | null;
  /** The quota in force (the override, else the API mode's); null: no limit, or not known yet. */
  quota: number | null;
  mode: string | null;
}

interface QuotaRow {
  counted: number;
  reported: number | null;
  mode: string | null;
  quota: number | null;
  /** quota − safety margin: counted may not pass it. */
  limit: number | null;
}

/**
 * The monthly Chat2Desk request quota, shared by every instance through the api_usage row of the
 * month: requests are reserved in PostgreSQL before they are sent, so several instances never spend
 * more than quota − safetyMargin together, and the engine pauses campaigns (reason quota_guard)
 * before Chat2Desk would start refusing midway.
 *
 * Reservations are taken in blocks and handed out locally, to spare a round trip per request. A
 * block an instance holds when it crashes is counted but never sent: that over-counts, on the safe
 * side, and the next api_info sync cannot lower the count.
 *
 * No limit only when the API says `unlimited`: until the mode is known (no api_info sync, no
 * override, no earlier month to carry it over from) nothing is reserved.
 */
export class QuotaGuard {
  #sql: Sql;
  #clock: Clock;
  #override: number | null;
  #margin: number | null;
  #blockSize: number;
  #month = '';
  #held = 0;
  #ensuredMonth = '';
  #refill: Promise<number> | undefined;

  constructor(options: QuotaGuardOptions) {
    this.#sql = options.sql;
    this.#clock = options.clock;
    this.#override = optionalCount('monthlyQuotaOverride', options.monthlyQuotaOverride);
    this.#margin = optionalCount('safetyMargin', options.safetyMargin);
    this.#blockSize = optionalCount('blockSize', options.blockSize) ?? 20;
    if (this.#blockSize < 1) throw new QuotaGuardOptionError('blockSize', 'must be at least 1');
  }

  /** Records what GET /v1/companies/api_info said; the count only ever rises. */
  async syncFromApiInfo(info: { mode: string; requests_this_month: number }): Promise<void> {
    const reported = Math.max(0, Math.trunc(info.requests_this_month));
    const now = this.#clock.now();
    // An unknown mode gets no quota and, not being `unlimited`, no reservations: the safe side.
    const modeQuota = Object.hasOwn(MODE_MONTHLY_QUOTAS, info.mode)
      ? (MODE_MONTHLY_QUOTAS[info.mode] ?? null)
      : null;
    const quota = this.#override ?? modeQuota;
    // requests_this_month covers every client of the token, not just this engine: count them too.
    await this.#sql`
      insert into api_usage as u (month, requests_counted, requests_reported, api_mode, monthly_quota, updated_at)
      values (${monthOf(now)}::date, ${reported}, ${reported}, ${info.mode}, ${quota}, ${now})
      on conflict (month) do update set
        requests_counted = greatest(u.requests_counted, excluded.requests_counted),
        requests_reported = excluded.requests_reported,
        api_mode = excluded.api_mode,
        monthly_quota = excluded.monthly_quota,
        updated_at = excluded.updated_at`;
  }

  /** Takes one request of this month's quota; false when it would cross quota − safetyMargin. */
  async tryReserve(): Promise<boolean> {
    for (;;) {
      const month = this.#currentMonth();
      if (this.#held > 0) {
        this.#held--;
        return true;
      }
      // One block at a time per instance: concurrent callers wait for it rather than each take one.
      this.#refill ??= this.#takeBlock(month).finally(() => {
        this.#refill = undefined;
      });
      if ((await this.#refill) === 0) return false;
    }
  }

  /** Requests this instance may still send this month (its held block included); null: no limit. */
  async remaining(): Promise<number | null> {
    const month = this.#currentMonth();
    const row = await this.#read(month);
    if (row.quota === null) return row.mode === 'unlimited' ? null : 0;
    return Math.max(0, row.limit! - row.counted) + this.#held;
  }

  async usage(): Promise<ApiUsage> {
    const month = this.#currentMonth();
    const row = await this.#read(month);
    return { month, counted: row.counted, reported: row.reported, quota: row.quota, mode: row.mode };
  }

  /** The engine clock's month; a block held from an earlier month is dropped (already counted there). */
  #currentMonth(): string {
    const month = monthOf(this.#clock.now());
    if (month !== this.#month) {
      this.#month = month;
      this.#held = 0;
    }
    return month;
  }

  /** Reserves up to blockSize in PostgreSQL, fewer when only fewer fit; returns how many. */
  async #takeBlock(month: string): Promise<number> {
    await this.#ensureMonth(month);
    let wanted = this.#blockSize;
    for (;;) {
      if (await this.#reserveInDatabase(month, wanted)) {
        if (this.#month === month) this.#held += wanted;
        return wanted;
      }
      // Not a whole block left (or another instance got there first): try exactly what still fits.
      const row = await this.#read(month);
      const fits =
        row.quota === null ? (row.mode === 'unlimited' ? this.#blockSize : 0) : row.limit! - row.counted;
      if (fits <= 0) return 0;
      wanted = Math.min(fits, this.#blockSize);
    }
  }

  /** One conditional UPDATE: it re-checks the row under its lock, so instances never overspend together. */
  async #reserveInDatabase(month: string, n: number): Promise<boolean> {
    const rows = await this.#sql`
      update api_usage set
        requests_counted = requests_counted + ${n},
        updated_at = ${this.#clock.now()}
      where month = ${month}::date
        and ((${this.#quotaSql()}) is null and api_mode = 'unlimited'
          or requests_counted + ${n} <= ${this.#limitSql()})
      returning 1`;
    return rows.length === 1;
  }

  /** A new month starts with the mode and quota of the latest month before it: they do not reset. */
  async #ensureMonth(month: string): Promise<void> {
    if (this.#ensuredMonth === month) return;
    await this.#sql`
      insert into api_usage (month, api_mode, monthly_quota, updated_at)
      select ${month}::date, prev.api_mode, coalesce(${this.#override}::int, prev.monthly_quota), ${this.#clock.now()}
      from (select 1) as one
      left join lateral (
        select api_mode, monthly_quota from api_usage where month < ${month}::date order by month desc limit 1
      ) as prev on true
      on conflict (month) do nothing`;
    this.#ensuredMonth = month;
  }

  async #read(month: string): Promise<QuotaRow> {
    await this.#ensureMonth(month);
    const [row] = await this.#sql<QuotaRow[]>`
      select requests_counted as counted, requests_reported as reported, api_mode as mode,
        ${this.#quotaSql()} as quota, ${this.#limitSql()} as "limit"
      from api_usage where month = ${month}::date`;
    return row!;
  }

  #quotaSql() {
    return this.#sql`coalesce(${this.#override}::int, monthly_quota)`;
  }

  /** quota − margin; the default margin is max(20, 1 % of the quota), rounded up. */
  #limitSql() {
    const quota = this.#quotaSql();
    return this.#sql`(${quota} - coalesce(${this.#margin}::int, greatest(20, ceil(${quota} * 0.01)::int)))`;
  }
}

/** A QuotaGuard option is out of range; `field` names it. */
export class QuotaGuardOptionError extends BroadcasterError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('quota_guard_option_invalid', `${field}: ${message}`, { field });
    this.field = field;
  }
}

/** "YYYY-MM-01" of the UTC month. */
export function monthOf(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

function optionalCount(field: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new QuotaGuardOptionError(field, 'must be a whole number, 0 or more');
  }
  return value;
}
