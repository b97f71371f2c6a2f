-- The account's Chat2Desk client directory, learnt page by page (GET /v1/clients, 200 a page) before a
-- large run, so a contact who is already a Chat2Desk client costs ~1/200 of a request instead of a
-- creation or a lookup. One row: the sync's state, shared by every instance; `next_offset` is where a
-- sync resumes after a crash, `heartbeat_at` tells a live sync from one whose worker died; `wanted` counts
-- the contacts without a client id that asked for it (a sync costing more pages than that is not made).
CREATE TABLE "chat2desk_client_directory" (
    "id" BOOLEAN NOT NULL DEFAULT true,
    "status" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "expected_done_at" TIMESTAMPTZ(3),
    "owner" TEXT,
    "next_offset" INTEGER NOT NULL DEFAULT 0,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "learnt" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER,
    "wanted" INTEGER NOT NULL DEFAULT 0,
    "last_started_at" TIMESTAMPTZ(3),
    "last_finished_at" TIMESTAMPTZ(3),
    "last_outcome" TEXT,

    CONSTRAINT "chat2desk_client_directory_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "chat2desk_client_directory_one_row" CHECK ("id"),
    CONSTRAINT "chat2desk_client_directory_status" CHECK ("status" IN ('idle', 'requested', 'syncing'))
);
