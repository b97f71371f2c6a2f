import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../../db/database.js';

export const SESSION_COOKIE = 'broadcaster_session';
/** A login lasts a working day. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

function sameBytes(a: string, b: string): boolean {
  // Digests first: equal lengths for timingSafeEqual, and no early exit on the length.
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/**
 * The dashboard's login. With API_TOKEN set, a browser proves it knows the token once, at /login, and
 * then carries a cookie holding `id.HMAC(token, id)` — a random id, never the token. The session lives
 * in the database (only the id's hash): logging out revokes it on every instance, and it ends after
 * SESSION_TTL_MS by the engine's clock. Every form carries a CSRF token that is an HMAC of the cookie.
 * Without API_TOKEN the dashboard is open (the engine listens on 127.0.0.1) but forms still carry a
 * CSRF token, keyed by a secret of this process, so another web site cannot press the buttons.
 */
export class DashboardSession {
  readonly loginRequired: boolean;
  readonly #key: string | Buffer;
  readonly #sql: Sql;

  constructor(apiToken: string | undefined, sql: Sql) {
    this.loginRequired = apiToken !== undefined && apiToken !== '';
    this.#key = this.loginRequired ? apiToken! : randomBytes(32);
    this.#sql = sql;
  }

  #mac(purpose: string, value: string): string {
    return createHmac('sha256', this.#key)
      .update(`broadcaster-dashboard:${purpose}:${value}`)
      .digest('base64url');
  }

  /** Whether `given` is the API token, compared in constant time. */
  isApiToken(given: string): boolean {
    return this.loginRequired && sameBytes(given, this.#key as string);
  }

  /** A new session, stored; its cookie value. Sessions long expired are forgotten on the way. */
  async issue(now: Date): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await this.#sql`
      insert into dashboard_sessions (id_hash, created_at, expires_at)
      values (${idHash(id)}, ${now}, ${expiresAt})`;
    await this
      .#sql`delete from dashboard_sessions where expires_at < ${new Date(now.getTime() - SESSION_TTL_MS)}`;
    return `${id}.${this.#mac('session', id)}`;
  }

  /** The session the request carries, if genuine, not revoked and not expired; always '' when no login is required. */
  async sessionFrom(cookieHeader: string | undefined, now: Date): Promise<string | null> {
    if (!this.loginRequired) return '';
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    const id = value === undefined ? undefined : this.#genuineId(value);
    if (id === undefined) return null;
    const [live] = await this.#sql`
      select 1 from dashboard_sessions
      where id_hash = ${idHash(id)} and revoked_at is null and expires_at > ${now}`;
    return live ? value! : null;
  }

  /** Ends a session everywhere: its cookie no longer logs anyone in, wherever it was copied. */
  async revoke(session: string, now: Date): Promise<void> {
    const id = this.#genuineId(session);
    if (id === undefined) return;
    await this
      .#sql`update dashboard_sessions set revoked_at = ${now} where id_hash = ${idHash(id)} and revoked_at is null`;
  }

  /** The id of a cookie value this installation's key signed; a forgery is refused before any query. */
  #genuineId(value: string): string | undefined {
    const [id = '', mac = ''] = value.split('.');
    return /^[\w-]{43}$/.test(id) && sameBytes(mac, this.#mac('session', id)) ? id : undefined;
  }

  csrfToken(session: string): string {
    return this.#mac('csrf', session);
  }

  isCsrfToken(session: string, given: string | null | undefined): boolean {
    return typeof given === 'string' && sameBytes(given, this.csrfToken(session));
  }
}

function idHash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Set-Cookie for a session (or, with null, for clearing it). */
export function sessionCookie(value: string | null, options: { secure: boolean }): string {
  const parts = [
    `${SESSION_COOKIE}=${value ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${value === null ? 0 : SESSION_TTL_MS / 1000}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
