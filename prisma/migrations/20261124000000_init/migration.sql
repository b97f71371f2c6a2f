-- The whole domain: contacts and lists, campaigns and their runs, deliveries with their event log,
-- appointments, Chat2Desk API usage and received web hooks. Names follow Prisma's conventions.

-- CreateEnum
CREATE TYPE "campaign_kind" AS ENUM ('broadcast', 'reminder');
CREATE TYPE "campaign_status" AS ENUM ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled');
CREATE TYPE "run_status" AS ENUM ('pending', 'expanding', 'running', 'completed', 'cancelled');
CREATE TYPE "delivery_state" AS ENUM ('queued', 'waiting', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped');
CREATE TYPE "appointment_status" AS ENUM ('booked', 'cancelled', 'rescheduled');

-- CreateTable
CREATE TABLE "contacts" (
    "id" SERIAL NOT NULL,
    "phone" TEXT NOT NULL,
    "name" TEXT,
    "timezone" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "opted_in_at" TIMESTAMPTZ(3),
    "opt_in_source" TEXT,
    "opted_out_at" TIMESTAMPTZ(3),
    "opt_out_reason" TEXT,
    "chat2desk_client_id" BIGINT,
    "chat2desk_transports" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "chat2desk_whatsapp_added_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contacts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "contacts_phone_digits" CHECK ("phone" ~ '^[0-9]{7,15}$')
);

CREATE TABLE "lists" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lists_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "list_members" (
    "list_id" INTEGER NOT NULL,
    "contact_id" INTEGER NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "list_members_pkey" PRIMARY KEY ("list_id", "contact_id")
);

CREATE TABLE "campaigns" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "campaign_kind" NOT NULL,
    "status" "campaign_status" NOT NULL DEFAULT 'draft',
    "status_reason" TEXT,
    "transport" TEXT NOT NULL,
    "channel_id" INTEGER,
    "definition" JSONB NOT NULL,
    "template_source" TEXT NOT NULL,
    "list_id" INTEGER,
    "schedule_at" TIMESTAMPTZ(3),
    "schedule_cron" TEXT,
    "timezone" TEXT,
    "next_run_at" TIMESTAMPTZ(3),
    "reminder_offsets" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "send_window" JSONB,
    "rate_limit_per_second" DOUBLE PRECISION,
    "require_opt_in" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "campaign_runs" (
    "id" SERIAL NOT NULL,
    "campaign_id" INTEGER NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3) NOT NULL,
    "status" "run_status" NOT NULL DEFAULT 'pending',
    "expanded_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaign_runs_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "deliveries" (
    "id" BIGSERIAL NOT NULL,
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

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id"),
    -- Nothing ends silently: a final failure always carries its reason.
    CONSTRAINT "deliveries_final_state_has_reason" CHECK ("state" NOT IN ('failed', 'skipped') OR "reason" IS NOT NULL)
);

CREATE TABLE "delivery_events" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" BIGINT NOT NULL,
    "from_state" "delivery_state",
    "to_state" "delivery_state" NOT NULL,
    "reason" TEXT,
    "details" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "delivery_events_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "appointments" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,
    "contact_id" INTEGER NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "timezone" TEXT,
    "status" "appointment_status" NOT NULL DEFAULT 'booked',
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "appointments_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "api_usage" (
    "month" DATE NOT NULL,
    "requests_counted" INTEGER NOT NULL DEFAULT 0,
    "requests_reported" INTEGER,
    "api_mode" TEXT,
    "monthly_quota" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_usage_pkey" PRIMARY KEY ("month")
);

CREATE TABLE "webhook_events" (
    "id" BIGSERIAL NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "hook_type" TEXT,
    "message_type" TEXT,
    "chat2desk_client_id" BIGINT,
    "chat2desk_message_id" BIGINT,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "processed_at" TIMESTAMPTZ(3),
    "error" TEXT,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "contacts_phone_key" ON "contacts"("phone");
CREATE INDEX "contacts_chat2desk_client_id_idx" ON "contacts"("chat2desk_client_id");
CREATE UNIQUE INDEX "lists_name_key" ON "lists"("name");
CREATE INDEX "list_members_contact_id_idx" ON "list_members"("contact_id");
CREATE INDEX "campaigns_status_next_run_at_idx" ON "campaigns"("status", "next_run_at");
CREATE UNIQUE INDEX "campaign_runs_campaign_id_scheduled_for_key" ON "campaign_runs"("campaign_id", "scheduled_for");
CREATE INDEX "campaign_runs_status_idx" ON "campaign_runs"("status");
CREATE UNIQUE INDEX "deliveries_run_id_contact_id_reminder_key_key" ON "deliveries"("run_id", "contact_id", "reminder_key");
CREATE INDEX "deliveries_campaign_id_state_idx" ON "deliveries"("campaign_id", "state");
CREATE INDEX "deliveries_chat2desk_message_id_idx" ON "deliveries"("chat2desk_message_id");
CREATE INDEX "deliveries_appointment_id_idx" ON "deliveries"("appointment_id");
-- The workers' claim query reads only deliveries that can still go out, in due order.
CREATE INDEX "deliveries_claimable_idx" ON "deliveries"("next_attempt_at") WHERE "state" IN ('queued', 'waiting');
CREATE INDEX "delivery_events_delivery_id_id_idx" ON "delivery_events"("delivery_id", "id");
CREATE UNIQUE INDEX "appointments_external_id_key" ON "appointments"("external_id");
CREATE INDEX "appointments_contact_id_idx" ON "appointments"("contact_id");
CREATE INDEX "appointments_starts_at_idx" ON "appointments"("starts_at");
CREATE UNIQUE INDEX "webhook_events_dedupe_key_key" ON "webhook_events"("dedupe_key");
CREATE INDEX "webhook_events_processed_at_idx" ON "webhook_events"("processed_at");

-- AddForeignKey
ALTER TABLE "list_members" ADD CONSTRAINT "list_members_list_id_fkey" FOREIGN KEY ("list_id") REFERENCES "lists"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "list_members" ADD CONSTRAINT "list_members_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_list_id_fkey" FOREIGN KEY ("list_id") REFERENCES "lists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "campaign_runs" ADD CONSTRAINT "campaign_runs_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "campaign_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_appointment_id_fkey" FOREIGN KEY ("appointment_id") REFERENCES "appointments"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "delivery_events" ADD CONSTRAINT "delivery_events_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The delivery event log is append-only: history is never rewritten.
CREATE FUNCTION "delivery_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'delivery_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER "delivery_events_no_update" BEFORE UPDATE ON "delivery_events"
    FOR EACH ROW EXECUTE FUNCTION "delivery_events_append_only"();
