-- Deliveries and their events partitioned by range of run id (docs/performance.md §8), so that
-- RETENTION_DAYS drops a period's history whole instead of deleting it row by row.
--
-- Runs are numbered in time order, and the scheduler starts a new partition's range of run ids when
-- the newest partition has held runs for a week (src/delivery/sql/deliveryPartitions.ts moves the run
-- sequence to the next partition's first id): a partition is a week of runs, and every row of a run,
-- made at once or later (audience blocks, reminders as appointments are booked), is in its run's
-- partition. The unique key (run, contact, reminder key) leads with the partition key, so it is still
-- enforced as a whole; the primary keys become (id, run id).
--
-- Partitions live in the schema delivery_partitions (the public schema holds what schema.prisma
-- models). Each events partition's foreign key names its deliveries partition, not the parent: a
-- parent-level key would make dropping a deliveries partition look for referencing events first, a
-- join over the whole partition while every writer waits.
--
-- The rows already here are copied into the first partition (one pass over both tables).

CREATE SCHEMA IF NOT EXISTS "delivery_partitions";

-- The old tables, stripped of what would clash by name or count twice.
ALTER TABLE "delivery_events" DROP CONSTRAINT "delivery_events_delivery_id_fkey";
DROP TRIGGER "delivery_events_no_update" ON "delivery_events";
ALTER TABLE "delivery_events" DROP CONSTRAINT "delivery_events_pkey";
DROP INDEX "delivery_events_delivery_id_id_idx";
ALTER SEQUENCE "delivery_events_id_seq" OWNED BY NONE;
ALTER TABLE "delivery_events" RENAME TO "delivery_events_unpartitioned";

DROP TRIGGER "deliveries_count_inserted" ON "deliveries";
DROP TRIGGER "deliveries_count_updated" ON "deliveries";
DROP TRIGGER "deliveries_count_deleted" ON "deliveries";
DROP TRIGGER "deliveries_count_truncated" ON "deliveries";
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_pkey";
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_run_id_fkey";
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_contact_id_fkey";
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_appointment_id_fkey";
DROP INDEX "deliveries_appointment_id_idx";
DROP INDEX "deliveries_campaign_id_state_idx";
DROP INDEX "deliveries_chat2desk_message_id_idx";
DROP INDEX "deliveries_claimable_idx";
DROP INDEX "deliveries_first_failures_idx";
DROP INDEX "deliveries_pending_contact_id_idx";
DROP INDEX "deliveries_run_id_contact_id_reminder_key_key";
DROP INDEX "deliveries_sending_idx";
ALTER SEQUENCE "deliveries_id_seq" OWNED BY NONE;
ALTER TABLE "deliveries" RENAME TO "deliveries_unpartitioned";

CREATE TABLE "deliveries" (
    "id" BIGINT NOT NULL DEFAULT nextval('deliveries_id_seq'),
    "run_id" INTEGER NOT NULL,
    "campaign_id" INTEGER NOT NULL,
    "contact_id" INTEGER NOT NULL,
    "reminder_key" TEXT NOT NULL DEFAULT '',
    "appointment_id" INTEGER,
    "state" "delivery_state" NOT NULL DEFAULT 'queued',
    "reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "transport" TEXT NOT NULL,
    "channel_id" INTEGER,
    "chat2desk_client_id" BIGINT,
    "chat2desk_message_id" BIGINT,
    "rendered_text" TEXT,
    "locked_by" TEXT,
    "locked_at" TIMESTAMPTZ(3),
    "queued_at" TIMESTAMPTZ(3),
    "waiting_at" TIMESTAMPTZ(3),
    "sending_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),
    "read_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "skipped_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_token" BIGINT,
    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id", "run_id"),
    CONSTRAINT "deliveries_final_state_has_reason" CHECK ("state" NOT IN ('failed', 'skipped') OR "reason" IS NOT NULL)
) PARTITION BY RANGE ("run_id");
ALTER SEQUENCE "deliveries_id_seq" OWNED BY "deliveries"."id";

CREATE UNIQUE INDEX "deliveries_run_id_contact_id_reminder_key_key" ON "deliveries"("run_id", "contact_id", "reminder_key");
CREATE INDEX "deliveries_campaign_id_state_idx" ON "deliveries"("campaign_id", "state");
CREATE INDEX "deliveries_chat2desk_message_id_idx" ON "deliveries"("chat2desk_message_id") WHERE "chat2desk_message_id" IS NOT NULL;
CREATE INDEX "deliveries_appointment_id_idx" ON "deliveries"("appointment_id") WHERE "appointment_id" IS NOT NULL;
CREATE INDEX "deliveries_claimable_idx" ON "deliveries"("campaign_id", "next_attempt_at", "id") WHERE "state" IN ('queued', 'waiting');
CREATE INDEX "deliveries_pending_contact_id_idx" ON "deliveries"("contact_id") WHERE "state" IN ('queued', 'waiting');
CREATE INDEX "deliveries_sending_idx" ON "deliveries"("id") WHERE "state" = 'sending';
CREATE INDEX "deliveries_first_failures_idx" ON "deliveries" ("campaign_id", (coalesce("failed_at", "skipped_at", "updated_at")), "id")
  WHERE "state" IN ('failed', 'skipped');
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "campaign_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_appointment_id_fkey" FOREIGN KEY ("appointment_id") REFERENCES "appointments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE "delivery_events" (
    "id" BIGINT NOT NULL DEFAULT nextval('delivery_events_id_seq'),
    "delivery_id" BIGINT NOT NULL,
    "run_id" INTEGER NOT NULL,
    "from_state" "delivery_state",
    "to_state" "delivery_state" NOT NULL,
    "reason" TEXT,
    "details" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "delivery_events_pkey" PRIMARY KEY ("id", "run_id")
) PARTITION BY RANGE ("run_id");
ALTER SEQUENCE "delivery_events_id_seq" OWNED BY "delivery_events"."id";
CREATE INDEX "delivery_events_delivery_id_id_idx" ON "delivery_events"("delivery_id", "id");
CREATE TRIGGER "delivery_events_no_update" BEFORE UPDATE ON "delivery_events"
    FOR EACH ROW EXECUTE FUNCTION "delivery_events_append_only"();

-- Run ids [first_run, end_run): a deliveries partition and its events' partition, attached to the
-- parents (a lock that lets readers and writers of deliveries on; the partition's foreign keys briefly
-- hold writes to runs, contacts and appointments), the events' key on their deliveries. Returns
-- false when the range has its partitions already. The one way partitions are made (the engine calls it).
CREATE FUNCTION "create_delivery_partition"(first_run INTEGER, end_run INTEGER) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
  suffix TEXT := first_run::text;
BEGIN
  IF to_regclass(format('delivery_partitions.deliveries_%s', suffix)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE delivery_partitions.deliveries_%s (LIKE public.deliveries INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', suffix);
  EXECUTE format('ALTER TABLE public.deliveries ATTACH PARTITION delivery_partitions.deliveries_%s FOR VALUES FROM (%s) TO (%s)',
                 suffix, first_run, end_run);
  EXECUTE format('CREATE TABLE delivery_partitions.delivery_events_%s (LIKE public.delivery_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', suffix);
  EXECUTE format('ALTER TABLE public.delivery_events ATTACH PARTITION delivery_partitions.delivery_events_%s FOR VALUES FROM (%s) TO (%s)',
                 suffix, first_run, end_run);
  EXECUTE format('ALTER TABLE delivery_partitions.delivery_events_%s ADD CONSTRAINT delivery_events_%s_delivery_fkey
                    FOREIGN KEY (delivery_id, run_id) REFERENCES delivery_partitions.deliveries_%s (id, run_id) ON DELETE CASCADE',
                 suffix, suffix, suffix);
  RETURN true;
END $$;

-- The first partition holds every run so far and the rest of their million; the next one is made ahead.
DO $$
DECLARE
  first_end INTEGER := (coalesce((SELECT max(id) FROM campaign_runs), 0) / 1000000 + 1) * 1000000;
BEGIN
  PERFORM create_delivery_partition(0, first_end);
  PERFORM create_delivery_partition(first_end, first_end + 1000000);
END $$;

INSERT INTO "deliveries" SELECT
  "id", "run_id", "campaign_id", "contact_id", "reminder_key", "appointment_id", "state", "reason", "attempts",
  "due_at", "next_attempt_at", "transport", "channel_id", "chat2desk_client_id", "chat2desk_message_id",
  "rendered_text", "locked_by", "locked_at", "queued_at", "waiting_at", "sending_at", "sent_at", "delivered_at",
  "read_at", "failed_at", "skipped_at", "created_at", "updated_at", "lease_token"
FROM "deliveries_unpartitioned";
INSERT INTO "delivery_events" ("id", "delivery_id", "run_id", "from_state", "to_state", "reason", "details", "at")
SELECT e."id", e."delivery_id", d."run_id", e."from_state", e."to_state", e."reason", e."details", e."at"
FROM "delivery_events_unpartitioned" e JOIN "deliveries_unpartitioned" d ON d."id" = e."delivery_id";
DROP TABLE "delivery_events_unpartitioned";
DROP TABLE "deliveries_unpartitioned";

-- The kept counts, as before (migration 20261206060000_delivery_counts): a statement's rows, whichever
-- partitions they are in. Dropping a partition counts nothing: its runs' counts are kept.
CREATE TRIGGER "deliveries_count_inserted" AFTER INSERT ON "deliveries"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_deliveries();
CREATE TRIGGER "deliveries_count_updated" AFTER UPDATE ON "deliveries"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_updated_deliveries();
CREATE TRIGGER "deliveries_count_deleted" AFTER DELETE ON "deliveries"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_deliveries();
CREATE TRIGGER "deliveries_count_truncated" AFTER TRUNCATE ON "deliveries"
  FOR EACH STATEMENT EXECUTE FUNCTION count_truncated_deliveries();
