import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error answered with the API's envelope {"status":"error","message":...}. */
export class ApiError extends Error {
  readonly httpStatus: number;
  readonly field: string | undefined;

  constructor(httpStatus: number, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.httpStatus = httpStatus;
    this.field = field;
  }

  /** 400 naming the field: "client_id: is required". */
  static invalid(field: string, problem: string): ApiError {
    return new ApiError(400, `${field}: ${problem}`, field);
  }

  static notFound(message: string): ApiError {
    return new ApiError(404, message);
  }
}

export const MESSAGES = {
  auth: 'You need to auth',
  pageNotFound: 'Page not found',
  rateLimited: 'Number of API requests exceeded',
  monthlyQuota: 'API calls exceeded API limit per month',
  apiDisabled: 'API disabled',
} as const;

export interface ApiAnswer {
  httpStatus: number;
  body: Record<string, unknown>;
}

export function success(data: unknown): ApiAnswer {
  return { httpStatus: 200, body: { data, status: 'success' } };
}

export function successList(
  data: unknown[],
  meta: { total: number; limit: number; offset: number },
): ApiAnswer {
  return { httpStatus: 200, body: { data, meta, status: 'success' } };
}

export function errorBody(error: ApiError): Record<string, unknown> {
  const body: Record<string, unknown> = { status: 'error', message: error.message };
  if (error.field !== undefined)
    body['errors'] = { [error.field]: [error.message.slice(error.field.length + 2)] };
  return body;
}

export function writeJson(res: ServerResponse, httpStatus: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(httpStatus, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The request body as an object: JSON, or a form (some integrations post forms); empty means {}. */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'Request body too large');
    chunks.push(chunk);
  }
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw ApiError.invalid('body', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw ApiError.invalid('body', 'must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
