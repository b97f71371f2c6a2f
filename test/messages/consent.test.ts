import { describe, expect, it } from 'vitest';
import {
  CAMPAIGN_PURPOSES,
  CONSENT_RULES,
  consentRefusal,
  defaultPurpose,
} from '../../src/messages/consent.js';

const optedIn = new Date('2026-01-10T09:00:00Z');
const optedOut = new Date('2026-03-01T09:00:00Z');

describe('consentRefusal', () => {
  it('sends marketing only to a contact with a recorded opt-in', () => {
    expect(consentRefusal('marketing', { optedInAt: optedIn, optedOutAt: null })).toBeNull();
    expect(consentRefusal('marketing', { optedInAt: null, optedOutAt: null })).toBe('no_consent');
  });

  it('sends a transactional message without an opt-in', () => {
    expect(consentRefusal('transactional', { optedInAt: null, optedOutAt: null })).toBeNull();
  });

  it('stops every message at an opt-out, whatever else is recorded', () => {
    for (const purpose of CAMPAIGN_PURPOSES) {
      expect(consentRefusal(purpose, { optedInAt: optedIn, optedOutAt: optedOut }), purpose).toBe(
        'opted_out',
      );
      expect(consentRefusal(purpose, { optedInAt: null, optedOutAt: optedOut }), purpose).toBe('opted_out');
    }
  });
});

describe('defaultPurpose', () => {
  it('makes broadcasts marketing and reminders transactional', () => {
    expect(defaultPurpose('broadcast')).toBe('marketing');
    expect(defaultPurpose('reminder')).toBe('transactional');
  });
});

describe('CONSENT_RULES', () => {
  it('states the rule of every purpose, starting with its name', () => {
    expect(Object.keys(CONSENT_RULES).sort()).toEqual([...CAMPAIGN_PURPOSES].sort());
    for (const purpose of CAMPAIGN_PURPOSES)
      expect(CONSENT_RULES[purpose]).toMatch(new RegExp(`^${purpose}: `));
    expect(CONSENT_RULES.marketing).toContain('recorded opt-in');
    expect(CONSENT_RULES.transactional).toContain('no opt-in needed');
  });
});
