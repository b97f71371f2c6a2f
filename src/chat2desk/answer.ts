import {
  Chat2DeskAuthError,
  Chat2DeskClientCreationDisabledError,
  type Chat2DeskError,
  type Chat2DeskErrorInit,
  Chat2DeskNotFoundError,
  Chat2DeskQuotaExhaustedError,
  Chat2DeskRateLimitedError,
  Chat2DeskServerError,
  Chat2DeskValidationError,
} from './errors.js';
import type { ExchangeAnswer } from './exchange.js';
import type { ListMeta } from './types.js';

// Texts the live service answers with; the quota text is checked first because it may come with
// 403, 429 or (old versions) 200, and would otherwise pass for an auth or rate-limit error.
const QUOTA_TEXT = /exceeded api limit per month/i;
const AUTH_TEXT = /need to auth/i;
const RATE_TEXT = /number of api requests exceeded/i;
const NOT_FOUND_TEXT = /not found/i;
// The refusal of POST /v1/clients while creation is off: its words, in English or Russian, or a 403.
const CREATION_OFF_TEXT = /(creat|созда)[^.]*(disabled|off|not allowed|forbidden|выключ|отключ|запрещ)/i;
const CREATE_CLIENT_ENDPOINT = 'POST /v1/clients';

export interface SuccessfulAnswer {
  data: unknown;
  meta: ListMeta | undefined;
}

/**
 * Turns an HTTP answer into its `data` (and `meta`), or throws the typed error it stands for.
 * `status: "error"` is an error whatever the HTTP code; a body that is not the API's JSON is a
 * server error.
 */
export function readAnswer(
  endpoint: string,
  acts: boolean,
  answer: ExchangeAnswer,
  redact: (text: string) => string,
): SuccessfulAnswer {
  const { statusCode } = answer;
  const envelope = parseEnvelope(answer.body);
  const isError =
    envelope === undefined || envelope['status'] === 'error' || statusCode >= 300 || statusCode < 200;
  if (!isError) {
    return { data: envelope['data'] ?? null, meta: readMeta(envelope['meta']) };
  }

  const rawMessage = typeof envelope?.['message'] === 'string' ? envelope['message'] : undefined;
  const apiMessage = rawMessage === undefined ? undefined : redact(rawMessage);
  const init: Chat2DeskErrorInit = { endpoint, httpStatus: statusCode, apiMessage };
  if (envelope?.['errors'] !== undefined) init.apiErrors = envelope['errors'];
  const legacy = statusCode >= 200 && statusCode < 300 && envelope !== undefined;
  const message = `Chat2Desk ${endpoint}: HTTP ${statusCode}${legacy ? ' with status "error"' : ''}${
    apiMessage ? `: ${apiMessage}` : envelope === undefined ? ': answer is not JSON' : ''
  }`;
  return throwClassified(message, init, statusCode, envelope !== undefined, acts);
}

function throwClassified(
  message: string,
  init: Chat2DeskErrorInit,
  statusCode: number,
  isJson: boolean,
  acts: boolean,
): never {
  const text = init.apiMessage ?? '';
  let error: Chat2DeskError;
  if (QUOTA_TEXT.test(text)) error = new Chat2DeskQuotaExhaustedError(message, init);
  else if (AUTH_TEXT.test(text) || statusCode === 401) error = new Chat2DeskAuthError(message, init);
  else if (init.endpoint === CREATE_CLIENT_ENDPOINT && (CREATION_OFF_TEXT.test(text) || statusCode === 403))
    error = new Chat2DeskClientCreationDisabledError(message, init);
  else if (RATE_TEXT.test(text) || statusCode === 429) error = new Chat2DeskRateLimitedError(message, init);
  else if (statusCode === 404) error = new Chat2DeskNotFoundError(message, init);
  else if (statusCode >= 400 && statusCode < 500) error = new Chat2DeskValidationError(message, init);
  else if (statusCode >= 200 && statusCode < 300 && isJson) {
    // An old-style error answer: refused, so not acted on.
    error = NOT_FOUND_TEXT.test(text)
      ? new Chat2DeskNotFoundError(message, init)
      : new Chat2DeskValidationError(message, init);
  } else error = new Chat2DeskServerError(message, { ...init, ambiguous: acts });
  throw error;
}

function parseEnvelope(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function readMeta(value: unknown): ListMeta | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const meta = value as Record<string, unknown>;
  const total = Number(meta['total']);
  const limit = Number(meta['limit']);
  const offset = Number(meta['offset']);
  return Number.isFinite(total) && Number.isFinite(limit) && Number.isFinite(offset)
    ? { total, limit, offset }
    : undefined;
}
