-- The rate limit's hard guarantee: perSecond seats per limiter. A request holds a seat from just
-- before it is sent until 1 s after its answer came back (or, if its process dies, until the longest
-- a request can take has passed), so no more than perSecond requests can reach Chat2Desk in any
-- second, however long each one spends on the way.

-- CreateTable
CREATE TABLE "rate_limiter_seats" (
    "name" TEXT NOT NULL,
    "seat" INTEGER NOT NULL,
    "busy_until_ms" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "rate_limiter_seats_pkey" PRIMARY KEY ("name","seat")
);
