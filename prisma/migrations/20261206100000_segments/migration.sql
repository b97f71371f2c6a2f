-- Segments: a campaign's audience narrowed by a filter over contact fields (audience.where), kept as
-- written and compiled to parameterised SQL at expansion (src/lists/segmentSql.ts).
ALTER TABLE "campaigns" ADD COLUMN "audience_where" TEXT;

-- A contact's settled deliveries by when they were sent: `last_contacted within 30d` in a segment, and
-- a contact's page (newest first). Partial: a row enters it once it has settled, so the claims, lease
-- renewals and moves to `sending` of pending rows (each a new row version) add nothing to it — a
-- full index cost dispatch a fifth of its rate (docs/performance.md §2). Made on each partition.
CREATE INDEX "deliveries_contact_id_sent_at_idx" ON "deliveries" ("contact_id", "sent_at")
    WHERE "state" IN ('sent', 'delivered', 'read', 'failed', 'skipped');

-- The cross-campaign overview (src/reports/overview.ts): the last 30 days' sends by minute, and
-- opt-outs by when they happened, without reading all history.
CREATE INDEX "delivery_send_counts_minute_idx" ON "delivery_send_counts" ("minute");
CREATE INDEX "contacts_opted_out_at_idx" ON "contacts" ("opted_out_at") WHERE "opted_out_at" IS NOT NULL;
