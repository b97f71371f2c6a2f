import { BroadcasterError } from '../errors.js';

/** One problem in a campaign definition; `path` is the field as the user wrote it (`schedule.at`, `offsets[1]`). */
export interface CampaignDefinitionIssue {
  path: string;
  message: string;
  /** 1-based, when the definition came from text. */
  line?: number;
  column?: number;
}

export function formatIssue(issue: CampaignDefinitionIssue): string {
  const where =
    issue.line === undefined
      ? ''
      : ` (line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`})`;
  return `${issue.path || 'campaign'}: ${issue.message}${where}`;
}

/** Every problem found in a campaign definition at once, so the user can fix them in one go. */
export class CampaignDefinitionError extends BroadcasterError {
  readonly issues: CampaignDefinitionIssue[];
  /** The first offending field, for callers that can point at only one. */
  readonly field: string;

  constructor(issues: CampaignDefinitionIssue[]) {
    // A one-line message: the CLI prints it as its reason.
    super('campaign_invalid', `invalid campaign: ${issues.map(formatIssue).join('; ')}`, {
      field: issues[0]?.path ?? '',
      issues,
    });
    this.issues = issues;
    this.field = issues[0]?.path ?? '';
  }
}

/** A Handlebars template that cannot be compiled or loaded; `line`/`column` (1-based) point into the template. */
export class TemplateError extends BroadcasterError {
  /** The problem alone, without the file and position the message starts with. */
  readonly reason: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly file: string | null;

  constructor(
    message: string,
    where: { line?: number | null; column?: number | null; file?: string | null; code?: string } = {},
    options?: ErrorOptions,
  ) {
    const line = where.line ?? null;
    const column = where.column ?? null;
    const file = where.file ?? null;
    const position = line === null ? '' : `line ${line}${column === null ? '' : `, column ${column}`}: `;
    super(
      where.code ?? 'template_invalid',
      `template${file ? ` ${file}` : ''}: ${position}${message}`,
      { line, column, file },
      options,
    );
    this.reason = message;
    this.line = line;
    this.column = column;
    this.file = file;
  }
}

export class CampaignNotFoundError extends BroadcasterError {
  readonly campaignId: number;

  constructor(campaignId: number) {
    super('campaign_not_found', `campaign ${campaignId} does not exist`, { campaignId });
    this.campaignId = campaignId;
  }
}

/** A change of status the campaign state machine does not allow from where the campaign is now. */
export class InvalidCampaignTransitionError extends BroadcasterError {
  readonly campaignId: number;
  readonly from: string;
  readonly to: string;

  constructor(campaignId: number, from: string, to: string) {
    super('campaign_transition_invalid', `campaign ${campaignId} cannot go from ${from} to ${to}`, {
      campaignId,
      from,
      to,
    });
    this.campaignId = campaignId;
    this.from = from;
    this.to = to;
  }
}
