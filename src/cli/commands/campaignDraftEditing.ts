import { join } from 'node:path';
import { parseCampaignText } from '../../campaigns/definition.js';
import { refuseOversizedFile } from '../../campaigns/documentBounds.js';
import { CampaignNotFoundError } from '../../campaigns/errors.js';
import { CampaignNotDraftError, getCampaign, replaceDraftCampaign } from '../../campaigns/queries.js';
import { systemClock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { type CommandContext, printJson } from '../context.js';
import { inputFileSize, readInputText } from '../inputFile.js';

const TEMPLATES_DIR = join(import.meta.dirname, '..', '..', '..', 'templates');

/**
 * `campaign edit ID FILE`: a draft's document replaced by the file, judged by the validator `create` uses
 * and stored as the console's editor stores it (replaceDraftCampaign). Anything but a draft is refused
 * before the file is read: a campaign that went live does not change under its deliveries.
 */
export async function editDraft(
  ctx: CommandContext,
  db: Database,
  campaignId: number,
  file: string,
  format: 'json' | 'yaml',
  options: { json: boolean },
): Promise<void> {
  const current = await getCampaign(db, campaignId);
  if (!current) throw new CampaignNotFoundError(campaignId);
  if (current.status !== 'draft') throw new CampaignNotDraftError(campaignId, current.status, 'edited');
  refuseOversizedFile(await inputFileSize(file));
  const now = systemClock.now();
  const definition = parseCampaignText(await readInputText(file), format, { now });
  const replaced = await replaceDraftCampaign(db, campaignId, definition, {
    now,
    templatesDir: TEMPLATES_DIR,
  });
  if (options.json) return printJson(ctx.stdout, replaced);
  ctx.stdout.write(
    `Campaign ${campaignId} "${replaced.name}" replaced from ${file}; still a draft ` +
      `(\`broadcaster campaign publish ${campaignId}\` takes it live).\n`,
  );
}

/** `campaign show ID --document`: the campaign as written, as JSON, to save, edit and give to `campaign edit`. */
export async function printDocument(ctx: CommandContext, db: Database, campaignId: number): Promise<void> {
  const campaign = await getCampaign(db, campaignId);
  if (!campaign) throw new CampaignNotFoundError(campaignId);
  printJson(ctx.stdout, campaign.definition);
}
