-- CSV imports as records of their own: what each import did (counts), every problem it found (rows
-- rejected, cells dropped with a warning, keys repeated within the file) and the rejected rows as
-- they were read, so a user can download them, fix them and import them again. Nothing is capped:
-- a report shows the first problems, these tables keep all of them.

-- CreateTable
CREATE TABLE "imports" (
    "id" SERIAL NOT NULL,
    -- contacts | appointments
    "kind" TEXT NOT NULL,
    -- The file's name (command line) or "api".
    "source" TEXT,
    -- Contacts imports: the list every imported contact joined.
    "list_name" TEXT,
    -- running | completed | failed
    "status" TEXT NOT NULL DEFAULT 'running',
    "error" TEXT,
    -- The header row as the file spells it: the columns of the rejected rows.
    "header" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "rows" INTEGER NOT NULL DEFAULT 0,
    "inserted" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "warned" INTEGER NOT NULL DEFAULT 0,
    "repeated" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "imports_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "imports_kind_check" CHECK ("kind" IN ('contacts', 'appointments')),
    CONSTRAINT "imports_status_check" CHECK ("status" IN ('running', 'completed', 'failed'))
);

-- One row per problem: a rejected row has one per bad cell; a kept row one per dropped cell or note.
CREATE TABLE "import_issues" (
    "id" BIGSERIAL NOT NULL,
    "import_id" INTEGER NOT NULL,
    "line" INTEGER NOT NULL,
    -- rejected | warning | repeated
    "kind" TEXT NOT NULL,
    "column_name" TEXT,
    "value" TEXT,
    "reason" TEXT NOT NULL,

    CONSTRAINT "import_issues_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "import_issues_kind_check" CHECK ("kind" IN ('rejected', 'warning', 'repeated'))
);

-- Every rejected row, its cells as read (none when the line could not be read at all) and why.
CREATE TABLE "import_rejected_rows" (
    "import_id" INTEGER NOT NULL,
    "line" INTEGER NOT NULL,
    "cells" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "reason" TEXT NOT NULL,

    CONSTRAINT "import_rejected_rows_pkey" PRIMARY KEY ("import_id", "line")
);

-- CreateIndex
CREATE INDEX "import_issues_import_id_kind_line_idx" ON "import_issues"("import_id", "kind", "line");

-- AddForeignKey
ALTER TABLE "import_issues" ADD CONSTRAINT "import_issues_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "imports"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "import_rejected_rows" ADD CONSTRAINT "import_rejected_rows_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "imports"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The import (and line) that last wrote a contact or an appointment: where its data came from, and
-- how an import finds a key its own earlier rows wrote (a phone or external id repeated in the file)
-- without holding every key in memory. Not foreign keys: provenance outlives a deleted import.
ALTER TABLE "contacts" ADD COLUMN "import_id" INTEGER, ADD COLUMN "import_line" INTEGER;
ALTER TABLE "appointments" ADD COLUMN "import_id" INTEGER, ADD COLUMN "import_line" INTEGER;
