import { BroadcasterError } from '../errors.js';

/*
 * `ambiguous` answers "may this request have reached Chat2Desk and been acted on?", which decides
 * whether a retry could act twice (e.g. send a message twice). It is true only for a request with
 * side effects (POST, PUT, and the GETs that act: read/unread, questions/send, delete_outbox) that
 * was handed to an open connection and then got no definite answer: a time-out after sending, a
 * connection reset or closed before the answer, a 5xx or unreadable answer. It is false when the
 * request certainly was not acted on (connection refused, time-out before sending, any answer that
 * says "error": 401/403, 404, 429, quota, 400) and for reads, which nothing can do twice.
 * `retryable` says whether the same request may succeed later (rate limit, 5xx, network, time-out).
 */

export interface Chat2DeskErrorInit {
  /** Method and path template, e.g. `POST /v1/messages` or `GET /v1/clients/:id`; never a query. */
  endpoint: string;
  httpStatus?: number | undefined;
  apiMessage?: string | undefined;
  /** The `errors` field some versions add to the error body. */
  apiErrors?: unknown;
  ambiguous?: boolean;
  cause?: Error;
}

export class Chat2DeskError extends BroadcasterError {
  readonly endpoint: string;
  readonly httpStatus: number | undefined;
  readonly apiMessage: string | undefined;
  readonly retryable: boolean;
  readonly ambiguous: boolean;

  constructor(code: string, message: string, init: Chat2DeskErrorInit, retryable: boolean) {
    const ambiguous = init.ambiguous ?? false;
    const details: Record<string, unknown> = { endpoint: init.endpoint, retryable, ambiguous };
    if (init.httpStatus !== undefined) details['httpStatus'] = init.httpStatus;
    if (init.apiMessage !== undefined) details['apiMessage'] = init.apiMessage;
    if (init.apiErrors !== undefined) details['apiErrors'] = init.apiErrors;
    super(code, message, details, init.cause ? { cause: init.cause } : undefined);
    this.endpoint = init.endpoint;
    this.httpStatus = init.httpStatus;
    this.apiMessage = init.apiMessage;
    this.retryable = retryable;
    this.ambiguous = ambiguous;
  }

  /** Plain fields only, so logging or serialising an error shows what matters and nothing more. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/**
 * 401 or "You need to auth": the token is wrong or revoked. A 403 alone is not: Chat2Desk also answers
 * 403 to what the account may not do (creating clients while that is switched off), which is a refusal.
 */
export class Chat2DeskAuthError extends Chat2DeskError {
  constructor(message: string, init: Chat2DeskErrorInit) {
    super('chat2desk_auth', message, { ...init, ambiguous: false }, false);
  }
}

/** 429 or "Number of API requests exceeded": too many requests per second; slow down and retry. */
export class Chat2DeskRateLimitedError extends Chat2DeskError {
  constructor(message: string, init: Chat2DeskErrorInit) {
    super('chat2desk_rate_limited', message, { ...init, ambiguous: false }, true);
  }
}

/** "API calls exceeded API limit per month": nothing more goes through until the quota renews. */
export class Chat2DeskQuotaExhaustedError extends Chat2DeskError {
  constructor(message: string, init: Chat2DeskErrorInit) {
    super('chat2desk_quota_exhausted', message, { ...init, ambiguous: false }, false);
  }
}

/** 404: the resource (client, message, dialog…) or the path does not exist. */
export class Chat2DeskNotFoundError extends Chat2DeskError {
  constructor(message: string, init: Chat2DeskErrorInit) {
    super('chat2desk_not_found', message, { ...init, ambiguous: false }, false);
  }
}

/** 400/403/422, other 4xx, or an error answer with no better class: the request itself was refused. */
export class Chat2DeskValidationError extends Chat2DeskError {
  constructor(message: string, init: Chat2DeskErrorInit, code = 'chat2desk_validation') {
    super(code, message, { ...init, ambiguous: false }, false);
  }
}

/**
 * POST /v1/clients refused because the company may not create clients: switched off by default until
 * Chat2Desk's support enables it (manual v1.08). Clients who wrote first are still reachable by phone.
 */
export class Chat2DeskClientCreationDisabledError extends Chat2DeskValidationError {
  constructor(message: string, init: Chat2DeskErrorInit) {
    super(message, init, 'chat2desk_client_creation_disabled');
  }
}

/** 5xx or an answer that is not the API's JSON. */
export class Chat2DeskServerError extends Chat2DeskError {
  constructor(message: string, init: Chat2DeskErrorInit) {
    super('chat2desk_server_error', message, init, true);
  }
}

/** No complete answer within the client's time-out. */
export class Chat2DeskTimeoutError extends Chat2DeskError {
  constructor(message: string, init: Chat2DeskErrorInit) {
    super('chat2desk_timeout', message, init, true);
  }
}

/** The connection was refused, reset or closed before a complete answer. */
export class Chat2DeskNetworkError extends Chat2DeskError {
  constructor(message: string, init: Chat2DeskErrorInit) {
    super('chat2desk_network', message, init, true);
  }
}
