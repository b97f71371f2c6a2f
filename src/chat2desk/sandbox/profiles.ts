import type { SandboxOptions } from './options.js';

/**
 * How the sandbox starts out. `friendly` lets everything through, for the demo and a first try.
 * `production` behaves as a real account does at first: demo mode (1,000 requests a month), 20
 * requests a second, client creation switched off (the manual's default), live-style paging that
 * ignores `order` and `offset` on messages, and Viber messages listed as `viber_business`.
 */
export const SANDBOX_PROFILES = {
  friendly: {},
  production: {
    mode: 'demo',
    requestsPerSecond: 20,
    clientCreationEnabled: false,
    livePaging: true,
    viberListedAs: 'viber_business',
  },
} as const satisfies Record<string, Partial<SandboxOptions>>;

export type SandboxProfile = keyof typeof SANDBOX_PROFILES;
export const SANDBOX_PROFILE_NAMES = Object.keys(SANDBOX_PROFILES) as SandboxProfile[];
