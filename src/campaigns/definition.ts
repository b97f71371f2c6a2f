import { type CampaignFormat, readCampaignSource } from './campaignSource.js';
import { CampaignDefinitionError, TemplateError } from './errors.js';
import { IssueCollector } from './issueCollector.js';
import type { CampaignSchedule } from './schedule.js';
import { compileTemplate, templateFileNameProblem } from './template.js';
import { readOffsets, readSchedule, readSendLateWithin, readSendWindow } from './timingFields.js';

/**
 * A campaign as a user writes it (PRODUCT.md, "A campaign, as a user writes it"), read from JSON or
 * YAML into a typed definition. Validation reports every problem at once, each at the path of its
 * field, so a user fixes a file in one pass.
 */
export const TRANSPORTS = ['whatsapp', 'viber', 'sms', 'telegram', 'vkontakte', 'facebook'] as const;
export type Transport = (typeof TRANSPORTS)[number];
export const CAMPAIGN_KINDS = ['broadcast', 'reminder'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

export interface SendWindow {
  /** HH:MM in the contact's time zone; `to` earlier than `from` means the window spans midnight. */
  from: string;
  to: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday, ascending; absent = every day. */
  days?: number[];
}

export interface CampaignDefinition {
  name: string;
  kind: CampaignKind;
  transport: Transport;
  channelId: number | null;
  template: { source: string } | { file: string };
  /** Broadcasts name one; for reminders it narrows the appointments' contacts (default: all). */
  audience: { list: string } | { all: true };
  /** Broadcasts have one; reminders none (they follow appointments). */
  schedule: CampaignSchedule;
  /** Reminders: seconds relative to an appointment's startsAt (-86400 = a day before). */
  offsets: number[];
  /** Reminders: how late a reminder may still go out after its due time. */
  sendLateWithinMs: number | null;
  sendWindow: SendWindow | null;
  /** The campaign's default IANA zone (for contacts without one); a cron schedule's zone when not given. */
  timezone: string | null;
  rateLimitPerSecond: number | null;
  requireOptIn: boolean;
  draft: boolean;
  /** The object exactly as the user wrote it, kept in campaigns.definition. */
  raw?: Record<string, unknown>;
}

export interface ValidateOptions {
  now: Date;
  /** Re-reading a stored campaign: a one-shot time in the past is history, not an error. */
  allowPastSchedule?: boolean;
}

const FIELDS = [
  'name',
  'kind',
  'transport',
  'channelId',
  'template',
  'audience',
  'schedule',
  'offsets',
  'sendLateWithin',
  'sendWindow',
  'timezone',
  'rateLimit',
  'requireOptIn',
  'draft',
] as const;

const MAX_INT32 = 2_147_483_647;

/** Parses JSON or YAML text and validates it; problems carry the line (and column) they are on. */
export function parseCampaignText(
  text: string,
  format: CampaignFormat,
  options: ValidateOptions,
): CampaignDefinition {
  const source = readCampaignSource(text, format);
  try {
    return validateCampaignDefinition(source.value, options);
  } catch (error) {
    if (!(error instanceof CampaignDefinitionError)) throw error;
    throw new CampaignDefinitionError(
      error.issues.map((issue) => ({ ...issue, ...source.locate(issue.path) })),
    );
  }
}

/** Validates a parsed campaign; throws CampaignDefinitionError listing every problem. */
export function validateCampaignDefinition(value: unknown, options: ValidateOptions): CampaignDefinition {
  const check = new IssueCollector();
  const doc = check.object(value, '', FIELDS);
  if (!doc) throw new CampaignDefinitionError(check.issues);
  // YAML's empty value (`offsets:`) and JSON's null both mean "not given".
  const field = (key: (typeof FIELDS)[number]) => (doc[key] === null ? undefined : doc[key]);

  const name = check.text('name', field('name'), 'a name');
  const kind =
    field('kind') === undefined
      ? missing(check, 'kind', 'broadcast or reminder')
      : check.oneOf('kind', field('kind'), CAMPAIGN_KINDS);
  const transport =
    field('transport') === undefined
      ? missing(check, 'transport', TRANSPORTS.join(', '))
      : check.oneOf('transport', field('transport'), TRANSPORTS);
  const channelId = readChannelId(check, field('channelId'));
  const timezone = check.timeZone('timezone', field('timezone'));
  const template = readTemplate(check, field('template'));
  const audience = readAudience(check, field('audience'), kind);
  const schedule = readSchedule(check, field('schedule'), kind, timezone, options);
  const offsets = readOffsets(check, field('offsets'), kind);
  const sendLateWithinMs = readSendLateWithin(check, field('sendLateWithin'), kind);
  const sendWindow = readSendWindow(check, field('sendWindow'));
  const rateLimitPerSecond = readRateLimit(check, field('rateLimit'));
  const requireOptIn = check.boolean('requireOptIn', field('requireOptIn'), true);
  const draft = check.boolean('draft', field('draft'), false);

  if (check.issues.length > 0 || !name || !kind || !transport || !template || timezone === false) {
    throw new CampaignDefinitionError(check.issues);
  }
  return {
    name,
    kind,
    transport,
    channelId,
    template,
    audience,
    schedule,
    offsets,
    sendLateWithinMs,
    sendWindow,
    timezone,
    rateLimitPerSecond,
    requireOptIn,
    draft,
    raw: JSON.parse(JSON.stringify(doc)) as Record<string, unknown>,
  };
}

function missing(check: IssueCollector, path: string, expected: string): null {
  check.add(path, `required (${expected})`);
  return null;
}

function readChannelId(check: IssueCollector, value: unknown): number | null {
  if (value === undefined) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_INT32) return value;
  check.expected('channelId', 'a positive integer (a Chat2Desk channel id)', value);
  return null;
}

function readTemplate(check: IssueCollector, value: unknown): CampaignDefinition['template'] | null {
  if (value === undefined)
    return missing(check, 'template', 'Handlebars text, or {"file": "name.hbs"} from templates/');
  if (typeof value === 'string') {
    if (value.trim() === '') {
      check.add('template', 'is empty');
      return null;
    }
    try {
      compileTemplate(value);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      const where =
        error.line === null
          ? ''
          : `line ${error.line}${error.column === null ? '' : `, column ${error.column}`} of the template: `;
      check.add('template', `${where}${error.reason}`);
      return null;
    }
    return { source: value };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    check.expected('template', 'Handlebars text or {"file": "name.hbs"}', value);
    return null;
  }
  const spec = check.object(value, 'template', ['file']);
  if (!spec) return null;
  const problem = templateFileNameProblem(spec.file);
  if (problem) {
    check.add('template.file', problem);
    return null;
  }
  return { file: spec.file as string };
}

function readAudience(
  check: IssueCollector,
  value: unknown,
  kind: CampaignKind | null,
): CampaignDefinition['audience'] {
  const everyone = { all: true } as const;
  if (value === undefined) {
    if (kind === 'broadcast')
      check.add('audience', 'required for a broadcast: {"list": "<list name>"} or {"all": true}');
    return everyone;
  }
  const spec = check.object(value, 'audience', ['list', 'all']);
  if (!spec) return everyone;
  if (spec.list !== undefined && spec.all !== undefined) {
    check.add('audience', 'give either "list" or "all", not both');
    return everyone;
  }
  if (spec.list !== undefined) {
    const list = check.text('audience.list', spec.list, 'the name of a contact list');
    return list ? { list } : everyone;
  }
  if (spec.all !== undefined) {
    if (spec.all !== true) check.expected('audience.all', 'true (every contact)', spec.all);
    return everyone;
  }
  check.add('audience', 'expected {"list": "<list name>"} or {"all": true}');
  return everyone;
}

/**
 * A campaign's own pace, in messages per second: from one an hour (a slower pace is a schedule, not a
 * rate) to 1,000 (the shared limiter spaces requests whole milliseconds apart).
 */
export const CAMPAIGN_RATE_RANGE = { min: 1 / 3600, max: 1000 } as const;

function readRateLimit(check: IssueCollector, value: unknown): number | null {
  if (value === undefined) return null;
  const spec = check.object(value, 'rateLimit', ['perSecond']);
  if (!spec) return null;
  const perSecond = spec.perSecond;
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond)) {
    check.expected('rateLimit.perSecond', 'a number of messages per second', perSecond);
    return null;
  }
  if (perSecond < CAMPAIGN_RATE_RANGE.min || perSecond > CAMPAIGN_RATE_RANGE.max) {
    check.add(
      'rateLimit.perSecond',
      `must be from 0.000278 (one an hour) to ${CAMPAIGN_RATE_RANGE.max} messages per second, got ${perSecond}`,
    );
    return null;
  }
  return perSecond;
}
