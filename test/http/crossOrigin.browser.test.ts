import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type ApiServer, startApiServer } from './apiServer.js';

const HAS_CHROMIUM = hasChromium('cross-origin browser test');

const PHONE = '79161234567';
const CAMPAIGN = {
  name: 'Sent by a web page',
  kind: 'broadcast',
  transport: 'sms',
  channelId: 1,
  template: 'You have won',
  audience: { list: 'everyone' },
  schedule: { at: '2026-11-28T10:00:00Z' },
};

/**
 * What a page on another site tries against the engine in its visitor's browser: every request a page
 * may send without a CORS preflight, plus reading contacts. Results are left in `window.results`.
 */
function attackerPage(engine: string): string {
  return `<!doctype html><meta charset="utf-8"><body>
<iframe name="sink"></iframe>
<form id="form" method="post" action="${engine}/api/v1/lists" target="sink">
  <input name="name" value="form-attack">
</form>
<script>
(async () => {
  const results = {};
  const campaign = ${JSON.stringify(JSON.stringify(CAMPAIGN))};
  const simple = (path, body) => fetch('${engine}' + path, {
    method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body,
  }).then(() => 'sent', (e) => 'error: ' + e.message);
  results.campaign = await simple('/api/v1/campaigns', campaign);
  results.list = await simple('/api/v1/lists', JSON.stringify({ name: 'text-plain-attack' }));
  results.beacon = navigator.sendBeacon('${engine}/api/v1/campaigns', campaign);
  results.read = await fetch('${engine}/api/v1/contacts').then((r) => r.text(), (e) => 'blocked: ' + e.message);
  document.getElementById('form').submit();
  await new Promise((resolve) => document.querySelector('iframe').addEventListener('load', resolve, { once: true }));
  window.results = results;
})();
</script>`;
}

/**
 * The DNS-rebinding page: served under a name of the attacker's that now resolves to 127.0.0.1, so its
 * requests to the engine are same-origin for the browser. Only the Host header gives it away.
 */
const REBINDING_PAGE = `<!doctype html><meta charset="utf-8"><script>
(async () => {
  const failed = (e) => 'failed: ' + e.message;
  const read = await fetch('/api/v1/contacts').then(async (r) => ({ status: r.status, body: await r.text() }), failed);
  const write = await fetch('/api/v1/campaigns', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: ${JSON.stringify(JSON.stringify(CAMPAIGN))},
  }).then((r) => r.status, failed);
  window.results = { read, write };
})();
</script>`;

describe('a page on another origin, against an engine without API_TOKEN', () => {
  let db: TestDatabase;
  let engine: ApiServer;
  let attacker: Server;
  let attackerUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    db = await createTestDatabase();
    engine = await startApiServer(db, { apiToken: undefined, dashboard: true });
    // A contact and a list the attacker's campaign could go to: without the defences it would be created.
    const contact = await engine.call<{ id: number }>('POST', '/api/v1/contacts', {
      json: { phone: `+${PHONE}`, name: 'Анна Секретная', optIn: { source: 'web form' } },
    });
    expect(contact.status).toBe(201);
    const list = await engine.call<{ id: number }>('POST', '/api/v1/lists', { json: { name: 'everyone' } });
    expect(list.status).toBe(201);
    const members = await engine.call('POST', `/api/v1/lists/${list.body.id}/members`, {
      json: { phones: [`+${PHONE}`] },
    });
    expect(members.status, members.text).toBeLessThan(300);
    const page = attackerPage(engine.url);
    attacker = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const address = attacker.address() as { port: number };
    attackerUrl = `http://attacker.test:${address.port}/`;
    browser = await launchChromium([
      // The attacker's names resolve to this machine, as a rebinding DNS server would make them.
      '--host-resolver-rules=MAP attacker.test 127.0.0.1, MAP rebind.attacker.test 127.0.0.1',
      // Chromium's own guard against pages reaching loopback (Private/Local Network Access) is off:
      // other browsers have none, and it is the engine's defence that is under test.
      '--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,LocalNetworkAccessChecks',
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
    await engine?.close();
    await db?.drop();
  });

  async function stored(): Promise<{ campaigns: number; lists: string[] }> {
    const [campaigns] = await db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
    const lists = await db.sql<{ name: string }[]>`select name from lists order by name`;
    return { campaigns: campaigns!.n, lists: lists.map((row) => row.name) };
  }

  it.skipIf(!HAS_CHROMIUM)('can neither create a campaign nor read the contacts', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(attackerUrl);
      const results = (
        await page.waitForFunction(() => (globalThis as { results?: unknown }).results)
      ).jsonValue();
      const seen = (await results) as Record<string, unknown>;
      expect(String(seen.read)).toMatch(/^blocked/);
      expect(JSON.stringify(seen)).not.toContain(PHONE);
    } finally {
      await page.close();
    }
    expect(await stored()).toEqual({ campaigns: 0, lists: ['everyone'] });
  });

  it.skipIf(!HAS_CHROMIUM)('cannot use DNS rebinding to read contacts or create a campaign', async () => {
    const page = await browser.newPage();
    const port = new URL(engine.url).port;
    const origin = `http://rebind.attacker.test:${port}`;
    // The first answer for the name came from the attacker (the page); every later one is 127.0.0.1.
    await page.route(`${origin}/`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: REBINDING_PAGE }),
    );
    try {
      await page.goto(`${origin}/`);
      const results = (await (
        await page.waitForFunction(() => (globalThis as { results?: unknown }).results)
      ).jsonValue()) as { read: { status: number; body: string }; write: number };
      expect(results.read.status).toBe(421);
      expect(results.read.body).not.toContain(PHONE);
      expect(results.read.body).not.toContain('Секретная');
      expect(results.write).toBe(421);
    } finally {
      await page.close();
    }
    expect(await stored()).toEqual({ campaigns: 0, lists: ['everyone'] });
  });
});
