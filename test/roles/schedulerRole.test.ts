import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { startSchedulerRole } from '../../src/roles/schedulerRole.js';
import { insertCampaign } from '../scheduler/seed.js';
import { buildEngineParts, shareDatabaseAndSandbox, stopSequence } from './engineParts.js';

const T = new Date('2026-11-27T07:00:00.000Z');
const HOUR = 3_600_000;

const shared = shareDatabaseAndSandbox();
const { addStop, runAll: runStops } = stopSequence();
afterEach(async () => {
  await runStops();
  await shared.db.sql`delete from campaigns`;
});

const engineParts = (clock: ManualClock) =>
  buildEngineParts({ ...shared, clock, webhookSecret: 'a'.repeat(48), addStop });

const runsOf = (campaignId: number) =>
  shared.db.sql`select scheduled_for from campaign_runs where campaign_id = ${campaignId}`;

describe('startSchedulerRole', () => {
  it('starts a timekeeper that turns a due campaign into a run, logging that it started', async () => {
    const { parts, lines } = await engineParts(new ManualClock(T));
    const campaignId = await insertCampaign(shared.db.sql, { scheduleAt: new Date(T.getTime() - 60_000) });

    const timekeeper = startSchedulerRole(parts);
    await once(timekeeper, 'tick');

    expect(await runsOf(campaignId)).toEqual([{ scheduled_for: new Date(T.getTime() - 60_000) }]);
    expect(lines).toContainEqual(expect.objectContaining({ role: 'timekeeper', msg: 'timekeeper started' }));
  });

  it("keeps the time of the engine's clock, not the machine's", async () => {
    const clock = new ManualClock(T);
    const { parts } = await engineParts(clock);
    const campaignId = await insertCampaign(shared.db.sql, { scheduleAt: new Date(T.getTime() + HOUR) });
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
    const campaignId = await insertCampaign(shared.db.sql, { scheduleAt: new Date(T.getTime() - 60_000) });
    // Longer than the one-second tick: a timekeeper still running would have ticked by now.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(ticks).toBe(0);
    expect(await runsOf(campaignId)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'timekeeper stopped' }));
  });
});
