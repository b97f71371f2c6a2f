import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CampaignNotFoundError } from '../../src/campaigns/errors.js';
import {
  CampaignStoppedError,
  readCampaignProgress,
  WaitInterruptedError,
  waitForCampaign,
} from '../../src/cli/waitForCampaign.js';
import { insertCampaign } from '../scheduler/seed.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import { seedContact, seedDelivery } from '../support/seedDeliveries.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

/** A campaign in `status` with deliveries in the given states. */
async function campaignWith(
  status: 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled',
  states: Array<'queued' | 'waiting' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'skipped'>,
  options: { statusReason?: string; nextRunAt?: Date | null } = {},
): Promise<number> {
  const campaignId = await insertCampaign(db.sql, {
    status,
    scheduleAt: START,
    nextRunAt: options.nextRunAt ?? null,
  });
  if (options.statusReason) {
    await db.sql`update campaigns set status_reason = ${options.statusReason} where id = ${campaignId}`;
  }
  const [run] = await db.sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaignId}, ${START}) returning id`;
  for (const [i, state] of states.entries()) {
    const contactId = await seedContact(db.sql, String(79004440000 + campaignId * 100 + i));
    const reason = state === 'failed' || state === 'skipped' ? 'seeded' : null;
    await seedDelivery(db.sql, { campaignId, runId: run!.id }, { contactId, state, reason });
  }
  return campaignId;
}

function terminal() {
  const writes: string[] = [];
  return { writes, stream: { write: (text: string) => writes.push(text), isTTY: true, columns: 121 } };
}

const never = new Promise<never>(() => {});

describe('readCampaignProgress', () => {
  it('counts the deliveries, and those past sending as settled', async () => {
    const id = await campaignWith('running', [
      'queued',
      'waiting',
      'sending',
      'sent',
      'delivered',
      'read',
      'failed',
      'skipped',
    ]);

    expect(await readCampaignProgress(db.sql, id)).toEqual({
      status: 'running',
      statusReason: null,
      nextRunAt: null,
      total: 8,
      settled: 5,
    });
  });

  it('reads a campaign without deliveries as none', async () => {
    const id = await campaignWith('scheduled', [], { nextRunAt: START });

    expect(await readCampaignProgress(db.sql, id)).toEqual({
      status: 'scheduled',
      statusReason: null,
      nextRunAt: START,
      total: 0,
      settled: 0,
    });
  });

  it('says a campaign that does not exist is not found', async () => {
    await expect(readCampaignProgress(db.sql, 999_999)).rejects.toBeInstanceOf(CampaignNotFoundError);
  });
});

describe('waitForCampaign', () => {
  it('returns at once for a completed campaign, having drawn where it stands', async () => {
    const id = await campaignWith('completed', ['sent', 'failed']);
    const { writes, stream } = terminal();

    const row = await waitForCampaign(db.sql, id, { stream, quiet: false, stopped: never });

    expect(row).toMatchObject({ status: 'completed', total: 2, settled: 2 });
    // Drawn when read, redrawn at the finish, and left on a fresh line.
    const line = `Campaign ${id}  [${'#'.repeat(30)}]  100%  2/2  completed, settled`;
    expect(writes.map((w) => w.trim())).toEqual([line, line, '']);
  });

  it('fails, saying where and why, for a campaign that came to rest paused or cancelled', async () => {
    const paused = await campaignWith('paused', ['queued'], { statusReason: 'quota' });
    const cancelled = await campaignWith('cancelled', []);
    const { stream } = terminal();

    const error = await waitForCampaign(db.sql, paused, { stream, quiet: true, stopped: never }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(CampaignStoppedError);
    expect(error).toMatchObject({
      code: 'campaign_not_completed',
      message: `campaign ${paused} is paused (quota)`,
      details: { campaignId: paused, status: 'paused', reason: 'quota' },
    });
    await expect(waitForCampaign(db.sql, cancelled, { stream, quiet: true, stopped: never })).rejects.toThrow(
      `campaign ${cancelled} is cancelled`,
    );
  });

  it('stops waiting when told to, saying the campaign is still going', async () => {
    const id = await campaignWith('scheduled', [], { nextRunAt: START });
    const { writes, stream } = terminal();

    const error = await waitForCampaign(db.sql, id, {
      stream,
      quiet: false,
      stopped: Promise.resolve(),
    }).catch((e) => e);

    expect(error).toBeInstanceOf(WaitInterruptedError);
    expect(error.message).toBe(`stopped waiting: campaign ${id} is still scheduled`);
    expect(writes[0]!.trim()).toBe(`Campaign ${id}  0  scheduled, next run ${START.toISOString()}`);
  });

  it('draws a running campaign without deliveries as such, and nothing when quiet', async () => {
    const id = await campaignWith('running', []);
    const loud = terminal();
    const quiet = terminal();

    await waitForCampaign(db.sql, id, { ...loud, quiet: false, stopped: Promise.resolve() }).catch(
      () => undefined,
    );
    await waitForCampaign(db.sql, id, { ...quiet, quiet: true, stopped: Promise.resolve() }).catch(
      () => undefined,
    );

    expect(loud.writes[0]!.trim()).toBe(`Campaign ${id}  0  running, no deliveries yet`);
    expect(quiet.writes).toEqual([]);
  });

  it('follows a pause by a person: says so, keeps watching, and carries on after the resume', async () => {
    const id = await campaignWith('running', ['queued']);
    await db.sql`update campaigns set status = 'paused' where id = ${id}`;
    const notes: string[] = [];
    let acting: Promise<unknown> = Promise.resolve();
    const stream = {
      write: (text: string) => {
        if (!text.startsWith(`Campaign ${id} `) || text.includes('  ')) return; // the plain progress lines
        notes.push(text.trim());
        // A person resumes once the pause is told; then the engine finishes the work.
        acting = text.includes('is paused')
          ? db.sql.begin((tx) => tx`update campaigns set status = 'running' where id = ${id}`)
          : db.sql.begin(async (tx) => {
              await tx`update deliveries set state = 'sent' where campaign_id = ${id}`;
              await tx`update campaigns set status = 'completed' where id = ${id}`;
            });
      },
    };

    const row = await waitForCampaign(db.sql, id, { stream, quiet: false, stopped: never });
    await acting;

    expect(row.status).toBe('completed');
    expect(notes).toEqual([
      `Campaign ${id} is paused: waiting for it to be resumed (Ctrl-C stops waiting).`,
      `Campaign ${id} was resumed (running): watching again.`,
    ]);
  });

  it('polls until the campaign completes', async () => {
    const id = await campaignWith('running', ['queued', 'sent']);
    const writes: string[] = [];
    let completing: Promise<unknown> | undefined;
    const stream = {
      isTTY: true,
      columns: 121,
      write: (text: string) => {
        writes.push(text);
        // The engine finishes the work once the first state has been drawn.
        completing ??= db.sql.begin(async (tx) => {
          await tx`update deliveries set state = 'sent' where campaign_id = ${id}`;
          await tx`update campaigns set status = 'completed' where id = ${id}`;
        });
      },
    };

    const row = await waitForCampaign(db.sql, id, { stream, quiet: false, stopped: never });
    await completing;

    expect(row).toMatchObject({ status: 'completed', total: 2, settled: 2 });
    expect(writes[0]!.trim()).toBe(
      `Campaign ${id}  [${'#'.repeat(15)}${'.'.repeat(15)}]   50%  1/2  running, settled`,
    );
  });
});
