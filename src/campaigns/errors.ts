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

/** An error lists at most this many problems, and counts the rest. */
export const MAX_REPORTED_ISSUES = 20;
/** A path or message longer than this is cut: both may quote what the user wrote. */
const MAX_ISSUE_TEXT = 300;

/**
 * Every problem found in a campaign definition at once, so the user can fix them in one go: the
 * first MAX_REPORTED_ISSUES of them, and how many more there are (`moreIssues`).
 */
export class CampaignDefinitionError extends BroadcasterError {
  readonly issues: CampaignDefinitionIssue[];
  /** Problems found beyond those listed. */
  readonly moreIssues: number;
  /** The first offending field, for callers that can point at only one. */
  readonly field: string;

  /** `unlisted`: problems found and not kept (an IssueCollector keeps only as many as are listed). */
  constructor(issues: CampaignDefinitionIssue[], unlisted = 0) {
    const listed = issues.slice(0, MAX_REPORTED_ISSUES).map(boundedIssue);
    const more = issues.length - listed.length + unlisted;
    const rest = more > 0 ? `; and ${more} more` : '';
    // A one-line message: the CLI prints it as its reason.
    super('campaign_invalid', `invalid campaign: ${listed.map(formatIssue).join('; ')}${rest}`, {
      field: listed[0]?.path ?? '',
      issues: listed,
      ...(more > 0 ? { moreIssues: more } : {}),
    });
    this.issues = listed;
    this.moreIssues = more;
    this.field = listed[0]?.path ?? '';
  }
}

function boundedIssue(issue: CampaignDefinitionIssue): CampaignDefinitionIssue {
  const cut = (text: string) =>
    text.length > MAX_ISSUE_TEXT ? `${text.slice(0, MAX_ISSUE_TEXT - 3)}...` : text;
  return { ...issue, path: cut(issue.path), message: cut(issue.message) };
}

/** Templates are a library below the campaigns (src/templating); its error is theirs too. */
export { TemplateError } from '../templating/templateError.js';

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
