import { MAX_REPORTED_ISSUES, TemplateError } from '../campaigns/errors.js';
import { Chat2DeskError } from '../chat2desk/errors.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { BroadcasterError } from '../errors.js';

/** The one shape of every error answer: `{"error": {"code", "message", "details"}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/** One problem with a request, at the path of the field the client sent (`audience.list`, `phones[2]`). */
export interface RequestIssue {
  path: string;
  message: string;
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, details } };
}

/** An error raised by the HTTP layer itself, with the status it answers with. */
export class HttpError extends BroadcasterError {
  readonly statusCode: number;

  constructor(statusCode: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
    this.statusCode = statusCode;
  }
}

/**
 * A request that does not say what the API needs: its first problems at their fields' paths, and a
 * count of the rest (80,000 unknown keys make a short answer, not a 5 MB one).
 */
export class RequestValidationError extends HttpError {
  constructor(issues: RequestIssue[], where = 'request') {
    const listed = issues.slice(0, MAX_REPORTED_ISSUES);
    const more = issues.length - listed.length;
    super(
      400,
      'validation_failed',
      `invalid ${where}: ${formatIssues(listed)}${more > 0 ? `; and ${more} more` : ''}`,
      {
        in: where,
        issues: listed,
        ...(more > 0 ? { moreIssues: more } : {}),
      },
    );
  }
}

function formatIssues(issues: RequestIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
}

/** Status by the stable code of an engine error: what the client did wrong, or what is in the way. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  campaign_not_found: 404,
  contact_not_found: 404,
  list_not_found: 404,
  list_member_not_found: 404,
  appointment_not_found: 404,
  run_not_found: 404,
  import_not_found: 404,
  campaign_transition_invalid: 409,
  campaign_not_draft: 409,
  contact_exists: 409,
  contact_has_deliveries: 409,
  list_exists: 409,
  list_in_use: 409,
  contact_opted_out: 409,
  no_consent: 409,
  whatsapp_delay: 409,
  missing_variable: 422,
  invalid_variable: 422,
  invalid_phone: 422,
  render_limit: 422,
  message_too_long: 422,
  chat2desk_client_not_found: 422,
  quota_guard: 503,
};

/** Codes the HTTP contract names differently from the engine's errors. */
const HTTP_CODES: Readonly<Record<string, string>> = {
  campaign_transition_invalid: 'invalid_transition',
};

/** Fastify's own errors, by their FST_ code, in this API's vocabulary. */
const FASTIFY_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

/** PostgreSQL errors a client's input can cause (SQLSTATE → status, code and what to say). */
const CONFLICT: [number, string, string] = [409, 'conflict', 'the request conflicts with stored data'];
const INVALID: [number, string, string] = [400, 'invalid_value', 'a value is not valid for its field'];
const POSTGRES_ERRORS: Readonly<Record<string, [number, string, string]>> = {
  '23505': CONFLICT,
  '23503': CONFLICT,
  '22P02': INVALID,
  '22003': INVALID,
  '22007': INVALID,
  '22008': INVALID,
};

interface FastifyLikeError extends Error {
  statusCode?: number;
  code?: string;
  validation?: Array<{
    instancePath: string;
    keyword: string;
    params: Record<string, unknown>;
    message?: string;
  }>;
  validationContext?: string;
}

/**
 * Turns anything thrown while handling a request into a status and an error body. A 5xx never carries
 * the error's own message (it may hold internals); nothing here ever includes a stack or a header.
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  const e = error as FastifyLikeError;
  if (e?.validation) {
    const issues = e.validation.map(issueOfAjvError);
    const where = contextName(e.validationContext);
    const invalid = new RequestValidationError(issues, where);
    return { status: 400, body: errorBody(invalid.code, invalid.message, invalid.details) };
  }
  if (error instanceof HttpError) {
    return { status: error.statusCode, body: errorBody(error.code, error.message, error.details) };
  }
  if (error instanceof Chat2DeskError) {
    // Chat2Desk refused or failed: a gateway problem, with what Chat2Desk said (never our token).
    return { status: 502, body: errorBody(error.code, error.message, error.details) };
  }
  if (error instanceof TemplateError) {
    // A template is a field of the campaign: its problem is reported at that field, like any other.
    const path = error.file ? 'template.file' : 'template';
    const details = { ...plainDetails(error.details), issues: [{ path, message: error.message }] };
    return { status: 400, body: errorBody(error.code, error.message, details) };
  }
  if (error instanceof BroadcasterError) {
    const status = STATUS_BY_CODE[error.code] ?? 400;
    return {
      status,
      body: errorBody(HTTP_CODES[error.code] ?? error.code, error.message, plainDetails(error.details)),
    };
  }
  if (isDatabaseUnavailable(error)) {
    // Not the request's fault and not a bug: the same request will work once the database is back.
    return {
      status: 503,
      body: errorBody('database_unavailable', 'the database does not answer; try again in a moment'),
    };
  }
  const postgres = typeof e?.code === 'string' ? POSTGRES_ERRORS[e.code] : undefined;
  if (postgres && (error as { severity?: string }).severity) {
    return { status: postgres[0], body: errorBody(postgres[1], postgres[2]) };
  }
  const status = typeof e?.statusCode === 'number' && e.statusCode >= 400 ? e.statusCode : 500;
  if (status >= 500) return { status, body: errorBody('internal_error', 'internal error') };
  const code = e.code ? (FASTIFY_CODES[e.code] ?? fastifyCode(e.code)) : 'bad_request';
  return { status, body: errorBody(code, e.message) };
}

/** `FST_ERR_SOMETHING_WRONG` → `something_wrong`; our own lower-case codes pass through. */
function fastifyCode(code: string): string {
  return code.startsWith('FST_ERR_') ? code.slice('FST_ERR_'.length).toLowerCase() : code;
}

function contextName(context: string | undefined): string {
  if (context === 'querystring') return 'query';
  if (context === 'params') return 'path';
  return context ?? 'request';
}

/** An ajv error as the client reads it: the field's path, and what is wrong with it. */
function issueOfAjvError(error: {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}): RequestIssue {
  const path = pathOfPointer(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    return { path: joinPath(path, String(error.params.additionalProperty)), message: 'unknown field' };
  }
  if (error.keyword === 'required') {
    return { path: joinPath(path, String(error.params.missingProperty)), message: 'required' };
  }
  return { path, message: error.message ?? error.keyword };
}

/** JSON pointer `/audience/list` → `audience.list`; `/phones/2` → `phones[2]`. */
export function pathOfPointer(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(segment) ? `${path}[${segment}]` : joinPath(path, segment);
  }
  return path;
}

function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Error details are plain data: anything else (a cause, a Date) is reduced to JSON first. */
function plainDetails(details: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
}
