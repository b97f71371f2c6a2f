import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { MAX_SEND_ATTEMPTS, retryDelayMs } from '../../src/delivery/backoff.js';
import { ClaimSettler } from '../../src/delivery/claimSettler.js';
import { type ClaimedDelivery, claimDueDeliveries } from '../../src/delivery/sql/claimDueDeliveries.js';
import { MoveBatcher } from '../../src/delivery/sql/moveDeliveries.js';
import { recordingLogger } from '../scheduler/seed.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import { deliveryEvents, seedContact, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';

const HALF = () => 0.5;

let db: TestDatabase;
let clock: ManualClock;
let log: ReturnType<typeof recordingLogger>;
let settler: ClaimSettler;
let home: { campaignId: number; runId: number };

beforeEach(async () => {
  db = await createTestDatabase();
  clock = new ManualClock(START);
  log = recordingLogger();
  settler = new ClaimSettler({
    sql: db.sql,
    clock,
    random: HALF,
    workerId: 'w1',
    logger: log.logger,
    moves: new MoveBatcher(db.sql),
  });
  home = await seedRunningCampaign(db.sql);
});
afterEach(async () => {
  await db.drop();
});

/** One queued delivery, claimed by w1 as its worker would claim it. */
async function claimedDelivery(attempts = 0): Promise<ClaimedDelivery> {
  const contactId = await seedContact(db.sql, '79001234567');
  const id = await seedDelivery(db.sql, home, { contactId });
  await db.sql`update deliveries set attempts = ${attempts} where id = ${id}`;
  const [claimed] = await claimDueDeliveries(db.sql, {
    workerId: 'w1',
    now: START,
    limit: 10,
    leaseMs: 60_000,
  });
  expect(claimed?.id).toBe(id);
  return claimed!;
}

/** The claimed delivery recorded as `sending` (its attempt counted), as the worker holds it then. */
async function sendingDelivery(attempts = 0): Promise<ClaimedDelivery> {
  const d = await claimedDelivery(attempts);
  expect(await settler.move(d, 'sending', null, { renderedText: 'Hi', attempts: attempts + 1 })).toBe(true);
  return { ...d, state: 'sending', attempts: attempts + 1, sendingAt: START, renderedText: 'Hi' };
}

async function row(id: string) {
  const [r] = await db.sql<
    {
      state: string;
      reason: string | null;
      attempts: number;
      next_attempt_at: Date;
      locked_by: string | null;
      chat2desk_client_id: string | null;
    }[]
  >`select state, reason, attempts, next_attempt_at, locked_by, chat2desk_client_id::text from deliveries where id = ${id}`;
  return r!;
}

describe('settle', () => {
  it('leaves a delivery waiting until the given instant with its reason, the claim let go', async () => {
    const d = await claimedDelivery();
    const until = new Date(START.getTime() + 3_600_000);
    await settler.settle(d, 'waiting', 'outside_send_window', { nextAttemptAt: until });
    expect(await row(d.id)).toMatchObject({
      state: 'waiting',
      reason: 'outside_send_window',
      next_attempt_at: until,
      locked_by: null,
    });
    expect(await deliveryEvents(db.sql, d.id)).toEqual([
      { from_state: 'queued', to_state: 'waiting', reason: 'outside_send_window', details: null },
    ]);
  });

  it('keeps the details beside the event of a final state', async () => {
    const d = await claimedDelivery();
    await settler.settle(d, 'skipped', 'message_too_long', {}, { detail: '5000 characters' });
    expect(await deliveryEvents(db.sql, d.id)).toEqual([
      {
        from_state: 'queued',
        to_state: 'skipped',
        reason: 'message_too_long',
        details: { detail: '5000 characters' },
      },
    ]);
  });
});

describe('holdBack', () => {
  it('skips for good when the timing says skip', async () => {
    const d = await claimedDelivery();
    await settler.holdBack(d, { action: 'skip', reason: 'too_late' });
    expect(await row(d.id)).toMatchObject({ state: 'skipped', reason: 'too_late', locked_by: null });
  });

  it('waits until the timing’s instant, keeping the changes it is given', async () => {
    const d = await claimedDelivery();
    const until = new Date(START.getTime() + 420_000);
    await settler.holdBack(
      d,
      { action: 'wait', reason: 'whatsapp_new_client_delay', until },
      { chat2deskClientId: '777' },
    );
    expect(await row(d.id)).toMatchObject({
      state: 'waiting',
      reason: 'whatsapp_new_client_delay',
      next_attempt_at: until,
      chat2desk_client_id: '777',
    });
  });
});

describe('retry', () => {
  it('counts the attempt of a delivery that failed before sending and waits the back-off', async () => {
    const d = await claimedDelivery();
    await settler.retry(d, 'server_error', { status: 502 });
    expect(await row(d.id)).toMatchObject({
      state: 'waiting',
      reason: 'retry:server_error',
      attempts: 1,
      next_attempt_at: new Date(START.getTime() + retryDelayMs(1, HALF)),
      locked_by: null,
    });
  });

  it('does not count again the attempt a sending delivery counted when it was recorded', async () => {
    const d = await sendingDelivery(2);
    await settler.retry(d, 'timeout');
    expect(await row(d.id)).toMatchObject({
      state: 'waiting',
      reason: 'retry:timeout',
      attempts: 3,
      next_attempt_at: new Date(START.getTime() + retryDelayMs(3, HALF)),
    });
  });

  it('fails the delivery, naming the cause, once the attempts are spent', async () => {
    const d = await claimedDelivery(MAX_SEND_ATTEMPTS - 1);
    await settler.retry(d, 'rate_limited');
    expect(await row(d.id)).toMatchObject({
      state: 'failed',
      reason: 'attempts_exhausted:rate_limited',
      attempts: MAX_SEND_ATTEMPTS,
    });
  });

  it('skips as cancelled a send found not to have gone out when its campaign was cancelled meanwhile', async () => {
    const d = await sendingDelivery();
    await db.sql`update campaigns set status = 'cancelled' where id = ${home.campaignId}`;
    await settler.retry(d, 'timeout', { reconciled: 'not_found' });
    expect(await row(d.id)).toMatchObject({ state: 'skipped', reason: 'cancelled' });
  });

  it('forgets the client id when told to, so the next attempt resolves the client again', async () => {
    const d = await claimedDelivery();
    await db.sql`update deliveries set chat2desk_client_id = 55 where id = ${d.id}`;
    await settler.retry(d, 'client_not_found', { clientId: '55' }, { chat2deskClientId: null });
    expect(await row(d.id)).toMatchObject({ reason: 'retry:client_not_found', chat2desk_client_id: null });
  });
});

describe('putBack', () => {
  it('returns a sending delivery to the queue with its attempt given back', async () => {
    const d = await sendingDelivery(1);
    await settler.putBack(d);
    expect(await row(d.id)).toMatchObject({ state: 'queued', attempts: 1, locked_by: null });
  });

  it('only lets go of a queued delivery’s claim, its state untouched', async () => {
    const d = await claimedDelivery();
    await settler.putBack(d);
    expect(await row(d.id)).toMatchObject({ state: 'queued', attempts: 0, locked_by: null });
    expect(await deliveryEvents(db.sql, d.id)).toEqual([]);
  });
});

describe('move', () => {
  it('moves nothing once another worker has taken the delivery over, and says so in the log', async () => {
    const d = await claimedDelivery();
    await db.sql`update deliveries set locked_by = 'w2', lease_token = lease_token + 1000 where id = ${d.id}`;
    expect(await settler.move(d, 'sent', null, { release: true })).toBe(false);
    expect(await row(d.id)).toMatchObject({ state: 'queued', locked_by: 'w2' });
    expect(
      log.lines.some((l) => l.msg === 'delivery moved by someone else first' && l.deliveryId === d.id),
    ).toBe(true);
  });

  it('records no send for a campaign paused after the claim', async () => {
    const d = await claimedDelivery();
    await db.sql`update campaigns set status = 'paused' where id = ${home.campaignId}`;
    expect(await settler.move(d, 'sending', null, { renderedText: 'Hi', attempts: 1 })).toBe(false);
    expect(await row(d.id)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('logs each state change at debug, from and to', async () => {
    const d = await claimedDelivery();
    await settler.settle(d, 'failed', 'rejected');
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        msg: 'delivery state',
        deliveryId: d.id,
        from: 'queued',
        to: 'failed',
        reason: 'rejected',
      }),
    );
  });
});
