-- Client replies (STOP) read from Chat2Desk on a clock of their own when no web hook brings them:
-- one row per kind of poll, shared by every engine instance, so one instance polls per interval
-- (the conditional update on polled_at decides which), the cursor survives restarts, and the polls'
-- budget (a token bucket refilled from a share of the monthly quota) is spent once, not per instance.

-- CreateTable
CREATE TABLE "reply_polls" (
    "name" TEXT NOT NULL,
    -- When the latest poll began (engine time); another may begin an interval later.
    "polled_at" TIMESTAMPTZ(3),
    -- When the latest poll that succeeded began: replies that reached Chat2Desk before it are applied.
    "completed_at" TIMESTAMPTZ(3),
    -- The newest client message id read so far.
    "last_message_id" BIGINT,
    "tokens" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "refilled_at" TIMESTAMPTZ(3),

    CONSTRAINT "reply_polls_pkey" PRIMARY KEY ("name")
);
