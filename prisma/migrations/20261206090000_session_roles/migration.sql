-- A dashboard login now says whose token opened it: API_TOKEN (admin, every right) or VIEWER_TOKEN
-- (viewer, reads only). Sessions already open were opened with API_TOKEN.
ALTER TABLE "dashboard_sessions"
    ADD COLUMN "role" TEXT NOT NULL DEFAULT 'admin',
    ADD CONSTRAINT "dashboard_sessions_role_check" CHECK ("role" IN ('admin', 'viewer'));
