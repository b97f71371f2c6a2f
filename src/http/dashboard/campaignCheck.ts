import { resolveTemplate } from '../../campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../campaigns/definition.js';
import { CampaignDefinitionError } from '../../campaigns/errors.js';
import { type CampaignPreview, previewOf } from '../../campaigns/preview.js';
import { audienceAttributeKeys } from '../../contacts/attributeKeys.js';
import type { Database } from '../../db/database.js';
import { getListByName } from '../../lists/lists.js';
import { countSegment, type SegmentCount } from '../../lists/segmentCount.js';
import { SegmentFilterError } from '../../lists/segmentFilter.js';
import type { PhoneRegion } from '../../phones/phone.js';
import { ENGINE_VARIABLES } from '../../templating/template.js';
import {
  type CampaignForm,
  type CampaignFormField,
  campaignDocument,
  formFieldOfIssue,
} from './campaignForm.js';
import { nextRuns } from './campaignSetup.js';

export type FormErrors = Map<CampaignFormField | 'general', string[]>;

/** What the editor's Check button shows of a form not saved yet. */
export interface CampaignCheck {
  /** The audience counted (members, those the segment selects, opted in). */
  count?: SegmentCount;
  /** The next runs of its schedule (a one-shot's one), in `zone`. */
  runs: Date[];
  zone: string;
  /** The message for the audience's first contact, composed as the worker would. */
  preview?: CampaignPreview;
  /** What `{{…}}` may name: the engine's variables and the audience's attributes. */
  variables: string[];
}

export interface CampaignCheckDeps {
  db: Database;
  templatesDir: string;
  phoneRegion: PhoneRegion;
  defaultTimezone?: string | undefined;
}

/** Validator issues by the form field they belong to. */
export function errorsByField(error: CampaignDefinitionError): FormErrors {
  const errors: FormErrors = new Map();
  for (const issue of error.issues) {
    const field = formFieldOfIssue(issue.path) ?? 'general';
    const message = field === 'general' && issue.path ? `${issue.path}: ${issue.message}` : issue.message;
    errors.set(field, [...(errors.get(field) ?? []), message]);
  }
  if (error.moreIssues > 0) errors.set('general', [...(errors.get('general') ?? []), `+${error.moreIssues}`]);
  return errors;
}

/**
 * Checks a form without saving it: the validator's problems at their fields, the audience counted,
 * the schedule's next runs, the variables a template may use, and — when it is valid — the message
 * as the audience's first contact would get it. Nothing is written.
 */
export async function checkCampaignForm(
  deps: CampaignCheckDeps,
  form: CampaignForm,
  now: Date,
): Promise<{ check: CampaignCheck; errors: FormErrors }> {
  const errors: FormErrors = new Map();
  const check: CampaignCheck = { runs: [], zone: form.timezone || 'UTC', variables: [...ENGINE_VARIABLES] };
  const named = form.list !== '' && form.list !== '*';
  const list = named ? await getListByName(deps.db, form.list) : undefined;
  if (named && !list) errors.set('list', [`no contact list named "${form.list}"`]);
  const where = form.where.trim() === '' ? null : form.where;
  if (!errors.has('list')) {
    try {
      check.count = await countSegment(deps.db.sql, { listId: list?.id ?? null, where, now });
      const keys = await audienceAttributeKeys(deps.db.sql, { listId: list?.id ?? null, where, now });
      check.variables = [...new Set([...ENGINE_VARIABLES, ...keys])];
    } catch (error) {
      if (!(error instanceof SegmentFilterError)) throw error;
      errors.set('where', [error.message]);
    }
  }
  let definition: ReturnType<typeof validateCampaignDefinition>;
  try {
    definition = validateCampaignDefinition(campaignDocument(form), { now });
  } catch (error) {
    if (!(error instanceof CampaignDefinitionError)) throw error;
    for (const [field, messages] of errorsByField(error)) if (!errors.has(field)) errors.set(field, messages);
    return { check, errors };
  }
  check.zone =
    definition.timezone ??
    (definition.schedule && 'cron' in definition.schedule ? definition.schedule.timezone : 'UTC');
  check.runs = nextRuns(definition.schedule, now);
  if (errors.size === 0) check.preview = await previewForm(deps, definition, list?.id ?? null, now, errors);
  return { check, errors };
}

/** The form's message for the audience's first contact; a template file that cannot be read is a problem at its field. */
async function previewForm(
  deps: CampaignCheckDeps,
  definition: ReturnType<typeof validateCampaignDefinition>,
  listId: number | null,
  now: Date,
  errors: FormErrors,
): Promise<CampaignPreview | undefined> {
  try {
    const templateSource = definition.template
      ? await resolveTemplate(definition.template, deps.templatesDir)
      : '';
    return await previewOf(
      deps.db.sql,
      {
        id: 0,
        name: definition.name,
        kind: definition.kind,
        templateSource,
        variables: definition.variables,
        timezone: definition.timezone,
        listId,
        audienceWhere: definition.audience.where ?? null,
        channelId: definition.channelId,
        purpose: definition.purpose,
        reminderOffsets: definition.kind === 'reminder' ? definition.offsets : null,
        transport: definition.transport,
        whatsappTemplate: definition.whatsappTemplate ?? null,
        attachment: definition.attachment ?? null,
      },
      {
        now,
        phoneRegion: deps.phoneRegion,
        ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
      },
    );
  } catch (error) {
    if (!(error instanceof CampaignDefinitionError)) throw error;
    for (const [field, messages] of errorsByField(error)) errors.set(field, messages);
    return undefined;
  }
}
