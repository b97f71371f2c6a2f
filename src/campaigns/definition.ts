import type { BookedLatePolicy, OutsideWindowPolicy } from '../appointments/reminderPolicies.js';
import { MAX_FILTER_LENGTH, parseSegmentFilter, SegmentFilterError } from '../lists/segmentFilter.js';
import { CAMPAIGN_PURPOSES, type CampaignPurpose, defaultPurpose } from '../messages/consent.js';
import type { SendWindow } from '../messages/sendWindow.js';
import type { WhatsAppTemplate } from '../messages/whatsappTemplate.js';
import { ENGINE_VARIABLES } from '../templating/template.js';
import { type CampaignFormat, readCampaignSource } from './campaignSource.js';
import { refuseOversizedValue } from './documentBounds.js';
import { CampaignDefinitionError } from './errors.js';
import { IssueCollector } from './issueCollector.js';
import { readMessageContent } from './messageContentFields.js';
import { type MissedTicksPolicy, readMissedTicks } from './missedTicksField.js';
import type { CampaignSchedule } from './schedule.js';
import {
  readOffsets,
  readReminderPolicies,
  readSchedule,
  readSendLateWithin,
  readSendWindow,
} from './timingFields.js';

/**
 * A campaign as a user writes it (PRODUCT.md, "A campaign, as a user writes it"), read from JSON or
 * YAML into a typed definition. Validation reports every problem at once, each at the path of its
 * field, so a user fixes a file in one pass.
 */
export type { SendWindow };

export const TRANSPORTS = ['whatsapp', 'viber', 'sms', 'telegram', 'vkontakte', 'facebook'] as const;
export type Transport = (typeof TRANSPORTS)[number];
export const CAMPAIGN_KINDS = ['broadcast', 'reminder'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

export interface CampaignDefinition {
  name: string;
  kind: CampaignKind;
  transport: Transport;
  channelId: number | null;
  /** null: the message is the WhatsApp template, or the attachment alone. */
  template: { source: string } | { file: string } | null;
  /** An approved WhatsApp template (HSM), sent as Chat2Desk's @HSM@ markup: the whole message. */
  whatsappTemplate?: WhatsAppTemplate;
  /** The URL of a file sent with the message (POST /v1/messages `attachment`), or as the message. */
  attachment?: string;
  /**
   * Broadcasts name one; for reminders it narrows the appointments' contacts (default: all). `where`
   * (broadcasts) keeps the members a segment filter selects (src/lists/segmentFilter.ts).
   */
  audience: ({ list: string } | { all: true }) & { where?: string };
  /** Broadcasts have one; reminders none (they follow appointments). */
  schedule: CampaignSchedule;
  /** Recurring broadcasts: ticks missed while paused (src/campaigns/missedTicksField.ts). */
  missedTicks?: MissedTicksPolicy;
  /** Reminders: seconds relative to an appointment's startsAt (-86400 = a day before). */
  offsets: number[];
  /** Reminders: how late a reminder may still go out after its due time. */
  sendLateWithinMs: number | null;
  /** Reminders: outside the send window / booked late (timingFields.ts); absent = the default. */
  outsideWindow?: OutsideWindowPolicy;
  bookedLate?: BookedLatePolicy;
  sendWindow: SendWindow | null;
  /** The campaign's default IANA zone (for contacts without one); a cron schedule's zone when not given. */
  timezone: string | null;
  rateLimitPerSecond: number | null;
  /**
   * The consent rule (src/campaigns/consent.ts): marketing needs a recorded opt-in, transactional
   * does not; an opt-out stops both. `requireOptIn` in a document is the older way to say it.
   */
  purpose: CampaignPurpose;
  /** Template values of the campaign itself, the same for every recipient (`{{endsAt}}`). */
  variables: CampaignVariables;
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
  'whatsappTemplate',
  'attachment',
  'audience',
  'schedule',
  'missedTicks',
  'offsets',
  'sendLateWithin',
  'outsideWindow',
  'bookedLate',
  'sendWindow',
  'timezone',
  'rateLimit',
  'purpose',
  'requireOptIn',
  'variables',
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
      error.moreIssues,
    );
  }
}

/**
 * Validates a parsed campaign; throws CampaignDefinitionError listing every problem (the first
 * ones, and a count of the rest). A value with more keys than any campaign has is refused unread.
 */
export function validateCampaignDefinition(value: unknown, options: ValidateOptions): CampaignDefinition {
  refuseOversizedValue(value);
  const check = new IssueCollector();
  const doc = check.object(value, '', FIELDS);
  if (!doc) throw new CampaignDefinitionError(check.issues, check.omitted);
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
  const { template, whatsappTemplate, attachment } = readMessageContent(
    check,
    {
      template: field('template'),
      whatsappTemplate: field('whatsappTemplate'),
      attachment: field('attachment'),
    },
    transport,
  );
  const audience = readAudience(check, field('audience'), kind);
  const schedule = readSchedule(check, field('schedule'), kind, timezone, options);
  const missedTicks = readMissedTicks(check, field('missedTicks'), schedule, kind);
  const offsets = readOffsets(check, field('offsets'), kind);
  const sendLateWithinMs = readSendLateWithin(check, field('sendLateWithin'), kind);
  const sendWindow = readSendWindow(check, field('sendWindow'));
  const reminderPolicies = readReminderPolicies(
    check,
    { outsideWindow: field('outsideWindow'), bookedLate: field('bookedLate') },
    kind,
  );
  const rateLimitPerSecond = readRateLimit(check, field('rateLimit'));
  const purpose = readPurpose(check, field('purpose'), field('requireOptIn'), kind);
  const variables = readVariables(check, field('variables'));
  const draft = check.boolean('draft', field('draft'), false);

  if (check.issues.length > 0 || !name || !kind || !transport || timezone === false) {
    throw new CampaignDefinitionError(check.issues, check.omitted);
  }
  return {
    name,
    kind,
    transport,
    channelId,
    template,
    ...(whatsappTemplate ? { whatsappTemplate } : {}),
    ...(attachment ? { attachment } : {}),
    audience,
    schedule,
    ...(missedTicks ? { missedTicks } : {}),
    offsets,
    sendLateWithinMs,
    ...reminderPolicies,
    sendWindow,
    timezone,
    rateLimitPerSecond,
    purpose,
    variables,
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
  const spec = check.object(value, 'audience', ['list', 'all', 'where']);
  if (!spec) return everyone;
  const where = readSegment(check, spec.where, kind);
  const segment = where === null ? {} : { where };
  if (spec.list !== undefined && spec.all !== undefined) {
    check.add('audience', 'give either "list" or "all", not both');
    return everyone;
  }
  if (spec.list !== undefined) {
    const list = check.text('audience.list', spec.list, 'the name of a contact list');
    return list ? { list, ...segment } : everyone;
  }
  if (spec.all !== undefined) {
    if (spec.all !== true) check.expected('audience.all', 'true (every contact)', spec.all);
    return { all: true, ...segment };
  }
  // A segment alone is a segment of every contact.
  if (where !== null) return { all: true, where };
  check.add('audience', 'expected {"list": "<list name>"}, {"all": true} or {"where": "<segment filter>"}');
  return everyone;
}

/** `audience.where`: a segment filter, read now so a mistake is named with its column. */
function readSegment(check: IssueCollector, value: unknown, kind: CampaignKind | null): string | null {
  if (value === undefined) return null;
  const where = check.text(
    'audience.where',
    value,
    'a segment filter such as city = "Moscow"',
    MAX_FILTER_LENGTH,
  );
  if (where === null) return null;
  if (kind === 'reminder') {
    check.add(
      'audience.where',
      "a segment narrows a broadcast's audience; a reminder follows its appointments (narrow it with a list)",
    );
    return null;
  }
  try {
    parseSegmentFilter(where);
  } catch (error) {
    if (!(error instanceof SegmentFilterError)) throw error;
    check.add('audience.where', error.message);
    return null;
  }
  return where;
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

/**
 * `purpose`, or the older `requireOptIn` (true: marketing, false: transactional); both may be given
 * when they agree. Neither: a broadcast is marketing, a reminder transactional.
 */
function readPurpose(
  check: IssueCollector,
  purposeValue: unknown,
  requireOptInValue: unknown,
  kind: CampaignKind | null,
): CampaignPurpose {
  const purpose =
    purposeValue === undefined ? undefined : check.oneOf('purpose', purposeValue, CAMPAIGN_PURPOSES);
  const requireOptIn =
    requireOptInValue === undefined ? undefined : check.boolean('requireOptIn', requireOptInValue, true);
  const implied = requireOptIn === undefined ? undefined : requireOptIn ? 'marketing' : 'transactional';
  if (purpose && implied && purpose !== implied) {
    check.add(
      'requireOptIn',
      `${requireOptIn} contradicts purpose "${purpose}" (marketing requires opt-in, transactional does not): leave requireOptIn out`,
    );
  }
  return purpose ?? implied ?? defaultPurpose(kind ?? 'broadcast');
}

export type CampaignVariables = Record<string, string | number | boolean>;

/** At most this many campaign variables, each value at most MAX_VARIABLE_CHARS characters. */
export const MAX_VARIABLES = 100;
export const MAX_VARIABLE_CHARS = 1000;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `variables`: names a template can write plainly ({{endsAt}}), each a text, number or true/false. */
function readVariables(check: IssueCollector, value: unknown): CampaignVariables {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    check.expected('variables', 'an object of names and values, e.g. {"endsAt": "2026-11-30"}', value);
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_VARIABLES) {
    check.add('variables', `has ${entries.length} names; at most ${MAX_VARIABLES}`);
    return {};
  }
  const variables: CampaignVariables = {};
  for (const [name, item] of entries) {
    const path = `variables.${name}`;
    if (!VARIABLE_NAME.test(name)) {
      check.add(path, 'a variable name is letters, digits and _, not starting with a digit');
    } else if (ENGINE_VARIABLES.includes(name)) {
      check.add(path, `"${name}" is given to every message by the engine; choose another name`);
    } else if (typeof item === 'string' && item.length > MAX_VARIABLE_CHARS) {
      check.add(path, `has ${item.length} characters; at most ${MAX_VARIABLE_CHARS}`);
    } else if (
      typeof item === 'string' ||
      typeof item === 'boolean' ||
      (typeof item === 'number' && Number.isFinite(item))
    ) {
      Object.defineProperty(variables, name, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      check.expected(path, 'a text, a number or true/false', item);
    }
  }
  return variables;
}
