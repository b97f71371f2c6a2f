import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { startApiRole } from '../../src/roles/apiRole.js';
import { buildEngineParts, shareDatabaseAndSandbox, stopSequence } from './engineParts.js';

const T = new Date('2026-11-27T07:00:00.000Z');
const API_TOKEN = 'an-api-token-of-32-characters-xx';
const SECRET = 'f'.repeat(48);

const shared = shareDatabaseAndSandbox();
const { stops, addStop, runAll: runStops } = stopSequence();
afterEach(runStops);

const engineParts = (env: Record<string, string> = {}) =>
  buildEngineParts({
    ...shared,
    clock: new ManualClock(T),
    webhookSecret: SECRET,
    addStop,
    env: { PORT: '0', ...env },
  });

const listeningAddress = (http: Awaited<ReturnType<typeof startApiRole>>['http']) =>
  (http.server.address() as { address: string }).address;

describe('startApiRole', () => {
  it('listens on 127.0.0.1 only without an API token, and warns that it does', async () => {
    const { parts, lines } = await engineParts();

    const { http, httpUrl } = await startApiRole(parts);

    expect(listeningAddress(http)).toBe('127.0.0.1');
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        host: '127.0.0.1',
        msg: expect.stringContaining('API_TOKEN is not set'),
      }),
    );
  });

  it('listens on every interface behind the API token, refusing a request without it', async () => {
    const { parts, lines } = await engineParts({ API_TOKEN });

    const { http, httpUrl } = await startApiRole(parts);

    expect(listeningAddress(http)).toBe('0.0.0.0');
    expect((await fetch(`${httpUrl}/api/v1/campaigns`)).status).toBe(401);
    const authorized = await fetch(`${httpUrl}/api/v1/campaigns`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(authorized.status).toBe(200);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, host: '0.0.0.0' }));
    expect(JSON.stringify(lines)).not.toContain(API_TOKEN);
  });

  it("receives web hooks at the installation's secret path only", async () => {
    const { parts } = await engineParts();
    const { httpUrl } = await startApiRole(parts);
    const post = (secret: string) =>
      fetch(`${httpUrl}/webhooks/chat2desk/${secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hook_type: 'inbox' }),
      });

    expect((await post('0'.repeat(48))).status).toBe(404);
    expect((await post(SECRET)).status).toBe(200);
  });

  it("shows on /metrics what the engine's Chat2Desk client observed", async () => {
    const { parts } = await engineParts();
    await parts.chat2desk.gate.callBeforeQuotaIsKnown(() => parts.chat2desk.client.getApiInfo());

    const { httpUrl } = await startApiRole(parts);

    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    expect(text).toMatch(
      /broadcaster_chat2desk_requests_total\{endpoint="GET \/v1\/companies\/api_info",outcome="ok"\} 1/,
    );
  });

  it("adds its stop to the engine's: once it has run, nothing listens", async () => {
    const { parts } = await engineParts();
    const { httpUrl } = await startApiRole(parts);

    await runStops();

    await expect(fetch(`${httpUrl}/healthz`)).rejects.toThrow();
  });

  it('refuses a port already taken, adding no stop of its own', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const { parts } = await engineParts({ PORT: String(port) });
      const before = stops.length;

      await expect(startApiRole(parts)).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(stops.length).toBe(before);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
