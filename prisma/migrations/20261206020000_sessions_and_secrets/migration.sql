-- Dashboard logins, kept so that logging out (or expiry) ends them on every instance. The cookie holds
-- a random id; only its SHA-256 is stored, so a copy of this table logs nobody in.
CREATE TABLE "dashboard_sessions" (
    "id_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "dashboard_sessions_pkey" PRIMARY KEY ("id_hash")
);

CREATE INDEX "dashboard_sessions_expires_at_idx" ON "dashboard_sessions"("expires_at");

-- Secrets this installation made for itself (the web hook receiver's path), one value shared by every
-- instance: the first to start writes it, the others read it.
CREATE TABLE "installation_secrets" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "installation_secrets_pkey" PRIMARY KEY ("name")
);
