-- What the engine learnt about the Chat2Desk account from its answers (e.g. that client creation is
-- switched off), shared by every instance and re-checked after a while: `learnt_at` says when.
CREATE TABLE "chat2desk_account_facts" (
    "fact" TEXT NOT NULL,
    "value" BOOLEAN NOT NULL,
    "learnt_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "chat2desk_account_facts_pkey" PRIMARY KEY ("fact")
);
