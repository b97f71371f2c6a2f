import type { IssueCollector } from './issueCollector.js';
import type { CampaignSchedule } from './schedule.js';

/**
 * `missedTicks`: what resuming a recurring campaign does with the cron ticks that fell due while it was
 * paused. `skip` (the default): none of them runs, the next run is the next tick after the resume;
 * `runLatest`: one run for the latest of them, at once. Only a cron schedule has ticks to miss, so the
 * field is refused elsewhere rather than ignored: a one-shot or reminder campaign saying it would
 * mislead its reader.
 */
export const MISSED_TICKS_POLICIES = ['skip', 'runLatest'] as const;
export type MissedTicksPolicy = (typeof MISSED_TICKS_POLICIES)[number];
export const DEFAULT_MISSED_TICKS: MissedTicksPolicy = 'skip';

export function readMissedTicks(
  check: IssueCollector,
  value: unknown,
  schedule: CampaignSchedule,
  kind: string | null,
): MissedTicksPolicy | undefined {
  if (value === undefined) return undefined;
  const policy = check.oneOf('missedTicks', value, MISSED_TICKS_POLICIES);
  if (policy === null) return undefined;
  if (kind === 'reminder' || (schedule !== null && !('cron' in schedule))) {
    check.add(
      'missedTicks',
      'only a recurring campaign ({"schedule": {"cron": …}}) has ticks to miss; leave it out here',
    );
    return undefined;
  }
  return policy;
}

/** The policy stored in a campaign's document (campaigns.definition), the default when it says none. */
export function missedTicksOf(document: unknown): MissedTicksPolicy {
  const value = (document as { missedTicks?: unknown } | null)?.missedTicks;
  return value === 'runLatest' ? 'runLatest' : DEFAULT_MISSED_TICKS;
}
