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
const VIEWER = 'viewer-token-of-this-installation';
const TOKENS = { apiToken: TOKEN, viewerToken: VIEWER };
const admin = (value: string) => ({ value, role: 'admin' as const });
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
  it('requires a login, and knows each token and its role when it sees it', () => {
    const session = new DashboardSession(TOKENS, db.sql);

    expect(session.loginRequired).toBe(true);
    expect(session.roleOfToken(TOKEN)).toBe('admin');
    expect(session.roleOfToken(VIEWER)).toBe('viewer');
    expect(session.roleOfToken(`${TOKEN} `)).toBeNull();
    expect(session.roleOfToken('')).toBeNull();
    expect(new DashboardSession({ apiToken: TOKEN }, db.sql).roleOfToken(VIEWER)).toBeNull();
  });

  it('issues a signed cookie value holding a random id, never the token, and stores only its hash', async () => {
    const session = new DashboardSession(TOKENS, db.sql);

    const value = await session.issue(START, 'admin');

    expect(value).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
    expect(value).not.toContain(TOKEN);
    const [row] =
      await db.sql`select id_hash, created_at, expires_at, revoked_at, role from dashboard_sessions`;
    expect(row).toEqual({
      role: 'admin',
      id_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      created_at: START,
      expires_at: at(SESSION_TTL_MS),
      revoked_at: null,
    });
    expect(row!.id_hash).not.toContain(value.split('.')[0]);
  });

  it('finds the session a request carries until it expires', async () => {
    const session = new DashboardSession(TOKENS, db.sql);
    const value = await session.issue(START, 'admin');

    expect(await session.sessionFrom(cookieHeader(value), at(SESSION_TTL_MS - 1))).toEqual(admin(value));
    expect(await session.sessionFrom(cookieHeader(value), at(SESSION_TTL_MS))).toBeNull();
  });

  it('finds none in a request without the cookie', async () => {
    const session = new DashboardSession(TOKENS, db.sql);
    await session.issue(START, 'admin');

    expect(await session.sessionFrom(undefined, START)).toBeNull();
    expect(await session.sessionFrom('theme=dark', START)).toBeNull();
  });

  it('refuses a forged or altered cookie, and one signed by another installation', async () => {
    const session = new DashboardSession(TOKENS, db.sql);
    const value = await session.issue(START, 'admin');
    const [id, mac] = value.split('.') as [string, string];
    const elsewhere = await new DashboardSession({ apiToken: 'another-token' }, db.sql).issue(START, 'admin');
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
    const session = new DashboardSession(TOKENS, db.sql);
    const otherInstance = new DashboardSession(TOKENS, db.sql);
    const value = await session.issue(START, 'admin');
    const kept = await session.issue(START, 'admin');
    expect(await otherInstance.sessionFrom(cookieHeader(value), START)).toEqual(admin(value));

    await session.revoke(admin(value), at(1000));
    await session.revoke(admin(value), at(2000));
    await session.revoke(admin('forged.value'), at(3000));

    expect(await otherInstance.sessionFrom(cookieHeader(value), at(4000))).toBeNull();
    expect(await otherInstance.sessionFrom(cookieHeader(kept), at(4000))).toEqual(admin(kept));
    const revoked = await db.sql`select revoked_at from dashboard_sessions where revoked_at is not null`;
    expect(revoked).toEqual([{ revoked_at: at(1000) }]);
  });

  it('forgets sessions long expired when it issues a new one', async () => {
    const session = new DashboardSession(TOKENS, db.sql);
    await session.issue(START, 'admin');
    await session.issue(at(SESSION_TTL_MS), 'admin');
    expect(await storedSessions()).toBe(2);

    // The first expired at START + TTL: forgotten once that is more than a TTL ago.
    await session.issue(at(2 * SESSION_TTL_MS + 1), 'admin');

    expect(await storedSessions()).toBe(2);
    const [oldest] = await db.sql`select min(created_at) as created_at from dashboard_sessions`;
    expect(oldest!.created_at).toEqual(at(SESSION_TTL_MS));
  });

  it('gives each session its own CSRF token, the same on every instance with the token', async () => {
    const session = new DashboardSession(TOKENS, db.sql);
    const a = await session.issue(START, 'admin');
    const b = await session.issue(START, 'admin');

    const token = session.csrfToken(admin(a));

    expect(token).toMatch(/^[\w-]{43}$/);
    expect(new DashboardSession(TOKENS, db.sql).csrfToken(admin(a))).toBe(token);
    expect(session.isCsrfToken(admin(a), token)).toBe(true);
    expect(session.isCsrfToken(admin(b), token)).toBe(false);
    expect(session.isCsrfToken(admin(a), null)).toBe(false);
    expect(session.isCsrfToken(admin(a), undefined)).toBe(false);
    expect(session.isCsrfToken(admin(a), '')).toBe(false);
  });
});

describe('DashboardSession with VIEWER_TOKEN as well', () => {
  it('opens a viewer session signed by the viewer token, its role stored and read back', async () => {
    const session = new DashboardSession(TOKENS, db.sql);
    const value = await session.issue(START, 'viewer');

    expect(value).not.toContain(VIEWER);
    expect(await session.sessionFrom(cookieHeader(value), START)).toEqual({ value, role: 'viewer' });
    const [row] = await db.sql`select role from dashboard_sessions`;
    expect(row!.role).toBe('viewer');
  });

  it('ends viewer logins when VIEWER_TOKEN is replaced or removed, keeping the admins’', async () => {
    const session = new DashboardSession(TOKENS, db.sql);
    const viewer = await session.issue(START, 'viewer');
    const adminCookie = await session.issue(START, 'admin');

    for (const tokens of [{ apiToken: TOKEN, viewerToken: 'a-new-viewer-token-0123' }, { apiToken: TOKEN }]) {
      const restarted = new DashboardSession(tokens, db.sql);
      expect(await restarted.sessionFrom(cookieHeader(viewer), START)).toBeNull();
      expect((await restarted.sessionFrom(cookieHeader(adminCookie), START))?.role).toBe('admin');
    }
  });

  it('does not let a viewer cookie pass for an admin one, even with the row’s role changed', async () => {
    const session = new DashboardSession(TOKENS, db.sql);
    const viewer = await session.issue(START, 'viewer');
    await db.sql`update dashboard_sessions set role = 'admin'`;

    expect(await session.sessionFrom(cookieHeader(viewer), START)).toBeNull();
  });

  it('gives a viewer and an admin different CSRF tokens for the same cookie value', () => {
    const session = new DashboardSession(TOKENS, db.sql);
    const token = session.csrfToken({ value: 'x', role: 'viewer' });
    expect(session.isCsrfToken({ value: 'x', role: 'admin' }, token)).toBe(false);
    expect(session.isCsrfToken({ value: 'x', role: 'viewer' }, token)).toBe(true);
  });
});

describe('DashboardSession without API_TOKEN', () => {
  it('requires no login: every request has the empty admin session, and no token is accepted', async () => {
    for (const token of [undefined, '']) {
      const session = new DashboardSession({ apiToken: token }, db.sql);

      expect(session.loginRequired).toBe(false);
      expect(await session.sessionFrom(undefined, START)).toEqual(admin(''));
      expect(session.roleOfToken('')).toBeNull();
    }
  });

  it("still protects forms, with a key of this process's own", () => {
    const one = new DashboardSession({ apiToken: undefined }, db.sql);
    const other = new DashboardSession({ apiToken: undefined }, db.sql);

    expect(one.isCsrfToken(admin(''), one.csrfToken(admin('')))).toBe(true);
    expect(one.csrfToken(admin(''))).not.toBe(other.csrfToken(admin('')));
    expect(other.isCsrfToken(admin(''), one.csrfToken(admin('')))).toBe(false);
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
