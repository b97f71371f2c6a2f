import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DashboardSession,
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionCookie,
} from '../../../src/http/dashboard/session.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';

const TOKEN = 'api-token-of-this-installation';
const at = (ms: number) => new Date(START.getTime() + ms);
const cookieHeader = (value: string) => `theme=dark; ${SESSION_COOKIE}=${value}; lang=ru`;

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

async function storedSessions(): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from dashboard_sessions`;
  return row!.n;
}

describe('DashboardSession with API_TOKEN set', () => {
  it('requires a login, and knows the API token when it sees it', () => {
    const session = new DashboardSession(TOKEN, db.sql);

    expect(session.loginRequired).toBe(true);
    expect(session.isApiToken(TOKEN)).toBe(true);
    expect(session.isApiToken(`${TOKEN} `)).toBe(false);
    expect(session.isApiToken('')).toBe(false);
  });

  it('issues a signed cookie value holding a random id, never the token, and stores only its hash', async () => {
    const session = new DashboardSession(TOKEN, db.sql);

    const value = await session.issue(START);

    expect(value).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
    expect(value).not.toContain(TOKEN);
    const [row] = await db.sql`select id_hash, created_at, expires_at, revoked_at from dashboard_sessions`;
    expect(row).toEqual({
      id_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      created_at: START,
      expires_at: at(SESSION_TTL_MS),
      revoked_at: null,
    });
    expect(row!.id_hash).not.toContain(value.split('.')[0]);
  });

  it('finds the session a request carries until it expires', async () => {
    const session = new DashboardSession(TOKEN, db.sql);
    const value = await session.issue(START);

    expect(await session.sessionFrom(cookieHeader(value), at(SESSION_TTL_MS - 1))).toBe(value);
    expect(await session.sessionFrom(cookieHeader(value), at(SESSION_TTL_MS))).toBeNull();
  });

  it('finds none in a request without the cookie', async () => {
    const session = new DashboardSession(TOKEN, db.sql);
    await session.issue(START);

    expect(await session.sessionFrom(undefined, START)).toBeNull();
    expect(await session.sessionFrom('theme=dark', START)).toBeNull();
  });

  it('refuses a forged or altered cookie, and one signed by another installation', async () => {
    const session = new DashboardSession(TOKEN, db.sql);
    const value = await session.issue(START);
    const [id, mac] = value.split('.') as [string, string];
    const elsewhere = await new DashboardSession('another-token', db.sql).issue(START);
    const [otherId] = elsewhere.split('.') as [string];

    for (const forged of [
      `${id}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      `${id}`,
      `${id}.`,
      `${otherId}.${mac}`,
      elsewhere,
      'garbage',
    ]) {
      expect(await session.sessionFrom(cookieHeader(forged), START), forged).toBeNull();
    }
  });

  it('revokes a session everywhere: another instance with the same token no longer finds it', async () => {
    const session = new DashboardSession(TOKEN, db.sql);
    const otherInstance = new DashboardSession(TOKEN, db.sql);
    const value = await session.issue(START);
    const kept = await session.issue(START);
    expect(await otherInstance.sessionFrom(cookieHeader(value), START)).toBe(value);

    await session.revoke(value, at(1000));
    await session.revoke(value, at(2000));
    await session.revoke('forged.value', at(3000));

    expect(await otherInstance.sessionFrom(cookieHeader(value), at(4000))).toBeNull();
    expect(await otherInstance.sessionFrom(cookieHeader(kept), at(4000))).toBe(kept);
    const revoked = await db.sql`select revoked_at from dashboard_sessions where revoked_at is not null`;
    expect(revoked).toEqual([{ revoked_at: at(1000) }]);
  });

  it('forgets sessions long expired when it issues a new one', async () => {
    const session = new DashboardSession(TOKEN, db.sql);
    await session.issue(START);
    await session.issue(at(SESSION_TTL_MS));
    expect(await storedSessions()).toBe(2);

    // The first expired at START + TTL: forgotten once that is more than a TTL ago.
    await session.issue(at(2 * SESSION_TTL_MS + 1));

    expect(await storedSessions()).toBe(2);
    const [oldest] = await db.sql`select min(created_at) as created_at from dashboard_sessions`;
    expect(oldest!.created_at).toEqual(at(SESSION_TTL_MS));
  });

  it('gives each session its own CSRF token, the same on every instance with the token', async () => {
    const session = new DashboardSession(TOKEN, db.sql);
    const a = await session.issue(START);
    const b = await session.issue(START);

    const token = session.csrfToken(a);

    expect(token).toMatch(/^[\w-]{43}$/);
    expect(new DashboardSession(TOKEN, db.sql).csrfToken(a)).toBe(token);
    expect(session.isCsrfToken(a, token)).toBe(true);
    expect(session.isCsrfToken(b, token)).toBe(false);
    expect(session.isCsrfToken(a, null)).toBe(false);
    expect(session.isCsrfToken(a, undefined)).toBe(false);
    expect(session.isCsrfToken(a, '')).toBe(false);
  });
});

describe('DashboardSession without API_TOKEN', () => {
  it('requires no login: every request has the empty session, and no token is the API token', async () => {
    for (const token of [undefined, '']) {
      const session = new DashboardSession(token, db.sql);

      expect(session.loginRequired).toBe(false);
      expect(await session.sessionFrom(undefined, START)).toBe('');
      expect(session.isApiToken('')).toBe(false);
    }
  });

  it("still protects forms, with a key of this process's own", () => {
    const one = new DashboardSession(undefined, db.sql);
    const other = new DashboardSession(undefined, db.sql);

    expect(one.isCsrfToken('', one.csrfToken(''))).toBe(true);
    expect(one.csrfToken('')).not.toBe(other.csrfToken(''));
    expect(other.isCsrfToken('', one.csrfToken(''))).toBe(false);
  });
});

describe('sessionCookie', () => {
  it('sets an HTTP-only, same-site cookie for the whole site lasting the session', () => {
    expect(sessionCookie('abc.def', { secure: false })).toBe(
      `${SESSION_COOKIE}=abc.def; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200`,
    );
  });

  it('clears it with null, and marks it Secure behind HTTPS', () => {
    expect(sessionCookie(null, { secure: true })).toBe(
      `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure`,
    );
  });
});

describe('readCookie', () => {
  it('finds a cookie by its exact name among others, spaces trimmed', () => {
    expect(readCookie('a=1;  b = two ; c=3', 'b')).toBe('two');
    expect(readCookie('a=1; xb=2; b=3', 'b')).toBe('3');
    expect(readCookie('a=x=y', 'a')).toBe('x=y');
  });

  it('finds nothing without a header, the name, or a name before the =', () => {
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(readCookie('', 'a')).toBeUndefined();
    expect(readCookie('b=1', 'a')).toBeUndefined();
    expect(readCookie('=1; a', 'a')).toBeUndefined();
  });
});
