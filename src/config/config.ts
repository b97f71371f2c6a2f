import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';
import { DEFAULT_PHONE_REGION, type PhoneRegion, phoneRegion } from '../phones/phone.js';

/** The engine's configuration, parsed and validated once at start-up. Nothing else reads process.env. */
export interface EngineConfig {
  /** PostgreSQL URL; undefined means: start the embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /** Where the embedded PostgreSQL keeps its data and on which port it listens. */
  embeddedPostgres: { dataDir: string; port: number };
  chat2desk: {
    apiUrl: string;
    /** Undefined means: run the built-in sandbox and point the engine at it. */
    token: string | undefined;
    requestsPerSecond: number;
    /** Slack added to every second of the rate limiter's spacing, for jitter (see SharedRateLimiter). */
    rateMarginMs: number;
    monthlyQuota: number | undefined;
    timeoutMs: number;
  };
  whatsappNewClientDelayMs: number;
  /** How long a worker's claim on a delivery lasts before another worker may take it over. */
  deliveryLeaseMs: number;
  http: {
    port: number;
    /** API_TOKEN; set, the engine listens on every interface, so it must be hard to guess. */
    apiToken: string | undefined;
    /** VIEWER_TOKEN: a second token that only reads (console and API); needs API_TOKEN beside it. */
    viewerToken: string | undefined;
    /** TRUST_PROXY: whose X-Forwarded-* headers are believed (client address, https, host). */
    trustProxy: TrustProxy;
    /** ALLOWED_HOSTS: names besides loopback and PUBLIC_URL's host that requests may be addressed to. */
    allowedHosts: string[];
  };
  publicUrl: string | undefined;
  /** CHAT2DESK_WEBHOOK_SIGNATURES: `required` refuses web hook deliveries without a valid X-Signature. */
  webhookSignatures: WebhookSignatures;
  defaultTimezone: string;
  /** DEFAULT_PHONE_REGION: where a phone written without its country code is read (`9161234567` in RU). */
  phoneRegion: PhoneRegion;
  /** Undefined when LOG_LEVEL is not set: each command picks its own default. */
  logLevel: LogLevel | undefined;
  /** RETENTION_DAYS: history older than this many days is removed, a week of runs' partition at a time where it can be (counts kept); undefined keeps it. */
  retentionDays: number | undefined;
  /** OPT_OUT_KEYWORDS: the replies that opt a client out, as written; undefined keeps the defaults. */
  optOutKeywords: string[] | undefined;
  /** OPT_OUT_CONFIRMATION_TEXT: sent once to a client who opted out by STOP; undefined sends nothing. */
  optOutConfirmationText: string | undefined;
}

/** false: no proxy; true: any; a number: that many proxies in front; else the proxies' addresses (CIDR). */
export type TrustProxy = boolean | number | string[];

export const WEBHOOK_SIGNATURE_MODES = ['optional', 'required'] as const;
export type WebhookSignatures = (typeof WEBHOOK_SIGNATURE_MODES)[number];

/** An API token opens the API to the network: it must resist guessing (16 random characters ≈ 95 bits). */
export const MIN_API_TOKEN_LENGTH = 16;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Env = Record<string, string | undefined>;

/** A claim must outlast a request by far: a slow worker's send must never overlap its successor's. */
const LEASE_TIMEOUTS = 4;

export function loadConfig(env: Env = process.env): EngineConfig {
  const read = new EnvReader(env);
  const apiToken = read.secret('API_TOKEN', MIN_API_TOKEN_LENGTH);
  const timeoutMs = read.integer('CHAT2DESK_TIMEOUT_MS', { min: 1 }) ?? 15_000;
  return {
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    embeddedPostgres: {
      dataDir: read.string('BROADCASTER_DATA_DIR') ?? '.data',
      port: read.integer('EMBEDDED_POSTGRES_PORT', { min: 1, max: 65535 }) ?? 54329,
    },
    chat2desk: {
      apiUrl: read.url('CHAT2DESK_API_URL', ['http:', 'https:']) ?? 'https://api.chat2desk.com',
      token: read.string('CHAT2DESK_TOKEN'),
      requestsPerSecond: read.number('CHAT2DESK_REQUESTS_PER_SECOND', { min: 0, max: 1000 }) ?? 10,
      rateMarginMs: read.integer('CHAT2DESK_RATE_MARGIN_MS', { min: 0, max: 1000 }) ?? 10,
      monthlyQuota: read.integer('CHAT2DESK_MONTHLY_QUOTA', { min: 0 }),
      timeoutMs,
    },
    whatsappNewClientDelayMs: read.integer('WHATSAPP_NEW_CLIENT_DELAY_MS', { min: 0 }) ?? 420_000,
    deliveryLeaseMs: leaseMs(read.integer('DELIVERY_LEASE_MS', { min: 1 }), timeoutMs),
    http: {
      port: read.integer('PORT', { min: 0, max: 65535 }) ?? 3000,
      apiToken,
      viewerToken: viewerToken(read.secret('VIEWER_TOKEN', MIN_API_TOKEN_LENGTH), apiToken),
      trustProxy: read.trustProxy('TRUST_PROXY'),
      allowedHosts: read.hostList('ALLOWED_HOSTS'),
    },
    publicUrl: read.url('PUBLIC_URL', ['http:', 'https:']),
    webhookSignatures: read.oneOf('CHAT2DESK_WEBHOOK_SIGNATURES', WEBHOOK_SIGNATURE_MODES) ?? 'optional',
    defaultTimezone: read.timezone('DEFAULT_TIMEZONE') ?? 'UTC',
    phoneRegion: read.phoneRegion('DEFAULT_PHONE_REGION') ?? DEFAULT_PHONE_REGION,
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS),
    retentionDays: read.integer('RETENTION_DAYS', { min: 1, max: 36_500 }),
    optOutKeywords: read.keywordList('OPT_OUT_KEYWORDS'),
    optOutConfirmationText: read.messageText('OPT_OUT_CONFIRMATION_TEXT', 1000),
  };
}

/** A viewer token guards nothing on an open engine, and one equal to API_TOKEN would give viewers every right. */
function viewerToken(viewer: string | undefined, api: string | undefined): string | undefined {
  if (viewer === undefined) return undefined;
  if (api === undefined) {
    throw new ConfigError(
      'VIEWER_TOKEN',
      'needs API_TOKEN beside it: without API_TOKEN the console and API are open to anyone who reaches them',
    );
  }
  if (viewer === api) throw new ConfigError('VIEWER_TOKEN', 'must differ from API_TOKEN');
  return viewer;
}

function leaseMs(configured: number | undefined, timeoutMs: number): number {
  const min = LEASE_TIMEOUTS * timeoutMs;
  if (configured === undefined) return Math.max(120_000, min);
  if (configured < min) {
    throw new ConfigError(
      'DELIVERY_LEASE_MS',
      `must be at least ${LEASE_TIMEOUTS} × CHAT2DESK_TIMEOUT_MS (${min}), got ${configured}`,
    );
  }
  return configured;
}

/** Reads one variable at a time; every failure names the variable and never echoes a secret's value. */
class EnvReader {
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** A secret of at least `minLength` characters; the error says how long it is, never what it is. */
  secret(name: string, minLength: number): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (value.length < minLength) {
      throw new ConfigError(
        name,
        `must be at least ${minLength} characters (it opens the engine to the network), got ${value.length}; ` +
          'generate one with: openssl rand -hex 32',
      );
    }
    return value;
  }

  trustProxy(name: string): TrustProxy {
    const raw = this.string(name);
    if (raw === undefined || raw === 'false') return false;
    if (raw === 'true') return true;
    if (/^\d+$/.test(raw)) return Number(raw);
    const addresses = raw.split(',').map((part) => part.trim());
    const bad = addresses.find((address) => !isIpOrCidr(address));
    if (bad !== undefined) {
      throw new ConfigError(
        name,
        `expected true, false, a number of proxies or their addresses (10.0.0.1, 10.0.0.0/8), got "${bad}"`,
      );
    }
    return addresses;
  }

  /** Host names (no scheme, no path), comma-separated; a port is ignored. */
  hostList(name: string): string[] {
    const raw = this.string(name);
    if (raw === undefined) return [];
    return raw.split(',').map((part) => {
      const host = part.trim().toLowerCase();
      if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host)) {
        throw new ConfigError(
          name,
          `expected host names such as broadcaster.example.com, got "${part.trim()}"`,
        );
      }
      return host.replace(/:\d+$/, '');
    });
  }

  number(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new ConfigError(name, `expected a number, got "${raw}"`);
    if (range.min !== undefined && value < range.min) {
      throw new ConfigError(name, `must be at least ${range.min}, got ${value}`);
    }
    if (range.max !== undefined && value > range.max) {
      throw new ConfigError(name, `must be at most ${range.max}, got ${value}`);
    }
    return value;
  }

  integer(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.string(name);
    if (raw !== undefined && !/^-?\d+$/.test(raw)) {
      throw new ConfigError(name, `expected a whole number, got "${raw}"`);
    }
    return this.number(name, range);
  }

  /** A URL with one of the allowed protocols; the value is not echoed, as it may hold a password. */
  url(name: string, protocols: string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, 'is not a valid URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    }
    return raw.replace(/\/+$/, '');
  }

  timezone(name: string): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: raw });
    } catch {
      throw new ConfigError(name, `"${raw}" is not an IANA time zone (e.g. Europe/Moscow)`);
    }
    return raw;
  }

  /** A country code (ISO 3166 alpha-2) whose numbering plan libphonenumber-js has. */
  phoneRegion(name: string): PhoneRegion | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const region = phoneRegion(raw);
    if (region === null) {
      throw new ConfigError(name, `expected a two-letter country code such as RU or KZ, got "${raw}"`);
    }
    return region;
  }

  /**
   * Phrases separated by `|`, or by `,` when there is no `|` (a phrase may then hold commas); each
   * needs a letter or a digit (punctuation alone is not compared), at most 100 of 100 characters.
   */
  keywordList(name: string): string[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const phrases = raw
      .split(raw.includes('|') ? '|' : ',')
      .map((phrase) => phrase.trim())
      .filter((phrase) => phrase !== '');
    if (phrases.length === 0)
      throw new ConfigError(name, 'names no keyword: expected e.g. stop|стоп|отписаться');
    if (phrases.length > 100)
      throw new ConfigError(name, `must list at most 100 keywords, got ${phrases.length}`);
    for (const phrase of phrases) {
      if (phrase.length > 100)
        throw new ConfigError(name, `"${phrase.slice(0, 20)}…" is longer than 100 characters`);
      if (!/[\p{L}\p{N}]/u.test(phrase))
        throw new ConfigError(
          name,
          `"${phrase}" has no letter or digit: punctuation and emoji are not compared`,
        );
    }
    return phrases;
  }

  /** A message sent as it is written: at most `maxLength` characters, no NUL. */
  messageText(name: string, maxLength: number): string | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (text.length > maxLength)
      throw new ConfigError(name, `must be at most ${maxLength} characters, got ${text.length}`);
    if (text.includes('\u0000')) throw new ConfigError(name, 'contains a NUL character (U+0000)');
    return text;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  }
}

function isIpOrCidr(text: string): boolean {
  const [address = '', bits, ...rest] = text.split('/');
  if (rest.length > 0 || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  const max = isIP(address) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}
