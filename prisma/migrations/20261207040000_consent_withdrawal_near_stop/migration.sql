-- An explicit "no" in an import's opted_in withdraws a recorded consent: when, on whose word (the
-- file's opt_in_source, else csv_import) and through which import, kept on the contact.
ALTER TABLE "contacts" ADD COLUMN "consent_withdrawn_at" TIMESTAMPTZ(3);
ALTER TABLE "contacts" ADD COLUMN "consent_withdrawn_source" TEXT;
ALTER TABLE "contacts" ADD COLUMN "consent_withdrawn_import_id" INTEGER;
-- How many contacts an import withdrew consent from, beside its other counts.
ALTER TABLE "imports" ADD COLUMN "consent_withdrawn" INTEGER NOT NULL DEFAULT 0;
-- A client reply that is not a STOP but holds a STOP word among others ("стоп спам"): not applied,
-- surfaced in the campaign report for a person to read.
ALTER TABLE "webhook_events" ADD COLUMN "looks_like_stop" BOOLEAN NOT NULL DEFAULT false;
-- Few rows: the report reads them by time without scanning every event.
CREATE INDEX "webhook_events_looks_like_stop_idx" ON "webhook_events" ("received_at") WHERE "looks_like_stop";
