import { extname, join } from 'node:path';
import { formatAudienceSummary } from '../../campaigns/audienceSummary.js';
import { createCampaign } from '../../campaigns/createCampaign.js';
import { CAMPAIGN_KINDS, parseCampaignText } from '../../campaigns/definition.js';
import { refuseOversizedFile } from '../../campaigns/documentBounds.js';
import { CampaignNotFoundError } from '../../campaigns/errors.js';
import {
  CAMPAIGN_STATUSES,
  cancelCampaign,
  type MissedTicksOnResume,
  pauseCampaign,
  publishCampaign,
  resumeCampaign,
  type StatusChange,
} from '../../campaigns/lifecycle.js';
import { type CampaignPreview, previewCampaign } from '../../campaigns/preview.js';
import { type CampaignDetails, getCampaign, listCampaigns } from '../../campaigns/queries.js';
import { systemClock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { BroadcasterError } from '../../errors.js';
import { normalisePhone, type PhoneRegion } from '../../phones/phone.js';
import { campaignReport, formatCampaignReport } from '../../reports/campaignReport.js';
import { choiceOption, integerOption, parseCommandArgs, UsageError } from '../args.js';
import { formatCampaignDetails, formatCampaignList, formatMissedTicks } from '../campaignViews.js';
import { type CommandContext, printJson } from '../context.js';
import { openDatabase } from '../database.js';
import { inputFileSize, readInputText } from '../inputFile.js';
import { exactPositionals, idArgument, splitSubcommand } from '../positionals.js';
import { waitForCampaign } from '../waitForCampaign.js';
import { editDraft, printDocument } from './campaignDraftEditing.js';
import { testSend } from './campaignTestSend.js';

const TEMPLATES_DIR = join(import.meta.dirname, '..', '..', '..', 'templates');
const SUBCOMMANDS = [
  'create',
  'list',
  'show',
  'edit',
  'pause',
  'resume',
  'cancel',
  'preview',
  'test-send',
  'publish',
] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export const campaignHelp = `Usage: broadcaster campaign <subcommand> [options]

Subcommands:
  create FILE.json|FILE.yaml [--wait]   store a campaign written as JSON or YAML (by the file's
                                        extension); it is scheduled at once unless it says
                                        "draft": true; templates {"file": …} come from templates/
  list [--status S] [--kind K] [--limit N] [--offset N]
                                        campaigns, newest first: schedule as written, next run in
                                        the campaign's zone ("paused" while paused), delivery counts
  show ID [--wait] [--document]         a campaign's details, schedule, counts and runs; --wait
                                        watches it; --document prints the campaign as written (JSON)
  edit ID FILE.json|FILE.yaml           replace a draft with the file (checked as create checks it);
                                        anything but a draft is refused
  pause ID                              workers stop taking its deliveries; nothing is lost
  resume ID [--wait]                    carry on where it stopped; a recurring campaign says what
                                        becomes of the ticks missed while paused (missedTicks: skip,
                                        the default, or runLatest: the latest runs at once)
  cancel ID                             stop for good: deliveries not yet sent are skipped (cancelled)
  publish ID                            a draft goes live (scheduled; a reminder campaign running)
  preview ID [--contact PHONE]          the message rendered for a contact (by phone), or for a
                                        sample contact of its audience
  test-send ID --phone PHONE            send the message now to one known contact through Chat2Desk
                                        (CHAT2DESK_TOKEN needed); a new WhatsApp client: says from
                                        when it may go

Options:
  --wait         (create, resume, show) watch until the campaign is completed or cancelled, with a
                 progress bar of settled deliveries on stderr; the engine (broadcaster start) does the
                 sending. Paused by a person it says so and keeps watching until it is resumed; paused
                 by the engine (quota_guard, …) it stops. Exit 0 when it completed, 1 otherwise.
  --document     (show) the campaign's document as JSON: save it, edit it, give it to edit
  --phone P      (test-send) the contact's phone
  --json         machine-readable output: create prints the campaign with its "id"
  --status S     (list) one of ${CAMPAIGN_STATUSES.join(', ')}
  --kind K       (list) one of ${CAMPAIGN_KINDS.join(', ')}
  --limit N      (list) at most N campaigns (default 50, up to 1000)

Examples:
  broadcaster campaign create black-friday.yaml
  broadcaster campaign create digest.json --wait
  broadcaster campaign list --status scheduled --kind broadcast
  broadcaster campaign show 12
  broadcaster campaign show 12 --wait
  broadcaster campaign show 12 --document > draft.json
  broadcaster campaign edit 12 draft.json
  broadcaster campaign publish 12
  broadcaster campaign preview 12 --contact "+7 999 123-45-67"
  broadcaster campaign test-send 12 --phone +79991234567
  broadcaster campaign pause 12
  broadcaster campaign resume 12 --wait
  broadcaster campaign cancel 12 --json

Exit codes: 0 on success; 1 when the campaign does not exist, its file is invalid (every problem is
listed on one line, with its field and line), or the change is not allowed from its status (e.g.
"already paused"); 2 for wrong arguments.`;

type Options = ReturnType<typeof parseOptions>['values'];

function parseOptions(argv: string[]) {
  return parseCommandArgs(argv, {
    wait: { type: 'boolean' },
    status: { type: 'string' },
    kind: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    contact: { type: 'string' },
    document: { type: 'boolean' },
    phone: { type: 'string' },
  });
}

/** Options each subcommand takes besides --json; any other is refused rather than ignored. */
const ALLOWED_OPTIONS: Record<Subcommand, readonly (keyof Options)[]> = {
  create: ['wait'],
  list: ['status', 'kind', 'limit', 'offset'],
  show: ['wait', 'document'],
  edit: [],
  pause: [],
  resume: ['wait'],
  cancel: [],
  preview: ['contact'],
  'test-send': ['phone'],
  publish: [],
};

export async function campaignCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { name, rest } = splitSubcommand('campaign', argv, SUBCOMMANDS);
  const { values, positionals } = parseOptions(rest);
  for (const option of Object.keys(values) as (keyof Options)[]) {
    if (option !== 'json' && option !== 'help' && !ALLOWED_OPTIONS[name].includes(option)) {
      throw new UsageError(`campaign ${name} does not take --${option}`);
    }
  }
  const usage = `campaign ${name}`;
  if (name === 'create') {
    const [file] = exactPositionals(usage, positionals, ['FILE']);
    return create(ctx, file!, values);
  }
  if (name === 'list') {
    exactPositionals(usage, positionals, []);
    return list(ctx, values);
  }
  if (name === 'edit') {
    const [rawId, file] = exactPositionals(usage, positionals, ['ID', 'FILE']);
    const id = idArgument('ID', rawId!);
    const format = formatOf(file!);
    return editDraft(ctx, await openDatabase(ctx), id, file!, format, { json: values.json === true });
  }
  const [rawId] = exactPositionals(usage, positionals, ['ID']);
  const id = idArgument('ID', rawId!);
  const phone = name === 'preview' ? contactOption(values.contact, ctx.config.phoneRegion) : undefined;
  if (name === 'test-send' && !values.phone) throw new UsageError('campaign test-send needs --phone PHONE');
  if (values.wait && values.document) throw new UsageError('--document and --wait do not go together');
  const db = await openDatabase(ctx);
  switch (name) {
    case 'show':
      return values.document ? printDocument(ctx, db, id) : show(ctx, db, id, values);
    case 'test-send':
      return testSend(ctx, db, id, values.phone!, { json: values.json === true });
    case 'preview':
      return preview(ctx, db, id, phone, values);
    default:
      return changeStatus(ctx, db, id, name, values);
  }
}

function formatOf(file: string): 'json' | 'yaml' {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  throw new UsageError(`FILE must end in .json, .yaml or .yml, got "${file}"`);
}

async function create(ctx: CommandContext, file: string, values: Options): Promise<void> {
  const format = formatOf(file);
  refuseOversizedFile(await inputFileSize(file));
  const text = await readInputText(file);
  const now = systemClock.now();
  const definition = parseCampaignText(text, format, { now });
  if (values.wait && definition.draft) {
    throw new UsageError('--wait cannot wait for a draft: publish it, then `campaign resume ID --wait`');
  }
  const db = await openDatabase(ctx);
  const created = await createCampaign(db, definition, {
    now,
    templatesDir: TEMPLATES_DIR,
    defaultTimezone: ctx.config.defaultTimezone,
  });
  if (!values.json) {
    const next = created.nextRunAt ? `, first run at ${created.nextRunAt.toISOString()}` : '';
    ctx.stdout.write(
      `Created campaign ${created.id} "${definition.name}" (${definition.kind} on ${definition.transport}): ` +
        `${created.status}${next}.\n`,
    );
    for (const warning of created.warnings) ctx.stdout.write(`Warning: ${warning}.\n`);
  }
  if (values.wait) await watch(ctx, db, created.id, values);
  else if (values.json)
    printJson(ctx.stdout, { ...(await details(db, created.id)), warnings: created.warnings });
}

async function list(ctx: CommandContext, values: Options): Promise<void> {
  const status = choiceOption('status', values.status, CAMPAIGN_STATUSES);
  const kind = choiceOption('kind', values.kind, CAMPAIGN_KINDS);
  const limit = integerOption('limit', values.limit, { min: 1, max: 1000 }) ?? 50;
  const offset = integerOption('offset', values.offset, { min: 0 }) ?? 0;
  const db = await openDatabase(ctx);
  const page = await listCampaigns(db, {
    ...(status ? { status } : {}),
    ...(kind ? { kind } : {}),
    limit,
    offset,
  });
  if (values.json) return printJson(ctx.stdout, page);
  if (page.items.length === 0) {
    ctx.stdout.write(page.total === 0 ? 'No campaigns.\n' : `No campaigns past the first ${page.total}.\n`);
    return;
  }
  ctx.stdout.write(`${formatCampaignList(page, offset)}\n`);
}

async function details(db: Database, id: number): Promise<CampaignDetails> {
  const campaign = await getCampaign(db, id);
  if (!campaign) throw new CampaignNotFoundError(id);
  return campaign;
}

async function show(ctx: CommandContext, db: Database, id: number, values: Options): Promise<void> {
  if (values.wait) return watch(ctx, db, id, values);
  const c = await details(db, id);
  if (values.json) return printJson(ctx.stdout, c);
  ctx.stdout.write(`${formatCampaignDetails(c)}\n`);
}

async function changeStatus(
  ctx: CommandContext,
  db: Database,
  id: number,
  action: 'pause' | 'resume' | 'cancel' | 'publish',
  values: Options,
): Promise<void> {
  const now = systemClock.now();
  let change: StatusChange & {
    skippedDeliveries?: number;
    cancelledRuns?: number;
    missedTicks?: MissedTicksOnResume | null;
  };
  if (action === 'pause') change = await pauseCampaign(db.sql, id, { now });
  else if (action === 'resume') change = await resumeCampaign(db.sql, id, { now });
  else if (action === 'cancel') change = await cancelCampaign(db.sql, id, { now });
  else change = await publishCampaign(db.sql, id, { now, defaultTimezone: ctx.config.defaultTimezone });

  if (!values.json) {
    const skipped =
      change.skippedDeliveries === undefined
        ? ''
        : `; ${change.skippedDeliveries} deliveries not yet sent were skipped (cancelled)`;
    ctx.stdout.write(`Campaign ${id}: ${change.from} → ${change.to}${skipped}.\n`);
    if (change.missedTicks) ctx.stdout.write(`${formatMissedTicks(change.missedTicks)}\n`);
  }
  if (values.wait) await watch(ctx, db, id, values);
  else if (values.json) printJson(ctx.stdout, { campaignId: id, ...change });
}

/** --wait: the progress bar until the campaign rests; then its report, or with --json its details. */
async function watch(ctx: CommandContext, db: Database, id: number, values: Options): Promise<void> {
  try {
    await waitForCampaign(db.sql, id, {
      stream: process.stderr,
      quiet: values.json === true,
      stopped: ctx.untilStopped(),
    });
  } finally {
    // Whatever ended the wait, what the campaign came to is worth printing before the reason.
    if (values.json) printJson(ctx.stdout, await details(db, id));
    else ctx.stdout.write(`${formatCampaignReport(await campaignReport(db.sql, id))}\n`);
  }
}

/** --contact as E.164 with its +, so reading it again cannot take it for a national number. */
function contactOption(raw: string | undefined, region: PhoneRegion): string | undefined {
  if (raw === undefined) return undefined;
  const phone = normalisePhone(raw, { region });
  if (!phone.ok) throw new UsageError(`--contact: ${phone.message}`);
  return `+${phone.digits}`;
}

/** The message cannot be composed for this contact: preview fails, naming the variable or the limit. */
export class PreviewFailedError extends BroadcasterError {
  constructor(campaignId: number, who: string, preview: CampaignPreview) {
    const { missingVariable, detail, problem } = preview;
    const why =
      problem === 'missing_variable'
        ? `the template needs "${missingVariable}", which ${who} does not have`
        : problem === 'invalid_variable'
          ? `the template needs "${missingVariable}", unusable for ${who}: ${detail}`
          : `for ${who} the message is ${problem === 'message_too_long' ? 'too long' : 'too much work'}: ${detail}`;
    super('preview_failed', `campaign ${campaignId}: ${why}`, { campaignId, problem, missingVariable });
  }
}

/** The preview as a person reads it: the text, what it comes to on its transport, and consent. */
export function formatPreview(campaignId: number, who: string, preview: CampaignPreview): string {
  const lines = [`Campaign ${campaignId}, as ${who} would get it:`, '', preview.text ?? ''];
  if (preview.attachment) lines.push('', `Attachment: ${preview.attachment}`);
  const size = preview.size;
  if (size?.sms) {
    lines.push(
      '',
      `SMS: ${size.sms.segments} segment${size.sms.segments === 1 ? '' : 's'} (${size.sms.encoding}, ` +
        `${size.sms.characters} characters; at most ${size.limit} segments)`,
    );
  } else if (size) lines.push('', `${size.length} of ${size.limit} characters`);
  lines.push(`Dates read in ${preview.timezone}.`, `Consent: ${preview.consent.rule}.`);
  if (preview.consent.skipped) {
    lines.push(
      `This contact would be skipped: ${preview.consent.skipped.reason} (${preview.consent.skipped.detail}).`,
    );
  }
  lines.push(`Audience: ${formatAudienceSummary(preview.audience)}.`);
  return lines.join('\n');
}

async function preview(
  ctx: CommandContext,
  db: Database,
  id: number,
  phone: string | undefined,
  values: Options,
): Promise<void> {
  const result = await previewCampaign(db.sql, id, {
    ...(phone ? { phone } : {}),
    now: systemClock.now(),
    phoneRegion: ctx.config.phoneRegion,
    defaultTimezone: ctx.config.defaultTimezone,
  });
  const who = result.contact
    ? `${result.sample ? 'the sample contact' : 'contact'} ${result.contact.phone}` +
      (result.contact.name ? ` (${result.contact.name})` : '')
    : 'an invented sample contact (the audience is empty)';
  if (values.json) printJson(ctx.stdout, result);
  else if (result.ok) ctx.stdout.write(`${formatPreview(id, who, result)}\n`);
  // The whole audience's count is worth having even when this contact's message cannot be made.
  else ctx.stdout.write(`Audience: ${formatAudienceSummary(result.audience)}.\n`);
  if (!result.ok) throw new PreviewFailedError(id, who, result);
}
