-- Delivery counts kept, not recounted: reports, the dashboard and /metrics read these small tables
-- instead of counting deliveries (a 1,000,000-recipient report took ~4 s and grew with the audience).
--
-- They are kept by statement-level triggers on `deliveries`, in the same transaction as every change,
-- from its transition tables: one upsert per statement and group, whichever writer made the change
-- (the state machine's moves, expansion, reminders, skips, a contact deleted, an operator's SQL), so they
-- cannot drift from the rows. Each counter is split into slots (the backend's pid mod 8): concurrent
-- workers' batches update different rows instead of queueing on one hot row. Readers sum the slots.
-- Retention (RETENTION_DAYS) drops old deliveries without touching the counts, so an old campaign's
-- report still answers (`broadcaster.keep_counts` set for the transaction, see the trigger).

-- Per run × state × reason (its head, before the first colon) × transport × channel × accepted.
CREATE TABLE "delivery_counts" (
    "run_id" INTEGER NOT NULL,
    "campaign_id" INTEGER NOT NULL,
    "state" "delivery_state" NOT NULL,
    -- '' for none
    "reason" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    -- 0 for none (Chat2Desk's channel ids start at 1)
    "channel_id" INTEGER NOT NULL,
    -- Chat2Desk accepted the message (`sent_at` is set), whatever its state now
    "accepted" BOOLEAN NOT NULL,
    "slot" INTEGER NOT NULL,
    "n" BIGINT NOT NULL,

    CONSTRAINT "delivery_counts_pkey" PRIMARY KEY ("run_id", "state", "reason", "transport", "channel_id", "accepted", "slot")
);
CREATE INDEX "delivery_counts_campaign_id_idx" ON "delivery_counts"("campaign_id");

-- Accepted messages per run × minute of `sent_at` × latency bucket (`sent_at - due_at`, buckets 2 %
-- wide: bucket b holds latencies from 1.02^b - 1 to 1.02^(b+1) - 1 ms): the chart and the percentiles.
CREATE TABLE "delivery_send_counts" (
    "run_id" INTEGER NOT NULL,
    "campaign_id" INTEGER NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "latency_bucket" INTEGER NOT NULL,
    "slot" INTEGER NOT NULL,
    "n" BIGINT NOT NULL,

    CONSTRAINT "delivery_send_counts_pkey" PRIMARY KEY ("run_id", "minute", "latency_bucket", "slot")
);
CREATE INDEX "delivery_send_counts_campaign_id_idx" ON "delivery_send_counts"("campaign_id");

-- Every delivery per state: /metrics, whatever the history.
CREATE TABLE "delivery_state_totals" (
    "state" "delivery_state" NOT NULL,
    "slot" INTEGER NOT NULL,
    "n" BIGINT NOT NULL,

    CONSTRAINT "delivery_state_totals_pkey" PRIMARY KEY ("state", "slot")
);

-- The latency bucket of a send (see delivery_send_counts).
CREATE FUNCTION "delivery_latency_bucket"(due_at TIMESTAMPTZ, sent_at TIMESTAMPTZ) RETURNS INTEGER
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  select floor(ln(greatest(extract(epoch from sent_at - due_at) * 1000, 0) + 1) / ln(1.02))::int
$$;

-- Folds a statement's changes into the three tables. Each change is a group of rows added (+n) or taken
-- away (-n) under one key; the triggers below group their transition tables and pass the groups here as
-- parallel arrays: a few per statement, however many rows it touched. `minutes` and `buckets` are null
-- for a delivery Chat2Desk has not accepted.
CREATE FUNCTION "fold_delivery_changes"(
  runs INTEGER[], campaigns INTEGER[], states delivery_state[], reasons TEXT[], transports TEXT[],
  channels INTEGER[], minutes TIMESTAMPTZ[], buckets INTEGER[], dns BIGINT[]
) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
  -- PL/pgSQL rather than SQL: its statement's plan is kept for the session, not made at every call.
  WITH changes AS MATERIALIZED (
    SELECT * FROM unnest(runs, campaigns, states, reasons, transports, channels, minutes, buckets, dns)
      AS c(run_id, campaign_id, state, reason, transport, channel_id, minute, bucket, dn)
  ),
  by_state AS (
    INSERT INTO delivery_counts AS c (run_id, campaign_id, state, reason, transport, channel_id, accepted, slot, n)
    SELECT run_id, campaign_id, state, reason, transport, channel_id, minute IS NOT NULL, pg_backend_pid() % 8, sum(dn)
    FROM changes GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(dn) <> 0
    ON CONFLICT (run_id, state, reason, transport, channel_id, accepted, slot) DO UPDATE SET n = c.n + excluded.n
  ),
  sends AS (
    INSERT INTO delivery_send_counts AS c (run_id, campaign_id, minute, latency_bucket, slot, n)
    SELECT run_id, campaign_id, minute, bucket, pg_backend_pid() % 8, sum(dn)
    FROM changes WHERE minute IS NOT NULL GROUP BY 1, 2, 3, 4 HAVING sum(dn) <> 0
    ON CONFLICT (run_id, minute, latency_bucket, slot) DO UPDATE SET n = c.n + excluded.n
  )
  INSERT INTO delivery_state_totals AS c (state, slot, n)
  SELECT state, pg_backend_pid() % 8, sum(dn) FROM changes GROUP BY 1 HAVING sum(dn) <> 0
  ON CONFLICT (state, slot) DO UPDATE SET n = c.n + excluded.n;
END $$;

-- One trigger function per kind of statement, because a trigger sees only the transition tables its
-- event has (an INSERT has no old rows); each groups its rows by the counts' keys (the reason's head, ''
-- for none; channel 0 for none; for an accepted message its minute and latency bucket) and folds them.
CREATE FUNCTION "count_inserted_deliveries"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  PERFORM fold_delivery_changes(array_agg(run_id), array_agg(campaign_id), array_agg(state), array_agg(reason),
                                array_agg(transport), array_agg(channel_id), array_agg(minute), array_agg(bucket),
                                array_agg(dn))
  FROM (
    SELECT run_id, campaign_id, state, coalesce(split_part(reason, ':', 1), '') AS reason, transport,
           coalesce(channel_id, 0) AS channel_id, date_trunc('minute', sent_at) AS minute,
           CASE WHEN sent_at IS NOT NULL THEN delivery_latency_bucket(due_at, sent_at) END AS bucket, count(*) AS dn
    FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ) grouped
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION "count_updated_deliveries"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  PERFORM fold_delivery_changes(array_agg(run_id), array_agg(campaign_id), array_agg(state), array_agg(reason),
                                array_agg(transport), array_agg(channel_id), array_agg(minute), array_agg(bucket),
                                array_agg(dn))
  FROM (
    SELECT run_id, campaign_id, state, coalesce(split_part(reason, ':', 1), '') AS reason, transport,
           coalesce(channel_id, 0) AS channel_id, date_trunc('minute', sent_at) AS minute,
           CASE WHEN sent_at IS NOT NULL THEN delivery_latency_bucket(due_at, sent_at) END AS bucket, sum(dn) AS dn
    FROM (SELECT *, 1 AS dn FROM new_rows UNION ALL SELECT *, -1 FROM old_rows) changed
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(dn) <> 0
  ) grouped
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

-- Retention deletes with `broadcaster.keep_counts` = 'on' for its transaction: the rows go, the counts stay.
CREATE FUNCTION "count_deleted_deliveries"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('broadcaster.keep_counts', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM fold_delivery_changes(array_agg(run_id), array_agg(campaign_id), array_agg(state), array_agg(reason),
                                array_agg(transport), array_agg(channel_id), array_agg(minute), array_agg(bucket),
                                array_agg(dn))
  FROM (
    SELECT run_id, campaign_id, state, coalesce(split_part(reason, ':', 1), '') AS reason, transport,
           coalesce(channel_id, 0) AS channel_id, date_trunc('minute', sent_at) AS minute,
           CASE WHEN sent_at IS NOT NULL THEN delivery_latency_bucket(due_at, sent_at) END AS bucket, -count(*) AS dn
    FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ) grouped
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

-- A truncated deliveries table has no deliveries left to count.
CREATE FUNCTION "count_truncated_deliveries"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM delivery_counts;
  DELETE FROM delivery_send_counts;
  DELETE FROM delivery_state_totals;
  RETURN NULL;
END $$;

CREATE TRIGGER "deliveries_count_inserted" AFTER INSERT ON "deliveries"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_deliveries();
CREATE TRIGGER "deliveries_count_updated" AFTER UPDATE ON "deliveries"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_updated_deliveries();
CREATE TRIGGER "deliveries_count_deleted" AFTER DELETE ON "deliveries"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_deliveries();
CREATE TRIGGER "deliveries_count_truncated" AFTER TRUNCATE ON "deliveries"
  FOR EACH STATEMENT EXECUTE FUNCTION count_truncated_deliveries();

-- The deliveries already there, counted once (slot 0).
INSERT INTO delivery_counts (run_id, campaign_id, state, reason, transport, channel_id, accepted, slot, n)
SELECT run_id, campaign_id, state, coalesce(split_part(reason, ':', 1), ''), transport, coalesce(channel_id, 0),
       sent_at IS NOT NULL, 0, count(*)
FROM deliveries GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO delivery_send_counts (run_id, campaign_id, minute, latency_bucket, slot, n)
SELECT run_id, campaign_id, date_trunc('minute', sent_at), delivery_latency_bucket(due_at, sent_at), 0, count(*)
FROM deliveries WHERE sent_at IS NOT NULL GROUP BY 1, 2, 3, 4;
INSERT INTO delivery_state_totals (state, slot, n)
SELECT state, 0, count(*) FROM deliveries GROUP BY 1;

-- A report's first failures in time order, read from an index of the failed and skipped alone: the
-- report no longer sorts every failure of a large campaign (70,000 of a million) to list the first 20.
CREATE INDEX "deliveries_first_failures_idx" ON "deliveries" ("campaign_id", (coalesce("failed_at", "skipped_at", "updated_at")), "id")
  WHERE "state" IN ('failed', 'skipped');
