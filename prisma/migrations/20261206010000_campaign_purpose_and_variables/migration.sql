-- Two kinds of consent instead of one switch: a campaign's purpose says which rule applies
-- (marketing: a recorded opt-in is needed; transactional: none is, an opt-out always stops it), and
-- a campaign may carry template values of its own (`variables`, e.g. the end of an offer).
--
-- Existing campaigns: a definition that said requireOptIn keeps what it said (true: marketing,
-- false: transactional); one that said nothing takes its kind's default, as a new one would
-- (broadcasts marketing, reminders transactional: the appointment itself is the client's request).

ALTER TABLE "campaigns" ADD COLUMN "purpose" TEXT;
ALTER TABLE "campaigns" ADD COLUMN "template_variables" JSONB NOT NULL DEFAULT '{}';

UPDATE "campaigns" SET "purpose" = CASE
    WHEN "definition" ? 'requireOptIn' THEN CASE WHEN "require_opt_in" THEN 'marketing' ELSE 'transactional' END
    WHEN "kind" = 'reminder' THEN 'transactional'
    ELSE 'marketing'
  END;

ALTER TABLE "campaigns" ALTER COLUMN "purpose" SET NOT NULL;
ALTER TABLE "campaigns" ALTER COLUMN "purpose" SET DEFAULT 'marketing';
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_purpose_check" CHECK ("purpose" IN ('marketing', 'transactional'));
ALTER TABLE "campaigns" DROP COLUMN "require_opt_in";
