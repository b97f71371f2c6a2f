import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { openChat2DeskAccess } from '../../src/roles/chat2deskAccess.js';
import type { EngineParts } from '../../src/roles/engineParts.js';
import { startSchedulerRole } from '../../src/roles/schedulerRole.js';
import { insertCampaign } from '../scheduler/seed.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const T = new Date('2026-11-27T07:00:00.000Z');
const HOUR = 3_600_000;

let db: TestDatabase;
let sandbox: Sandbox;
beforeAll(async () => {
  db = await createTestDatabase();
  sandbox = await startSandbox({ port: 0, token: 'live-token' });
});
afterAll(async () => {
  await sandbox.close();
  await db.drop();
});

const stops: Array<() => Promise<void>> = [];
const runStops = async () => {
  while (stops.length) await stops.pop()?.();
};
afterEach(async () => {
  await runStops();
  await db.sql`delete from campaigns`;
});

async function engineParts(clock: ManualClock) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const config = loadConfig({
    DATABASE_URL: db.url,
    CHAT2DESK_API_URL: sandbox.url,
    CHAT2DESK_TOKEN: 'live-token',
    CHAT2DESK_REQUESTS_PER_SECOND: '0',
  });
  const addStop = (stop: () => Promise<void>) => stops.push(stop);
  const chat2desk = await openChat2DeskAccess({ config, clock, logger, db, sandbox: undefined, addStop });
  const parts: EngineParts = { config, clock, logger, db, webhookSecret: 'a'.repeat(48), chat2desk, addStop };
  return { parts, lines };
}

const runsOf = (campaignId: number) =>
  db.sql`select scheduled_for from campaign_runs where campaign_id = ${campaignId}`;

describe('startSchedulerRole', () => {
  it('starts a timekeeper that turns a due campaign into a run, logging that it started', async () => {
    const { parts, lines } = await engineParts(new ManualClock(T));
    const campaignId = await insertCampaign(db.sql, { scheduleAt: new Date(T.getTime() - 60_000) });

    const timekeeper = startSchedulerRole(parts);
    await once(timekeeper, 'tick');

    expect(await runsOf(campaignId)).toEqual([{ scheduled_for: new Date(T.getTime() - 60_000) }]);
    expect(lines).toContainEqual(expect.objectContaining({ role: 'timekeeper', msg: 'timekeeper started' }));
  });

  it("keeps the time of the engine's clock, not the machine's", async () => {
    const clock = new ManualClock(T);
    const { parts } = await engineParts(clock);
    const campaignId = await insertCampaign(db.sql, { scheduleAt: new Date(T.getTime() + HOUR) });
    const timekeeper = startSchedulerRole(parts);

    await once(timekeeper, 'tick');
    expect(await runsOf(campaignId)).toEqual([]);

    clock.advance(HOUR);
    await once(timekeeper, 'tick');
    expect(await runsOf(campaignId)).toEqual([{ scheduled_for: new Date(T.getTime() + HOUR) }]);
  });

  it("adds its stop to the engine's: once it has run, the timekeeper ticks no more", async () => {
    const { parts, lines } = await engineParts(new ManualClock(T));
    const timekeeper = startSchedulerRole(parts);
    await once(timekeeper, 'tick');
    let ticks = 0;
    timekeeper.on('tick', () => ticks++);

    await runStops();
    const campaignId = await insertCampaign(db.sql, { scheduleAt: new Date(T.getTime() - 60_000) });
    // Longer than the one-second tick: a timekeeper still running would have ticked by now.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(ticks).toBe(0);
    expect(await runsOf(campaignId)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'timekeeper stopped' }));
  });
});
