-- A campaign that sends nothing more (a draft, completed or cancelled) can be archived: the console's
-- list leaves it out unless asked; its report and definition stay.
ALTER TABLE "campaigns" ADD COLUMN "archived_at" TIMESTAMPTZ(3);
