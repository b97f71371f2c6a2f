import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Sql } from '../../db/database.js';
import { type AccessRole, type AccessTokens, roleOfToken, sameSecret } from '../auth.js';

export const SESSION_COOKIE = 'broadcaster_session';
/** A login lasts a working day. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * The dashboard's login. With API_TOKEN set, a browser proves it knows a token once, at /login —
 * API_TOKEN (admin: every right) or VIEWER_TOKEN (viewer: reads only) — and then carries a cookie
 * holding `id.HMAC(that token, role, id)`: a random id, never the token, signed by the token it was
 * opened with, so replacing VIEWER_TOKEN (or API_TOKEN) ends the logins it opened. The session lives
 * in the database (only the id's hash, and its role): logging out revokes it on every instance, and it
 * ends after SESSION_TTL_MS by the engine's clock. Every form carries a CSRF token that is an HMAC of
 * the cookie. Without API_TOKEN the dashboard is open (the engine listens on 127.0.0.1) but forms
 * still carry a CSRF token, keyed by a secret of this process, so another web site cannot press the
 * buttons.
 */
export class DashboardSession {
  readonly loginRequired: boolean;
  readonly #tokens: AccessTokens;
  readonly #keys: Readonly<Record<AccessRole, string | Buffer | undefined>>;
  readonly #sql: Sql;

  constructor(tokens: AccessTokens, sql: Sql) {
    this.loginRequired = tokens.apiToken !== undefined && tokens.apiToken !== '';
    this.#tokens = tokens;
    this.#keys = this.loginRequired
      ? { admin: tokens.apiToken, viewer: tokens.viewerToken }
      : { admin: randomBytes(32), viewer: undefined };
    this.#sql = sql;
  }

  #mac(role: AccessRole, purpose: string, value: string): string {
    const key = this.#keys[role];
    if (key === undefined) throw new Error(`no ${role} token is configured`);
    return createHmac('sha256', key)
      .update(`broadcaster-dashboard:${purpose}:${role}:${value}`)
      .digest('base64url');
  }

  /** The role the token given at /login grants, or null; compared in constant time. */
  roleOfToken(given: string): AccessRole | null {
    return this.loginRequired ? roleOfToken(given, this.#tokens) : null;
  }

  /** A new session of `role`, stored; its cookie value. Sessions long expired are forgotten on the way. */
  async issue(now: Date, role: AccessRole): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await this.#sql`
      insert into dashboard_sessions (id_hash, created_at, expires_at, role)
      values (${idHash(id)}, ${now}, ${expiresAt}, ${role})`;
    await this
      .#sql`delete from dashboard_sessions where expires_at < ${new Date(now.getTime() - SESSION_TTL_MS)}`;
    return `${id}.${this.#mac(role, 'session', id)}`;
  }

  /**
   * The session the request carries, if genuine, not revoked and not expired, with its role; with no
   * login required, everyone is an admin (the engine is then reachable from this machine only).
   */
  async sessionFrom(cookieHeader: string | undefined, now: Date): Promise<Session | null> {
    if (!this.loginRequired) return { value: '', role: 'admin' };
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    const signed = value === undefined ? undefined : this.#genuine(value);
    if (signed === undefined) return null;
    const [live] = await this.#sql`
      select 1 from dashboard_sessions
      where id_hash = ${idHash(signed.id)} and role = ${signed.role} and revoked_at is null and expires_at > ${now}`;
    return live ? { value: value!, role: signed.role } : null;
  }

  /** Ends a session everywhere: its cookie no longer logs anyone in, wherever it was copied. */
  async revoke(session: Session, now: Date): Promise<void> {
    const signed = this.#genuine(session.value);
    if (signed === undefined) return;
    await this
      .#sql`update dashboard_sessions set revoked_at = ${now} where id_hash = ${idHash(signed.id)} and revoked_at is null`;
  }

  /** The id and role of a cookie value one of this installation's tokens signed; a forgery is refused before any query. */
  #genuine(value: string): { id: string; role: AccessRole } | undefined {
    const [id = '', mac = ''] = value.split('.');
    if (!/^[\w-]{43}$/.test(id)) return undefined;
    // Both roles are always compared, so the time taken does not say which token signed it.
    const admin = sameSecret(mac, this.#mac('admin', 'session', id));
    const viewer = this.#keys.viewer !== undefined && sameSecret(mac, this.#mac('viewer', 'session', id));
    return admin ? { id, role: 'admin' } : viewer ? { id, role: 'viewer' } : undefined;
  }

  csrfToken(session: Session): string {
    return this.#mac(session.role, 'csrf', session.value);
  }

  isCsrfToken(session: Session, given: string | null | undefined): boolean {
    return typeof given === 'string' && sameSecret(given, this.csrfToken(session));
  }
}

/** A logged-in browser: its cookie value ('' when no login is required) and what it may do. */
export interface Session {
  value: string;
  role: AccessRole;
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
