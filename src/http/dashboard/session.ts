import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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
 * then carries a cookie holding `issuedAt.HMAC(token, issuedAt)` — never the token — that expires
 * after SESSION_TTL_MS. Every form carries a CSRF token that is an HMAC of that cookie. Without
 * API_TOKEN the dashboard is open (the engine listens on 127.0.0.1) but forms still carry a CSRF token,
 * keyed by a secret of this process, so another web site cannot press the buttons.
 */
export class DashboardSession {
  readonly loginRequired: boolean;
  readonly #key: string | Buffer;

  constructor(apiToken: string | undefined) {
    this.loginRequired = apiToken !== undefined && apiToken !== '';
    this.#key = this.loginRequired ? apiToken! : randomBytes(32);
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

  issue(now: Date): string {
    const issuedAt = String(now.getTime());
    return `${issuedAt}.${this.#mac('session', issuedAt)}`;
  }

  /** The session the request carries, if valid and not expired; always '' when no login is required. */
  sessionFrom(cookieHeader: string | undefined, now: Date): string | null {
    if (!this.loginRequired) return '';
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    if (!value) return null;
    const [issuedAt = '', mac = ''] = value.split('.');
    if (!/^\d{1,15}$/.test(issuedAt) || !sameBytes(mac, this.#mac('session', issuedAt))) return null;
    const age = now.getTime() - Number(issuedAt);
    // A little slack for clocks of several instances that disagree.
    return age <= SESSION_TTL_MS && age >= -60_000 ? value : null;
  }

  csrfToken(session: string): string {
    return this.#mac('csrf', session);
  }

  isCsrfToken(session: string, given: string | null | undefined): boolean {
    return typeof given === 'string' && sameBytes(given, this.csrfToken(session));
  }
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
