import { startReminderCampaign } from '../appointments/reminderCampaigns.js';
import type { Database } from '../db/database.js';
import { Prisma } from '../db/generated/prisma/client.js';
import { prismaErrorCode } from '../db/prismaErrors.js';
import { compileTemplate } from '../templating/template.js';
import { campaignDocument } from './campaignDocument.js';
import type { CampaignDefinition } from './definition.js';
import { CampaignDefinitionError, TemplateError } from './errors.js';
import type { CampaignStatus } from './lifecycle.js';
import { nextRunAfter } from './schedule.js';
import { loadTemplateFile } from './templateFile.js';
import { timeZoneWarning } from './timeZoneWarning.js';

export interface CreatedCampaign {
  id: number;
  status: CampaignStatus;
  nextRunAt: Date | null;
  /** What the user should know but that does not stop the campaign (recipients without a time zone). */
  warnings: string[];
}

/**
 * Stores a validated campaign. Its status:
 * - `draft` when it says so, with no next run (publishCampaign computes one when it goes live);
 * - a broadcast is `scheduled`, next_run_at its first tick after now (a one-shot: its `at`);
 * - a reminder campaign is `running` at once: it has no schedule, its deliveries follow appointments
 *   (its run is made and the future appointments already booked get their reminders here).
 * The definition is stored as the user wrote it (`definition.raw`), or rebuilt in that format for
 * definitions made in code; the template source is resolved (inline or from templates/) and compiled
 * here, so a broken template is refused now rather than skipped contact by contact later. A campaign
 * without `template` (a WhatsApp template message, or a file alone) stores an empty source.
 */
export async function createCampaign(
  db: Database,
  definition: CampaignDefinition,
  options: { now: Date; templatesDir: string; defaultTimezone?: string | undefined },
): Promise<CreatedCampaign> {
  const columns = await campaignColumns(db, definition, options.templatesDir);
  assertStillAhead(definition, options.now);

  const schedule = definition.kind === 'broadcast' ? definition.schedule : null;
  const status: CampaignStatus = definition.draft
    ? 'draft'
    : definition.kind === 'reminder'
      ? 'running'
      : 'scheduled';
  const nextRunAt = status === 'scheduled' ? nextRunAfter(schedule, options.now) : null;

  const created = await db.prisma.campaign
    .create({
      data: {
        ...columns,
        status,
        nextRunAt,
        createdAt: options.now,
        updatedAt: options.now,
        // A live reminder campaign's one run (all its deliveries belong to it), made with it.
        ...(status === 'running'
          ? { runs: { create: { scheduledFor: options.now, status: 'running', expandedAt: options.now } } }
          : {}),
      },
      select: { id: true, status: true, nextRunAt: true },
    })
    .catch((error: unknown) => refuseVanishedList(error, definition.audience));
  // A live reminder campaign takes the appointments already booked at once; later ones as they come.
  if (created.status === 'running' && definition.kind === 'reminder') {
    await db.sql.begin((tx) =>
      startReminderCampaign(tx, created.id, { now: options.now, defaultTimezone: options.defaultTimezone }),
    );
  }
  const warning = await timeZoneWarning(db.sql, {
    kind: definition.kind,
    listId: columns.listId,
    where: columns.audienceWhere,
    hasSendWindow: definition.sendWindow !== null && definition.sendWindow !== undefined,
    campaignTimezone: columns.timezone,
    defaultTimezone: options.defaultTimezone ?? 'UTC',
    now: options.now,
  });
  return { ...created, warnings: warning ? [warning] : [] };
}

/** The template's source, compiled now so a broken one is refused before anything is stored. */
export async function resolveTemplate(
  template: NonNullable<CampaignDefinition['template']>,
  templatesDir: string,
): Promise<string> {
  if ('source' in template) {
    compileTemplate(template.source);
    return template.source;
  }
  const source = await loadTemplateFile(template.file, templatesDir);
  try {
    compileTemplate(source);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new TemplateError(
      error.reason,
      { line: error.line, column: error.column, file: template.file },
      { cause: error },
    );
  }
  return source;
}

/**
 * The columns a definition decides, shared by creation and a draft's replacement: the template
 * resolved and compiled, the audience's list found, the schedule split into its columns.
 */
export async function campaignColumns(
  db: Pick<Database, 'prisma'>,
  definition: CampaignDefinition,
  templatesDir: string,
) {
  const templateSource = definition.template ? await resolveTemplate(definition.template, templatesDir) : '';
  const listId = await resolveList(db, definition.audience);
  const schedule = definition.kind === 'broadcast' ? definition.schedule : null;
  const cron = schedule && 'cron' in schedule ? schedule : null;
  return {
    name: definition.name,
    kind: definition.kind,
    transport: definition.transport,
    channelId: definition.channelId,
    definition: (definition.raw ?? campaignDocument(definition)) as Prisma.InputJsonObject,
    templateSource,
    whatsappTemplate: definition.whatsappTemplate
      ? (definition.whatsappTemplate as unknown as Prisma.InputJsonObject)
      : Prisma.DbNull,
    attachmentUrl: definition.attachment ?? null,
    listId,
    audienceWhere: definition.audience.where ?? null,
    scheduleAt: schedule && 'at' in schedule ? schedule.at : null,
    scheduleCron: cron?.cron ?? null,
    // One zone per campaign: validation refuses a cron zone that differs from the campaign's.
    timezone: definition.timezone ?? cron?.timezone ?? null,
    reminderOffsets: definition.kind === 'reminder' ? definition.offsets : [],
    sendWindow: definition.sendWindow
      ? (definition.sendWindow as unknown as Prisma.InputJsonObject)
      : Prisma.DbNull,
    rateLimitPerSecond: definition.rateLimitPerSecond,
    purpose: definition.purpose,
    templateVariables: definition.variables,
  } satisfies Prisma.CampaignUncheckedUpdateInput;
}

/**
 * The id of the audience's list; a list that does not exist is an error at `audience.list`. Not
 * getListByName: that one also counts the list's members, which a name lookup does not need.
 */
export async function resolveList(
  db: Pick<Database, 'prisma'>,
  audience: CampaignDefinition['audience'],
): Promise<number | null> {
  if (!('list' in audience)) return null;
  const list = await db.prisma.contactList.findUnique({
    where: { name: audience.list },
    select: { id: true },
  });
  if (!list)
    throw new CampaignDefinitionError([
      { path: 'audience.list', message: `no contact list named "${audience.list}"` },
    ]);
  return list.id;
}

/**
 * The list named by the audience was deleted between its lookup and the write (the foreign key
 * refused it, P2003): the same refusal at `audience.list` as a list that never existed. Anything else
 * is thrown as it is.
 */
export function refuseVanishedList(error: unknown, audience: CampaignDefinition['audience']): never {
  if (prismaErrorCode(error) === 'P2003' && 'list' in audience) {
    throw new CampaignDefinitionError([
      { path: 'audience.list', message: `no contact list named "${audience.list}" (it was just deleted)` },
    ]);
  }
  throw error;
}

/** Validation checked `at` against its own now; creation may come later. */
function assertStillAhead(definition: CampaignDefinition, now: Date): void {
  const schedule = definition.schedule;
  if (definition.kind !== 'broadcast') return;
  if (!schedule)
    throw new CampaignDefinitionError([{ path: 'schedule', message: 'required for a broadcast' }]);
  if ('at' in schedule && schedule.at.getTime() <= now.getTime()) {
    throw new CampaignDefinitionError([
      { path: 'schedule.at', message: `"${schedule.at.toISOString()}" is in the past` },
    ]);
  }
  if (nextRunAfter(schedule, now) === null) {
    throw new CampaignDefinitionError([{ path: 'schedule', message: 'never fires' }]);
  }
}
