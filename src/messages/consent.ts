/**
 * Two kinds of consent (a campaign's `purpose`): marketing messages go only to contacts with a
 * recorded opt-in; transactional ones (an appointment reminder, an order update) need none, because
 * the client asked for the service. Both stop at an opt-out, whatever else is recorded.
 */
export const CAMPAIGN_PURPOSES = ['marketing', 'transactional'] as const;
export type CampaignPurpose = (typeof CAMPAIGN_PURPOSES)[number];

/** The rule each purpose applies, as reports and previews say it. */
export const CONSENT_RULES: Readonly<Record<CampaignPurpose, string>> = {
  marketing: 'marketing: only contacts with a recorded opt-in; an opt-out stops every message',
  transactional: 'transactional: no opt-in needed; an opt-out stops every message',
};

/** Broadcasts are marketing and reminders transactional unless the campaign says otherwise. */
export function defaultPurpose(kind: 'broadcast' | 'reminder'): CampaignPurpose {
  return kind === 'reminder' ? 'transactional' : 'marketing';
}

/** Why a contact may not get a campaign's message, or null when it may. */
export function consentRefusal(
  purpose: CampaignPurpose,
  contact: { optedInAt: Date | null; optedOutAt: Date | null },
): 'opted_out' | 'no_consent' | null {
  if (contact.optedOutAt) return 'opted_out';
  if (purpose === 'marketing' && !contact.optedInAt) return 'no_consent';
  return null;
}
