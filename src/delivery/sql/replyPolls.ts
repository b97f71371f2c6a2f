import type { Sql } from '../../db/database.js';

/** The shared state of one kind of reply poll (reply_polls). */
export interface ReplyPollState {
  polledAt: Date | null;
  completedAt: Date | null;
  lastMessageId: number | null;
  tokens: number;
}

/** A token bucket filled from a share of the monthly quota; null: no quota to keep to. */
export interface ReplyPollBudget {
  /** Tokens added per millisecond of engine time. */
  perMs: number;
  /** Tokens earned by this instance's other requests since it last added its share. */
  earned: number;
  capacity: number;
  /** Tokens that must remain after this poll (idle polls keep half the bucket for busy times). */
  keep: number;
}

export async function readReplyPoll(sql: Sql, name: string): Promise<ReplyPollState | undefined> {
  const [row] = await sql<
    { polledAt: Date | null; completedAt: Date | null; last: string | null; tokens: number }[]
  >`
    select polled_at as "polledAt", completed_at as "completedAt", last_message_id::text as last, tokens
    from reply_polls where name = ${name}`;
  if (!row) return undefined;
  return {
    polledAt: row.polledAt,
    completedAt: row.completedAt,
    lastMessageId: row.last === null ? null : Number(row.last),
    tokens: row.tokens,
  };
}

/**
 * Begins a poll if one is due: none began within `intervalMs` (or, with `coverSince`, none began at
 * or after that instant — a poll that began earlier cannot have seen what came later), and the budget
 * holds a token beyond what it must keep. One statement, so of several instances only one begins.
 * Returns the cursor to read from, or undefined when no poll is due or the budget said no (`budget`).
 */
export async function beginReplyPoll(
  sql: Sql,
  options: { name: string; now: Date; intervalMs: number; coverSince?: Date; budget: ReplyPollBudget | null },
): Promise<{ lastMessageId: number | null } | 'budget' | undefined> {
  const { name, now, budget } = options;
  await sql`
    insert into reply_polls (name, tokens, refilled_at) values (${name}, ${budget?.capacity ?? 0}, ${now})
    on conflict (name) do nothing`;
  return sql.begin(async (tx) => {
    // The row lock: of several instances deciding at once, one begins and the others see it begun.
    const [row] = await tx<
      { polled_at: Date | null; tokens: number; refilled_at: Date | null; last: string | null }[]
    >`
      select polled_at, tokens, refilled_at, last_message_id::text as last
      from reply_polls where name = ${name} for update`;
    if (!row) return undefined;
    const polledAt = row.polled_at?.getTime();
    const due =
      polledAt === undefined ||
      polledAt <= now.getTime() - options.intervalMs ||
      (options.coverSince !== undefined && polledAt < options.coverSince.getTime());
    // The bucket as it stands now: refilled for the engine time since it was last touched and by
    // what this instance's sending earned, capped; written back whatever is decided.
    const elapsedMs = Math.max(0, now.getTime() - (row.refilled_at?.getTime() ?? now.getTime()));
    const level = budget
      ? Math.min(budget.capacity, row.tokens + elapsedMs * budget.perMs + budget.earned)
      : row.tokens;
    const begins = due && (!budget || level >= budget.keep + 1);
    if (budget || begins) {
      await tx`
        update reply_polls set
          polled_at = ${begins ? now : row.polled_at},
          tokens = ${begins && budget ? level - 1 : level},
          refilled_at = ${now}
        where name = ${name}`;
    }
    if (!due) return undefined;
    if (!begins) return 'budget' as const;
    return { lastMessageId: row.last === null ? null : Number(row.last) };
  });
}

/** The cursor after a page of replies has been applied: it only moves forward. */
export async function advanceReplyCursor(sql: Sql, name: string, lastMessageId: number): Promise<void> {
  await sql`
    update reply_polls set last_message_id = greatest(coalesce(last_message_id, 0), ${lastMessageId})
    where name = ${name}`;
}

/** A poll that began at `startedAt` has applied every reply Chat2Desk held then. */
export async function completeReplyPoll(sql: Sql, name: string, startedAt: Date): Promise<void> {
  await sql`
    update reply_polls set completed_at = greatest(coalesce(completed_at, ${startedAt}), ${startedAt})
    where name = ${name}`;
}
