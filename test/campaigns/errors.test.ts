import { describe, expect, it } from 'vitest';
import {
  CampaignDefinitionError,
  CampaignNotFoundError,
  formatIssue,
  InvalidCampaignTransitionError,
  MAX_REPORTED_ISSUES,
  TemplateError,
} from '../../src/campaigns/errors.js';
import { BroadcasterError } from '../../src/errors.js';
import { TemplateError as LibraryTemplateError } from '../../src/templating/templateError.js';

describe('formatIssue', () => {
  it('names the field, then the problem, then the line and column when known', () => {
    expect(formatIssue({ path: 'schedule.at', message: 'is not a time' })).toBe('schedule.at: is not a time');
    expect(formatIssue({ path: 'offsets[1]', message: 'is not a duration', line: 4 })).toBe(
      'offsets[1]: is not a duration (line 4)',
    );
    expect(formatIssue({ path: 'name', message: 'is empty', line: 2, column: 9 })).toBe(
      'name: is empty (line 2, column 9)',
    );
  });

  it('says "campaign" for a problem of the whole definition', () => {
    expect(formatIssue({ path: '', message: 'must be an object' })).toBe('campaign: must be an object');
  });
});

describe('CampaignDefinitionError', () => {
  it('lists every problem in one line and names the first field', () => {
    const error = new CampaignDefinitionError([
      { path: 'name', message: 'is required' },
      { path: 'schedule.cron', message: 'is not a cron expression', line: 5, column: 3 },
    ]);

    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error.code).toBe('campaign_invalid');
    expect(error.message).toBe(
      'invalid campaign: name: is required; schedule.cron: is not a cron expression (line 5, column 3)',
    );
    expect(error.message).not.toContain('\n');
    expect(error.field).toBe('name');
    expect(error.moreIssues).toBe(0);
    expect(error.details).toEqual({ field: 'name', issues: error.issues });
  });

  it(`lists the first ${MAX_REPORTED_ISSUES} problems and counts the rest, with those not kept`, () => {
    const issues = Array.from({ length: MAX_REPORTED_ISSUES + 5 }, (_, i) => ({
      path: `offsets[${i}]`,
      message: 'is not a duration',
    }));

    const error = new CampaignDefinitionError(issues, 10);

    expect(error.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(error.moreIssues).toBe(15);
    expect(error.message).toMatch(/; and 15 more$/);
    expect(error.message).not.toContain(`offsets[${MAX_REPORTED_ISSUES}]`);
    expect(error.details.moreIssues).toBe(15);
  });

  it('cuts a path or message that quotes a long value', () => {
    const long = 'x'.repeat(5_000);

    const error = new CampaignDefinitionError([{ path: long, message: `is not allowed: ${long}` }]);

    expect(error.issues[0]!.path).toHaveLength(300);
    expect(error.issues[0]!.path.endsWith('...')).toBe(true);
    expect(error.issues[0]!.message).toHaveLength(300);
    expect(error.field).toBe(error.issues[0]!.path);
    expect(error.message.length).toBeLessThan(700);
  });

  it('names no field when it has no problems listed', () => {
    const error = new CampaignDefinitionError([], 3);

    expect(error.field).toBe('');
    expect(error.message).toBe('invalid campaign: ; and 3 more');
  });
});

describe('CampaignNotFoundError', () => {
  it('names the campaign id', () => {
    const error = new CampaignNotFoundError(42);

    expect(error.code).toBe('campaign_not_found');
    expect(error.message).toBe('campaign 42 does not exist');
    expect(error.campaignId).toBe(42);
    expect(error.details).toEqual({ campaignId: 42 });
  });
});

describe('InvalidCampaignTransitionError', () => {
  it('names the campaign and both statuses', () => {
    const error = new InvalidCampaignTransitionError(9, 'archived', 'running');

    expect(error.code).toBe('campaign_transition_invalid');
    expect(error.message).toBe('campaign 9 cannot go from archived to running');
    expect(error).toMatchObject({ campaignId: 9, from: 'archived', to: 'running' });
    expect(error.details).toEqual({ campaignId: 9, from: 'archived', to: 'running' });
  });
});

describe('TemplateError', () => {
  it('is the templating library’s own error, so either import catches it', () => {
    expect(TemplateError).toBe(LibraryTemplateError);
  });
});
