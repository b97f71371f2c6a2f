import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CrashRunOptions, type CrashRunResult, runCrashScenario } from './crashRun.js';

/**
 * The crash suite: real processes, real kills, a real PostgreSQL restart. CI runs it at a reduced size;
 * `node bench/crash.mjs --contacts 20000` runs the same file at full size (CRASH_CONTACTS).
 * Run `npm run build` first: the engines and the sandbox are the built CLI.
 */
/**
 * Heavy: seven processes and PostgreSQL saturate a small CI host for minutes, which makes other test
 * files' timing-sensitive checks (the rate limiter's) flaky when run alongside. So it runs only when
 * asked: `CRASH_SUITE=1 npx vitest run test/crash/crash.test.ts` as a CI step of its own (and
 * `node bench/crash.mjs`, which sets it).
 */
const enabled = process.env.CRASH_SUITE === '1';
const contacts = Number(process.env.CRASH_CONTACTS ?? 1_500);
const REQUESTS_PER_SECOND = 200;
const WHATSAPP_DELAY_MS = 2_000;
/** A killed worker's claims wait out the lease before another worker takes them over. */
const LEASE_MS = 30_000;

const options: CrashRunOptions = {
  contacts,
  workers: 3,
  requestsPerSecond: REQUESTS_PER_SECOND,
  leaseMs: LEASE_MS,
  whatsappDelayMs: WHATSAPP_DELAY_MS,
  chaosMs: Number(process.env.CRASH_CHAOS_MS ?? 20_000),
  // Two leases (a claim taken just before the chaos ends, by a worker whose database connection then
  // failed, is released only when its lease runs out), plus ~2.5 requests per contact at the rate.
  settleTimeoutMs: 2 * LEASE_MS + 60_000 + Math.ceil(((contacts * 2.5) / REQUESTS_PER_SECOND) * 1000),
  faults: {
    seed: Number(process.env.CRASH_SEED ?? 42),
    serverErrorRate: 0.03,
    rateLimitRate: 0.03,
    dropConnectionRate: 0.02,
    acceptThenDropRate: 0.03,
  },
  log: process.env.CRASH_VERBOSE ? (line) => console.log(`[crash] ${line}`) : undefined,
};
const SETUP_TIMEOUT_MS = options.chaosMs + options.settleTimeoutMs + 120_000;

const SENT = new Set(['sent', 'delivered', 'read']);
const FINAL = new Set(['failed', 'skipped']);

let run: CrashRunResult;

beforeAll(async () => {
  if (!enabled) return;
  run = await runCrashScenario(options);
  const summary = { contacts, ...run.figures, busiestSecond: run.stats.busiestSecond, report: run.report };
  console.log(`crash suite figures: ${JSON.stringify(summary)}`);
  if (process.env.CRASH_REPORT) await writeFile(process.env.CRASH_REPORT, JSON.stringify(summary, null, 2));
}, SETUP_TIMEOUT_MS);

/** Messages to clients in the sandbox, by the phone of their client. */
function messagesByPhone(): Map<string, number> {
  const phoneOf = new Map(run.clients.map((c) => [c.id, c.phone]));
  const counts = new Map<string, number>();
  for (const m of run.messages) {
    if (m.type !== 'to_client') continue;
    const phone = phoneOf.get(m.clientId) ?? `client ${m.clientId}`;
    counts.set(phone, (counts.get(phone) ?? 0) + 1);
  }
  return counts;
}

describe.skipIf(!enabled)(
  `a ${contacts}-contact WhatsApp broadcast through three worker processes under kills and faults`,
  () => {
    it('really killed and restarted workers and PostgreSQL, and every delivery settled', () => {
      expect(run.figures.kills).toBeGreaterThanOrEqual(5);
      expect(run.figures.postgresRestarts).toBe(1);
      expect(run.figures.messageIdSwitchedOff).toBe(true);
      expect(run.stuck, 'deliveries still open at the end').toEqual([]);
      expect(run.figures.settledAfterMs).not.toBeNull();
      expect(run.deliveries).toHaveLength(contacts);
    });

    // Found by this suite: postgres.js (3.4.9) left a rejection unhandled when a new connection failed
    // while reading array types, which ended the process (src/db/typeFetchGuard.ts).
    it('keeps every engine that had started running through the PostgreSQL outage', () => {
      const died = run.unexpectedExits.filter((e) => e.started);
      expect(died.map((e) => `${e.role} ${e.code ?? e.signal}: ${e.tail.slice(-1500)}`)).toEqual([]);
    });

    it('gives every contact exactly one message in the sandbox, or a final state with a reason', () => {
      const inSandbox = messagesByPhone();
      const problems: string[] = [];
      for (const d of run.deliveries) {
        const messages = inSandbox.get(d.phone) ?? 0;
        if (SENT.has(d.state) && messages !== 1)
          problems.push(`${d.phone} ${d.state} with ${messages} messages`);
        if (FINAL.has(d.state) && (messages !== 0 || !d.reason))
          problems.push(`${d.phone} ${d.state} (${d.reason}) with ${messages} messages`);
        if (!SENT.has(d.state) && !FINAL.has(d.state)) problems.push(`${d.phone} still ${d.state}`);
      }
      const known = new Set(run.deliveries.map((d) => d.phone));
      for (const [phone, n] of inSandbox) if (!known.has(phone)) problems.push(`${n} messages to ${phone}`);
      expect(problems.slice(0, 20)).toEqual([]);
    });

    it('sends to exactly the contacts with consent and a diallable phone, skipping the rest with reasons', () => {
      // Contact i has phone 79000000000 + i, or '0' and i padded when its phone cannot be dialled.
      const indexOf = (phone: string) =>
        phone.startsWith('0') ? Number(phone) : Number(phone) - 79_000_000_000;
      const expectedSent = run.deliveries.filter((d) => {
        const i = indexOf(d.phone);
        return i % 23 !== 0 && i % 10 !== 0 && i % 7 !== 0;
      });
      expect(run.deliveries.filter((d) => SENT.has(d.state)).length).toBe(expectedSent.length);
      const skipped = run.deliveries.filter((d) => d.state === 'skipped');
      expect(skipped.every((d) => d.reason)).toBe(true);
    });

    it("never accepts a WhatsApp message before its client's new-client delay has passed", () => {
      const addedAt = new Map<number, number>();
      for (const c of run.clients) {
        const wa = c.transports.find((t) => t.transport === 'whatsapp');
        if (wa) addedAt.set(c.id, Date.parse(wa.addedAt));
      }
      const early = run.messages.filter((m) => {
        if (m.type !== 'to_client' || m.transport !== 'whatsapp') return false;
        const added = addedAt.get(m.clientId);
        return added === undefined || Date.parse(m.acceptedAt) < added + WHATSAPP_DELAY_MS;
      });
      expect(early.slice(0, 10)).toEqual([]);
    });

    it('never exceeds the configured request rate in any second, however many workers share it', () => {
      expect(run.stats.requestCount).toBeGreaterThan(contacts);
      expect(run.stats.busiestSecond).toBeLessThanOrEqual(REQUESTS_PER_SECOND);
    });

    it('reports the same counts as the sandbox holds: sent deliveries = messages in the sandbox', () => {
      const messages = run.messages.filter((m) => m.type === 'to_client').length;
      const sentInReport = ['sent', 'delivered', 'read'].reduce((n, s) => n + (run.report.counts[s] ?? 0), 0);
      expect(sentInReport).toBe(messages);
      expect(run.report.total).toBe(contacts);
      const fromRows: Record<string, number> = {};
      for (const d of run.deliveries) fromRows[d.state] = (fromRows[d.state] ?? 0) + 1;
      for (const [state, n] of Object.entries(fromRows)) expect(run.report.counts[state]).toBe(n);
    });

    it('neither loses nor duplicates a message Chat2Desk accepted before the answer was lost, with and without message_id', () => {
      // The accept-then-drop fault and the kills leave sends in `sending`; reconciliation decides them.
      expect(run.figures.reconciledFound).toBeGreaterThan(0);
      expect(run.figures.sentWithoutMessageId).toBeGreaterThan(0);
      // Exactly-once per contact is the check above; here: no text reached a client twice.
      const seen = new Set<string>();
      const duplicates = run.messages.filter((m) => {
        const key = `${m.clientId}|${m.text}`;
        if (m.type !== 'to_client') return false;
        if (seen.has(key)) return true;
        seen.add(key);
        return false;
      });
      expect(duplicates).toEqual([]);
    });
  },
);
