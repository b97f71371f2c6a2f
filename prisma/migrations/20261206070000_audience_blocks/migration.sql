-- A run's audience, decided at expansion and kept as blocks; delivery rows are made a block at a time
-- as the workers need them (src/delivery/sql/audienceBlocks.ts).
--
-- Expansion used to insert one delivery row per contact, and a delivery row carries a foreign key, four
-- index entries and a count trigger: ~25,000–35,000 rows/s on one backend, 30–40 s for a million, all of
-- it before the first send mattered. Now expansion decides every member's verdict (queued, or skipped
-- with its reason) and writes a few rows per 10,000 members: the ids, and the tally of verdicts, which
-- goes into the kept counts at once, so a report counts the whole audience from the first second. A block
-- is materialised (its delivery rows inserted, its tally taken back out of the counts in the same
-- transaction, the rows' own count triggers putting the real verdicts in) when the run's due deliveries
-- run low, when the campaign is cancelled (as skipped rows), or at expansion for the first block.
CREATE TABLE "run_audience_blocks" (
    "run_id" INTEGER NOT NULL,
    "block_no" INTEGER NOT NULL,
    "campaign_id" INTEGER NOT NULL,
    -- The campaign's transport and channel at expansion: the tally was counted under them.
    "transport" TEXT NOT NULL,
    "channel_id" INTEGER,
    -- The highest contact id in the block: expansion resumes after the last block's.
    "last_contact_id" INTEGER NOT NULL,
    -- The members (in no particular order); null once materialised.
    "contact_ids" INTEGER[],
    -- The verdicts at expansion: reason ('' for queued) and how many, in parallel arrays.
    "tally_reasons" TEXT[] NOT NULL,
    "tally_counts" INTEGER[] NOT NULL,
    "expanded_at" TIMESTAMPTZ(3) NOT NULL,
    "materialised_at" TIMESTAMPTZ(3),

    CONSTRAINT "run_audience_blocks_pkey" PRIMARY KEY ("run_id", "block_no"),
    CONSTRAINT "run_audience_blocks_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "campaign_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "run_audience_blocks_open_idx" ON "run_audience_blocks"("run_id", "block_no") WHERE "materialised_at" IS NULL;
CREATE INDEX "run_audience_blocks_open_campaign_idx" ON "run_audience_blocks"("campaign_id") WHERE "materialised_at" IS NULL;

-- Adds (sign 1) or takes back (sign -1) blocks' tallies in the kept counts: queued for '', skipped with
-- its reason otherwise. One fold for the whole set of blocks.
CREATE FUNCTION "fold_block_rows"(blocks run_audience_blocks[], sign INTEGER) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM fold_delivery_changes(array_agg(run_id), array_agg(campaign_id), array_agg(state), array_agg(reason),
                                array_agg(transport), array_agg(channel_id), array_agg(NULL::timestamptz),
                                array_agg(NULL::integer), array_agg(dn))
  FROM (
    SELECT b.run_id, b.campaign_id,
           (CASE WHEN t.reason = '' THEN 'queued' ELSE 'skipped' END)::delivery_state AS state, t.reason,
           b.transport, coalesce(b.channel_id, 0) AS channel_id, sign * sum(t.n)::bigint AS dn
    FROM unnest(blocks) AS b
    CROSS JOIN LATERAL unnest(b.tally_reasons, b.tally_counts) AS t(reason, n)
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(t.n) <> 0
  ) grouped
  HAVING count(*) > 0;
END $$;

-- The same for blocks named by run and number.
CREATE FUNCTION "fold_block_tallies"(runs INTEGER[], blocks INTEGER[], sign INTEGER) RETURNS VOID
LANGUAGE sql AS $$
  SELECT fold_block_rows(array(
    SELECT b FROM unnest(runs, blocks) AS k(run_id, block_no)
    JOIN run_audience_blocks b ON b.run_id = k.run_id AND b.block_no = k.block_no), sign)
$$;

-- A block deleted before it was materialised (its run or campaign deleted) takes its tally with it,
-- unless retention asked to keep the counts.
CREATE FUNCTION "uncount_deleted_blocks"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('broadcaster.keep_counts', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM fold_block_rows(array(SELECT ROW(o.*)::run_audience_blocks FROM old_blocks o WHERE o.materialised_at IS NULL), -1);
  RETURN NULL;
END $$;

CREATE TRIGGER "run_audience_blocks_uncount_deleted" AFTER DELETE ON "run_audience_blocks"
  REFERENCING OLD TABLE AS old_blocks FOR EACH STATEMENT EXECUTE FUNCTION uncount_deleted_blocks();

-- The kept counts' fold, as in 20261206060000_delivery_counts, with its upserts in key order: two
-- statements folding into the same counters (a worker's moves, a block being made, an expansion batch)
-- then lock the rows they share in the same order, instead of deadlocking on a hash's order.
CREATE OR REPLACE FUNCTION "fold_delivery_changes"(
  runs INTEGER[], campaigns INTEGER[], states delivery_state[], reasons TEXT[], transports TEXT[],
  channels INTEGER[], minutes TIMESTAMPTZ[], buckets INTEGER[], dns BIGINT[]
) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
  WITH changes AS MATERIALIZED (
    SELECT * FROM unnest(runs, campaigns, states, reasons, transports, channels, minutes, buckets, dns)
      AS c(run_id, campaign_id, state, reason, transport, channel_id, minute, bucket, dn)
  ),
  by_state AS (
    INSERT INTO delivery_counts AS c (run_id, campaign_id, state, reason, transport, channel_id, accepted, slot, n)
    SELECT run_id, campaign_id, state, reason, transport, channel_id, minute IS NOT NULL, pg_backend_pid() % 8, sum(dn)
    FROM changes GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(dn) <> 0
    ORDER BY 1, 3, 4, 5, 6, 7
    ON CONFLICT (run_id, state, reason, transport, channel_id, accepted, slot) DO UPDATE SET n = c.n + excluded.n
  ),
  sends AS (
    INSERT INTO delivery_send_counts AS c (run_id, campaign_id, minute, latency_bucket, slot, n)
    SELECT run_id, campaign_id, minute, bucket, pg_backend_pid() % 8, sum(dn)
    FROM changes WHERE minute IS NOT NULL GROUP BY 1, 2, 3, 4 HAVING sum(dn) <> 0
    ORDER BY 1, 3, 4
    ON CONFLICT (run_id, minute, latency_bucket, slot) DO UPDATE SET n = c.n + excluded.n
  )
  INSERT INTO delivery_state_totals AS c (state, slot, n)
  SELECT state, pg_backend_pid() % 8, sum(dn) FROM changes GROUP BY 1 HAVING sum(dn) <> 0
  ORDER BY 1
  ON CONFLICT (state, slot) DO UPDATE SET n = c.n + excluded.n;
END $$;
