// Crash suite at full size: the same scenario as the CI test (test/crash/crash.test.ts), bigger.
//
//   npm run build && node bench/crash.mjs [--contacts 20000] [--chaos-ms N] [--seed 42] [--report FILE]
//
// The chaos lasts, by default, 80 % of the time the broadcast needs at 200 requests/s (two requests a
// contact: 160 s for 20,000), so kills, faults and the answers without message_id hit the sends and
// not only the client creations that come first.
//
// Three worker processes and a scheduler send a WhatsApp broadcast to the sandbox (a process of its
// own, with 5xx, 429, dropped connections and accept-then-drop faults) while a worker is SIGKILLed
// every 1-3 s and PostgreSQL (an embedded server of the run's own) is restarted once. The checks are
// the test's; the figures (kills, restarts, reconciliations, busiest second, duration) are printed
// and, with --report, written as JSON. See docs/reliability.md.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    'chaos-ms': { type: 'string' },
    seed: { type: 'string', default: '42' },
    report: { type: 'string' },
  },
});

const env = {
  ...process.env,
  CRASH_SUITE: '1',
  CRASH_CONTACTS: values.contacts,
  CRASH_CHAOS_MS:
    values['chaos-ms'] ??
    String(Math.max(20_000, Math.round(((Number(values.contacts) * 2) / 200) * 1000 * 0.8))),
  CRASH_SEED: values.seed,
  CRASH_VERBOSE: '1',
  ...(values.report ? { CRASH_REPORT: values.report } : {}),
};
const result = spawnSync('npx', ['vitest', 'run', 'test/crash/crash.test.ts'], { env, stdio: 'inherit' });
process.exit(result.status ?? 1);
