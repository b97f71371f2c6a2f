-- Campaigns and their runs get an event log like deliveries have: every change of status, by the
-- one writer of each state machine, with its reason. Append-only, as delivery_events.

-- CreateTable
CREATE TABLE "campaign_events" (
    "id" BIGSERIAL NOT NULL,
    "campaign_id" INTEGER NOT NULL,
    "from_status" "campaign_status" NOT NULL,
    "to_status" "campaign_status" NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "campaign_events_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "campaign_run_events" (
    "id" BIGSERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "from_status" "run_status" NOT NULL,
    "to_status" "run_status" NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "campaign_run_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "campaign_events_campaign_id_id_idx" ON "campaign_events"("campaign_id", "id");
CREATE INDEX "campaign_run_events_run_id_id_idx" ON "campaign_run_events"("run_id", "id");

-- AddForeignKey
ALTER TABLE "campaign_events" ADD CONSTRAINT "campaign_events_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "campaign_run_events" ADD CONSTRAINT "campaign_run_events_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "campaign_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TRIGGER "campaign_events_no_update" BEFORE UPDATE ON "campaign_events"
    FOR EACH ROW EXECUTE FUNCTION "delivery_events_append_only"();
CREATE TRIGGER "campaign_run_events_no_update" BEFORE UPDATE ON "campaign_run_events"
    FOR EACH ROW EXECUTE FUNCTION "delivery_events_append_only"();
