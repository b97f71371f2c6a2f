import { describe, expect, it } from 'vitest';
import { monthlyQuotaOf, resolveSettings } from '../../../src/chat2desk/sandbox/options.js';
import { SANDBOX_PROFILE_NAMES, SANDBOX_PROFILES } from '../../../src/chat2desk/sandbox/profiles.js';

describe('sandbox profiles', () => {
  it('are friendly and production, friendly first', () => {
    expect(SANDBOX_PROFILE_NAMES).toEqual(['friendly', 'production']);
  });

  it('friendly keeps every default: unlimited, no rate limit, clients may be created', () => {
    const settings = resolveSettings(SANDBOX_PROFILES.friendly);
    expect(settings).toEqual(resolveSettings({}));
    expect(settings).toMatchObject({ mode: 'unlimited', requestsPerSecond: 0, clientCreationEnabled: true });
    expect(monthlyQuotaOf(settings)).toBe(Number.POSITIVE_INFINITY);
  });

  it('production starts as a real account: demo quota, 20 a second, no client creation, live paging', () => {
    const settings = resolveSettings(SANDBOX_PROFILES.production);
    expect(settings).toMatchObject({
      mode: 'demo',
      requestsPerSecond: 20,
      clientCreationEnabled: false,
      livePaging: true,
      viberListedAs: 'viber_business',
    });
    expect(monthlyQuotaOf(settings)).toBe(1000);
  });

  it('production reports Viber statuses under the name its messages are listed by', () => {
    const settings = resolveSettings(SANDBOX_PROFILES.production);
    expect([...settings.recipientStatusTransports]).toEqual(['viber_business']);
  });

  it('production can be overridden option by option, as the sandbox command does', () => {
    const settings = resolveSettings({
      ...SANDBOX_PROFILES.production,
      clientCreationEnabled: true,
      mode: 'normal',
    });
    expect(settings).toMatchObject({ clientCreationEnabled: true, mode: 'normal', requestsPerSecond: 20 });
    expect(monthlyQuotaOf(settings)).toBe(50_000);
  });
});
