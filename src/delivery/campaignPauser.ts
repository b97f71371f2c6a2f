/**
 * How the delivery worker pauses a campaign when the quota or the token says so: the campaign state
 * machine is the campaigns' (its one writer, src/campaigns/lifecycle.ts), so delivery is handed this
 * instead of reaching up for it. Resolves true when the campaign was paused now, false when it was
 * not running or scheduled any more (paused or cancelled by someone else first).
 */
export type CampaignPauser = (campaignId: number, reason: string, now: Date) => Promise<boolean>;
