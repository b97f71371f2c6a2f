import type { Clock } from '../../clock.js';
import { BroadcasterError } from '../../errors.js';
import type { Logger } from '../../logger.js';

export type ApiMode = 'disabled' | 'demo' | 'normal' | 'unlimited';
export const API_MODES: readonly ApiMode[] = ['disabled', 'demo', 'normal', 'unlimited'];

/** Requests a month per API mode (manual v1.08, api_modes). */
export const MODE_QUOTAS: Record<ApiMode, number> = {
  disabled: 0,
  demo: 1000,
  normal: 50_000,
  unlimited: Number.POSITIVE_INFINITY,
};

export interface SandboxChannel {
  id: number;
  name: string;
  phone: string;
  transports: string[];
}

export interface FaultOptions {
  /** Seed of the deterministic PRNG deciding which request gets a fault. */
  seed?: number;
  /** Added to every API answer. */
  latencyMs?: number;
  /** 0..1: answer 500/502/503 with an error envelope before doing anything. */
  serverErrorRate?: number;
  /** 0..1: a spurious 429. */
  rateLimitRate?: number;
  /** 0..1: destroy the socket without answering, before doing anything. */
  dropConnectionRate?: number;
  /** 0..1, POST /v1/messages only: store and send the message, then destroy the socket without answering. */
  acceptThenDropRate?: number;
  /** 0..1: never answer; such sockets are closed by close(). */
  hangRate?: number;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  token?: string;
  /** Business time: the WhatsApp delay, recipient statuses, the month of the quota. */
  clock?: Clock;
  /** 0 = unlimited. Measured on real time in one-second windows. */
  requestsPerSecond?: number;
  mode?: ApiMode;
  /** Overrides the mode's monthly quota. */
  monthlyQuota?: number;
  whatsappDelayMs?: number;
  whatsappEarlyMessage?: 'hold' | 'refuse';
  /** true: POST /v1/messages answers data.message_id, dialog_id, request_id; false: the v1.08 shape. */
  messageIdInAnswer?: boolean;
  clientCreationEnabled?: boolean;
  /** Old service versions answer errors with HTTP 200. */
  legacyErrorsWithHttp200?: boolean;
  /** Transports whose messages report recipient_status (Viber Business in v1.08). */
  recipientStatusTransports?: string[];
  /**
   * The transport name Viber messages are listed under (GET /v1/messages): `viber` as in the manual,
   * or `viber_business`/`viber_public` as real accounts list them.
   */
  viberListedAs?: 'viber' | 'viber_business' | 'viber_public';
  /** As the live service is reported to page GET /v1/messages: `offset` and `order` ignored (ascending). */
  livePaging?: boolean;
  /**
   * Default true: the account has today's web hooks (/v1/webhooks); false: an account without them,
   * where those paths answer 404 "Page not found" and only the v1.08 single hook exists.
   */
  webhooksApi?: boolean;
  statusTimings?: { deliveredAfterMs: number; readAfterMs: number };
  unreachablePhonePattern?: RegExp;
  faults?: FaultOptions;
  channels?: SandboxChannel[];
  logger?: Logger;
}

/** The options that may change while the sandbox runs. */
export type AdjustableOptions = Partial<
  Pick<
    SandboxOptions,
    | 'requestsPerSecond'
    | 'messageIdInAnswer'
    | 'clientCreationEnabled'
    | 'whatsappEarlyMessage'
    | 'monthlyQuota'
    | 'mode'
    | 'legacyErrorsWithHttp200'
    | 'webhooksApi'
  >
>;

/** Options resolved with their defaults; the adjustable ones are changed in place by setOptions. */
export interface SandboxSettings {
  requestsPerSecond: number;
  mode: ApiMode;
  monthlyQuota: number | undefined;
  whatsappDelayMs: number;
  whatsappEarlyMessage: 'hold' | 'refuse';
  messageIdInAnswer: boolean;
  clientCreationEnabled: boolean;
  legacyErrorsWithHttp200: boolean;
  webhooksApi: boolean;
  recipientStatusTransports: ReadonlySet<string>;
  viberListedAs: 'viber' | 'viber_business' | 'viber_public';
  livePaging: boolean;
  statusTimings: { deliveredAfterMs: number; readAfterMs: number };
  unreachablePhonePattern: RegExp | undefined;
}

/** A sandbox option is out of range; `field` names it. */
export class SandboxOptionError extends BroadcasterError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('sandbox_option_invalid', `${field}: ${message}`, { field });
    this.field = field;
  }
}

export const DEFAULT_CHANNELS: readonly SandboxChannel[] = [
  {
    id: 1,
    name: 'Sandbox multi-transport',
    phone: '79000000001',
    transports: ['whatsapp', 'viber', 'telegram', 'sms'],
  },
  { id: 2, name: 'Viber only', phone: '79000000002', transports: ['viber'] },
];

export function resolveSettings(options: SandboxOptions): SandboxSettings {
  const timings = options.statusTimings ?? { deliveredAfterMs: 2000, readAfterMs: 10_000 };
  requireNonNegative('statusTimings.deliveredAfterMs', timings.deliveredAfterMs);
  requireNonNegative('statusTimings.readAfterMs', timings.readAfterMs);
  if (timings.readAfterMs < timings.deliveredAfterMs) {
    throw new SandboxOptionError('statusTimings.readAfterMs', 'must not be before deliveredAfterMs');
  }
  const settings: SandboxSettings = {
    requestsPerSecond: 0,
    mode: 'unlimited',
    monthlyQuota: undefined,
    whatsappDelayMs: requireNonNegative('whatsappDelayMs', options.whatsappDelayMs ?? 420_000),
    whatsappEarlyMessage: 'hold',
    messageIdInAnswer: true,
    clientCreationEnabled: true,
    legacyErrorsWithHttp200: false,
    webhooksApi: true,
    recipientStatusTransports: new Set(
      options.recipientStatusTransports ?? [options.viberListedAs ?? 'viber'],
    ),
    viberListedAs: options.viberListedAs ?? 'viber',
    livePaging: options.livePaging ?? false,
    statusTimings: { ...timings },
    // A global or sticky RegExp keeps state between test() calls; drop those flags.
    unreachablePhonePattern: options.unreachablePhonePattern
      ? new RegExp(
          options.unreachablePhonePattern.source,
          options.unreachablePhonePattern.flags.replace(/[gy]/g, ''),
        )
      : undefined,
  };
  applyAdjustableOptions(settings, options);
  return settings;
}

/** Validates everything first, then applies; monthlyQuota present as undefined clears the override. */
export function applyAdjustableOptions(settings: SandboxSettings, options: AdjustableOptions): void {
  const next = { ...settings };
  if (options.requestsPerSecond !== undefined) {
    next.requestsPerSecond = requireNonNegative('requestsPerSecond', options.requestsPerSecond);
  }
  if (options.mode !== undefined) {
    if (!API_MODES.includes(options.mode)) {
      throw new SandboxOptionError('mode', `must be one of ${API_MODES.join(', ')}`);
    }
    next.mode = options.mode;
  }
  if ('monthlyQuota' in options) {
    next.monthlyQuota =
      options.monthlyQuota === undefined || options.monthlyQuota === null
        ? undefined
        : requireNonNegative('monthlyQuota', options.monthlyQuota);
  }
  if (options.whatsappEarlyMessage !== undefined) {
    if (options.whatsappEarlyMessage !== 'hold' && options.whatsappEarlyMessage !== 'refuse') {
      throw new SandboxOptionError('whatsappEarlyMessage', 'must be "hold" or "refuse"');
    }
    next.whatsappEarlyMessage = options.whatsappEarlyMessage;
  }
  next.messageIdInAnswer = booleanOr('messageIdInAnswer', options.messageIdInAnswer, next.messageIdInAnswer);
  next.clientCreationEnabled = booleanOr(
    'clientCreationEnabled',
    options.clientCreationEnabled,
    next.clientCreationEnabled,
  );
  next.legacyErrorsWithHttp200 = booleanOr(
    'legacyErrorsWithHttp200',
    options.legacyErrorsWithHttp200,
    next.legacyErrorsWithHttp200,
  );
  next.webhooksApi = booleanOr('webhooksApi', options.webhooksApi, next.webhooksApi);
  Object.assign(settings, next);
}

export function monthlyQuotaOf(settings: SandboxSettings): number {
  return settings.monthlyQuota ?? MODE_QUOTAS[settings.mode];
}

const RATE_FIELDS = [
  'serverErrorRate',
  'rateLimitRate',
  'dropConnectionRate',
  'acceptThenDropRate',
  'hangRate',
] as const satisfies readonly (keyof FaultOptions)[];

/** Checks ranges and returns a copy holding only the known fields. */
export function validateFaultOptions(faults: FaultOptions): FaultOptions {
  const copy: FaultOptions = {};
  if (faults.seed !== undefined) {
    if (!Number.isInteger(faults.seed)) throw new SandboxOptionError('faults.seed', 'must be an integer');
    copy.seed = faults.seed;
  }
  if (faults.latencyMs !== undefined)
    copy.latencyMs = requireNonNegative('faults.latencyMs', faults.latencyMs);
  for (const field of RATE_FIELDS) {
    const rate = faults[field];
    if (rate === undefined) continue;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new SandboxOptionError(`faults.${field}`, 'must be a number from 0 to 1');
    }
    copy[field] = rate;
  }
  return copy;
}

/** Reads POST /sandbox/options JSON; unknown fields are an error so a typo is not silently ignored. */
export function parseAdjustableOptions(json: Record<string, unknown>): AdjustableOptions {
  const known = new Set([
    'requestsPerSecond',
    'messageIdInAnswer',
    'clientCreationEnabled',
    'whatsappEarlyMessage',
    'monthlyQuota',
    'mode',
    'legacyErrorsWithHttp200',
    'webhooksApi',
  ]);
  for (const key of Object.keys(json)) {
    if (!known.has(key)) throw new SandboxOptionError(key, 'is not an adjustable option');
  }
  const options = { ...json } as AdjustableOptions & { monthlyQuota?: number | null };
  if (options.monthlyQuota === null) options.monthlyQuota = undefined;
  return options; // values are checked by applyAdjustableOptions, which changes nothing on error
}

/** Reads POST /sandbox/faults JSON. */
export function parseFaultOptions(json: Record<string, unknown>): FaultOptions {
  const known = new Set<string>(['seed', 'latencyMs', ...RATE_FIELDS]);
  for (const [key, value] of Object.entries(json)) {
    if (!known.has(key)) throw new SandboxOptionError(`faults.${key}`, 'is not a fault option');
    if (typeof value !== 'number') throw new SandboxOptionError(`faults.${key}`, 'must be a number');
  }
  return validateFaultOptions(json as FaultOptions);
}

function requireNonNegative(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SandboxOptionError(field, 'must be a non-negative number');
  }
  return value;
}

function booleanOr(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new SandboxOptionError(field, 'must be true or false');
  return value;
}
