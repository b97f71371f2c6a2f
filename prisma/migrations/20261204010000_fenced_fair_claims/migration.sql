-- Claims that fence and share.
--
-- lease_token: every claim of a delivery gets a new token; a worker's moves (above all the move to
-- `sending`) require the token it was given, so a worker whose lease was taken over — by another
-- worker, or by a second claim of its own — can no longer act on the delivery.
--
-- The claim index leads with campaign_id: claims walk the running campaigns and take a share of
-- each one's due deliveries (a paused campaign's are never read, and no campaign can take every
-- worker while another has due work).
--
-- A limiter's theoretical arrival time becomes fractional milliseconds: slots are exactly one
-- spacing apart (50.5 ms at 20/s) without a lattice, so a slow campaign's first message goes at once
-- instead of at the next lattice point (up to one spacing, 100 s at 0.01/s, later).
--
-- An opt-out skips the contact's pending deliveries at once: without an index on contact_id that was
-- a scan of every delivery ever made, per STOP. Only pending rows are in it.

-- AlterTable
ALTER TABLE "deliveries" ADD COLUMN "lease_token" BIGINT;

CREATE SEQUENCE "delivery_lease_tokens" AS BIGINT;

ALTER TABLE "rate_limiters" ALTER COLUMN "theoretical_arrival_ms" TYPE DOUBLE PRECISION;

-- CreateIndex
DROP INDEX "deliveries_claimable_idx";
CREATE INDEX "deliveries_claimable_idx" ON "deliveries"("campaign_id", "next_attempt_at", "id") WHERE "state" IN ('queued', 'waiting');
CREATE INDEX "deliveries_pending_contact_id_idx" ON "deliveries"("contact_id") WHERE "state" IN ('queued', 'waiting');
