-- The Chat2Desk request budget shared by every worker and instance: one row per limiter, holding the
-- theoretical arrival time (GCRA) of the next request in milliseconds since the epoch.

-- CreateTable
CREATE TABLE "rate_limiters" (
    "name" TEXT NOT NULL,
    "theoretical_arrival_ms" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_limiters_pkey" PRIMARY KEY ("name")
);
