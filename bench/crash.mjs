// Crash suite at full size: the same scenario as the CI test (test/crash/crash.test.ts), bigger.
//
//   npm run build && node bench/crash.mjs [--contacts 20000] [--chaos-ms 60000] [--seed 42] [--report FILE]
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
    'chaos-ms': { type: 'string', default: '60000' },
    seed: { type: 'string', default: '42' },
    report: { type: 'string' },
  },
});

const env = {
  ...process.env,
  CRASH_SUITE: '1',
  CRASH_CONTACTS: values.contacts,
  CRASH_CHAOS_MS: values['chaos-ms'],
  CRASH_SEED: values.seed,
  CRASH_VERBOSE: '1',
  ...(values.report ? { CRASH_REPORT: values.report } : {}),
};
const result = spawnSync('npx', ['vitest', 'run', 'test/crash/crash.test.ts'], { env, stdio: 'inherit' });
process.exit(result.status ?? 1);
