-- OPT_OUT_CONFIRMATION_TEXT: the one reply a client who wrote STOP gets. Recorded in the transaction
-- that applies the STOP, one row per opt-out (contact and the time it took effect), so a replayed web
-- hook, a second STOP, a restart or a second instance never makes a second one. `attempted_at` is
-- set before the request goes out: a confirmation is sent at most once, never twice.
CREATE TABLE "opt_out_confirmations" (
    "contact_id" INTEGER NOT NULL,
    "opted_out_at" TIMESTAMPTZ(3) NOT NULL,
    "chat2desk_client_id" BIGINT NOT NULL,
    "transport" TEXT,
    "channel_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "attempted_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "error" TEXT,
    CONSTRAINT "opt_out_confirmations_pkey" PRIMARY KEY ("contact_id", "opted_out_at"),
    CONSTRAINT "opt_out_confirmations_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- The sender reads the few not yet attempted, oldest first.
CREATE INDEX "opt_out_confirmations_due_idx" ON "opt_out_confirmations" ("created_at") WHERE "attempted_at" IS NULL;
