-- A campaign may send an approved WhatsApp template (HSM) and/or a file. `whatsapp_template` keeps the
-- template's name, language, header and the Handlebars of its variables, rendered per contact into
-- Chat2Desk's @HSM@ markup; `attachment_url` is sent as POST /v1/messages `attachment`. A campaign that
-- sends only these has no `template`: its `template_source` is empty.
ALTER TABLE "campaigns" ADD COLUMN "whatsapp_template" JSONB;
ALTER TABLE "campaigns" ADD COLUMN "attachment_url" TEXT;
