import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  advanceReplyCursor,
  beginReplyPoll,
  completeReplyPoll,
  type ReplyPollBudget,
  readReplyPoll,
} from '../../../src/delivery/sql/replyPolls.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const at = (ms: number) => new Date(START.getTime() + ms);

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

function begin(
  now: Date,
  options: { coverSince?: Date; budget?: ReplyPollBudget | null; name?: string } = {},
) {
  return beginReplyPoll(db.sql, {
    name: options.name ?? 'inbox',
    now,
    intervalMs: MINUTE,
    budget: options.budget ?? null,
    ...(options.coverSince ? { coverSince: options.coverSince } : {}),
  });
}

describe('beginReplyPoll', () => {
  it('begins the first poll from no cursor, and records when', async () => {
    expect(await readReplyPoll(db.sql, 'inbox')).toBeUndefined();

    expect(await begin(START)).toEqual({ lastMessageId: null });

    expect(await readReplyPoll(db.sql, 'inbox')).toEqual({
      polledAt: START,
      completedAt: null,
      lastMessageId: null,
      tokens: 0,
    });
  });

  it('begins the next one only an interval after the last began', async () => {
    await begin(START);

    expect(await begin(at(MINUTE - 1))).toBeUndefined();
    expect((await readReplyPoll(db.sql, 'inbox'))?.polledAt).toEqual(START);
    expect(await begin(at(MINUTE))).toEqual({ lastMessageId: null });
    expect((await readReplyPoll(db.sql, 'inbox'))?.polledAt).toEqual(at(MINUTE));
  });

  it('begins early when asked to cover an instant the last poll began before', async () => {
    await begin(START);

    // A poll that began at START has seen what came by START, not what came after it.
    expect(await begin(at(10 * SECOND), { coverSince: START })).toBeUndefined();
    expect(await begin(at(10 * SECOND), { coverSince: at(5 * SECOND) })).toEqual({ lastMessageId: null });
  });

  it('lets one of several instances deciding at once begin', async () => {
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => begin(START)));

    expect(outcomes.filter((o) => o !== undefined)).toEqual([{ lastMessageId: null }]);
  });

  it('keeps each named poll apart', async () => {
    await begin(START, { name: 'inbox' });

    expect(await begin(at(SECOND), { name: 'statuses' })).toEqual({ lastMessageId: null });
    expect(await begin(at(SECOND), { name: 'inbox' })).toBeUndefined();
  });
});

describe('beginReplyPoll with a budget', () => {
  const budget = (over: Partial<ReplyPollBudget> = {}): ReplyPollBudget => ({
    perMs: 0,
    earned: 0,
    capacity: 3,
    keep: 0,
    ...over,
  });

  it('starts with a full bucket and spends one token per poll', async () => {
    expect(await begin(START, { budget: budget() })).toEqual({ lastMessageId: null });

    expect((await readReplyPoll(db.sql, 'inbox'))?.tokens).toBe(2);
  });

  it("says 'budget' when a poll is due but would leave fewer tokens than it must keep, and does not begin it", async () => {
    await begin(START, { budget: budget({ capacity: 2 }) });

    expect(await begin(at(MINUTE), { budget: budget({ capacity: 2, keep: 1 }) })).toBe('budget');

    expect(await readReplyPoll(db.sql, 'inbox')).toMatchObject({ polledAt: START, tokens: 1 });
  });

  it('refills the bucket with engine time and with what sending earned, never past its capacity', async () => {
    await begin(START, { budget: budget({ capacity: 2 }) });
    await begin(at(MINUTE), { budget: budget({ capacity: 2 }) });
    expect((await readReplyPoll(db.sql, 'inbox'))?.tokens).toBe(0);

    // Half a token a minute, plus one earned: 0 + 0.5 + 1, less the poll's token.
    const perMs = 0.5 / MINUTE;
    expect(await begin(at(2 * MINUTE), { budget: budget({ capacity: 2, perMs, earned: 1 }) })).toEqual({
      lastMessageId: null,
    });
    expect((await readReplyPoll(db.sql, 'inbox'))?.tokens).toBeCloseTo(0.5, 9);

    // An hour later: capped at 2 before the poll takes one.
    await begin(at(62 * MINUTE), { budget: budget({ capacity: 2, perMs }) });
    expect((await readReplyPoll(db.sql, 'inbox'))?.tokens).toBe(1);
  });

  it('writes the refilled level back even when no poll is due', async () => {
    await begin(START, { budget: budget({ capacity: 3 }) });

    expect(await begin(at(SECOND), { budget: budget({ capacity: 3, earned: 0.25 }) })).toBeUndefined();

    expect(await readReplyPoll(db.sql, 'inbox')).toMatchObject({ polledAt: START, tokens: 2.25 });
  });
});

describe('the reply cursor and completion', () => {
  it('moves the cursor forward only, and the next poll reads from it', async () => {
    await begin(START);

    await advanceReplyCursor(db.sql, 'inbox', 100);
    await advanceReplyCursor(db.sql, 'inbox', 50);

    expect((await readReplyPoll(db.sql, 'inbox'))?.lastMessageId).toBe(100);
    expect(await begin(at(MINUTE))).toEqual({ lastMessageId: 100 });
  });

  it('records the latest start of a poll that succeeded, whatever order they finish in', async () => {
    await begin(START);

    await completeReplyPoll(db.sql, 'inbox', at(MINUTE));
    await completeReplyPoll(db.sql, 'inbox', START);

    expect((await readReplyPoll(db.sql, 'inbox'))?.completedAt).toEqual(at(MINUTE));
  });
});
