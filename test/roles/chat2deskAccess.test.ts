import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../src/clock.js';
import { openChat2DeskAccess } from '../../src/roles/chat2deskAccess.js';
import { recordingLogger, roleTestConfig, shareDatabaseAndSandbox, stopSequence } from './engineParts.js';

const T = new Date('2026-11-27T07:00:00.000Z');

const shared = shareDatabaseAndSandbox();
const { stops, addStop, runAll: runStops } = stopSequence();
afterEach(runStops);

function open(env: Record<string, string>, sandbox?: Parameters<typeof startSandbox>[0]) {
  const { logger, lines } = recordingLogger();
  const opening = openChat2DeskAccess({
    config: roleTestConfig(shared.db, env),
    clock: new ManualClock(T),
    logger,
    db: shared.db,
    sandbox,
    addStop,
  });
  return { opening, lines };
}

const apiInfoCalls = (sandbox: Sandbox) =>
  sandbox.state.requests.routeCounts()['GET /v1/companies/api_info'] ?? 0;

describe('openChat2DeskAccess', () => {
  it('talks to the configured Chat2Desk with the configured token, starting no sandbox', async () => {
    const before = apiInfoCalls(shared.sandbox);
    const { opening, lines } = open({ CHAT2DESK_API_URL: shared.sandbox.url, CHAT2DESK_TOKEN: 'live-token' });
    const access = await opening;

    expect(access.sandbox).toBeUndefined();
    expect(access.token).toBe('live-token');
    const info = await access.gate.callBeforeQuotaIsKnown(() => access.client.getApiInfo());
    expect(info.mode).toBe('unlimited');
    expect(apiInfoCalls(shared.sandbox)).toBe(before + 1);
    expect(lines.filter((line) => line['level'] === 40)).toEqual([]);
  });

  it('starts the built-in sandbox without a token, and says loudly that nothing reaches a real client', async () => {
    const { opening, lines } = open({ CHAT2DESK_API_URL: shared.sandbox.url });
    const access = await opening;

    expect(access.sandbox).toBeDefined();
    expect(access.sandbox?.url).not.toBe(shared.sandbox.url);
    expect(access.token).toBe('sandbox-token');
    await access.gate.callBeforeQuotaIsKnown(() => access.client.getApiInfo());
    expect(apiInfoCalls(access.sandbox!)).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        sandboxUrl: access.sandbox?.url,
        msg: expect.stringMatching(/SANDBOX/),
      }),
    );
  });

  it("passes the engine's sandbox options to the built-in sandbox", async () => {
    const { opening } = open({}, { token: 'chosen-token', mode: 'demo' });
    const access = await opening;

    expect(access.token).toBe('chosen-token');
    const info = await access.gate.callBeforeQuotaIsKnown(() => access.client.getApiInfo());
    expect(info.mode).toBe('demo');
  });

  it('closes the client and the sandbox it started when its stops run', async () => {
    const { opening } = open({});
    const access = await opening;
    const url = access.sandbox!.url;
    expect(stops).toHaveLength(2);

    await runStops();

    await expect(fetch(`${url}/v1/companies/api_info`)).rejects.toThrow();
  });

  it('shows on its own registry what its client and limiter observed', async () => {
    const first = await open({ CHAT2DESK_API_URL: shared.sandbox.url, CHAT2DESK_TOKEN: 'live-token' })
      .opening;
    const second = await open({ CHAT2DESK_API_URL: shared.sandbox.url, CHAT2DESK_TOKEN: 'live-token' })
      .opening;

    await first.gate.callBeforeQuotaIsKnown(() => first.client.getApiInfo());

    expect(await first.registry.metrics()).toMatch(
      /broadcaster_chat2desk_requests_total\{endpoint="GET \/v1\/companies\/api_info",outcome="ok"\} 1/,
    );
    expect(await second.registry.metrics()).not.toMatch(/broadcaster_chat2desk_requests_total\{/);
  });

  it('holds every request to CHAT2DESK_MONTHLY_QUOTA over what api_info says', async () => {
    const access = await open({
      CHAT2DESK_API_URL: shared.sandbox.url,
      CHAT2DESK_TOKEN: 'live-token',
      CHAT2DESK_MONTHLY_QUOTA: '0',
    }).opening;
    await access.quota.syncFromApiInfo(
      await access.gate.callBeforeQuotaIsKnown(() => access.client.getApiInfo()),
    );

    await expect(access.gate.call(() => access.client.getApiInfo())).rejects.toMatchObject({
      code: 'quota_guard',
    });
    expect((await access.quota.usage()).quota).toBe(0);
  });
});
