import { describe, expect, it } from 'vitest';
import { runCrashScenario } from './crashRun.js';

const enabled = process.env.CRASH_SUITE === '1';

describe.skipIf(!enabled)('workers through repeated PostgreSQL restarts (no kills)', () => {
  it('keeps every engine that had started running', async () => {
    const run = await runCrashScenario({
      contacts: 600,
      workers: 3,
      requestsPerSecond: 100,
      leaseMs: 30_000,
      whatsappDelayMs: 1_000,
      chaosMs: 40_000,
      killWorkers: false,
      postgresRestarts: 4,
      // Without kills nothing waits for a lease: a worker takes up its own interrupted work.
      settleTimeoutMs: 90_000,
      faults: { seed: 7, serverErrorRate: 0, rateLimitRate: 0, dropConnectionRate: 0, acceptThenDropRate: 0 },
      log: (line) => console.log(`[outage] ${line}`),
    });
    const died = run.unexpectedExits.filter((e) => e.started);
    expect(died.map((e) => `${e.role} ${e.code ?? e.signal}: ${e.tail.slice(-3000)}`)).toEqual([]);
    expect(run.figures.postgresRestarts).toBe(4);
    expect(run.stuck).toEqual([]);
    // Exactly once through the outages: one message per sent delivery, none to anyone twice.
    const sent = run.deliveries.filter((d) => d.state === 'sent');
    const toClients = run.messages.filter((m) => m.type === 'to_client');
    expect(toClients).toHaveLength(sent.length);
    expect(new Set(toClients.map((m) => m.clientId)).size).toBe(toClients.length);
  }, 600_000);
});
