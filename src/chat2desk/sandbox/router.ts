import type { SandboxContext } from './context.js';
import type { ApiAnswer } from './http.js';

/** One API call as a handler sees it. */
export interface ApiCall {
  readonly ctx: SandboxContext;
  /** The numeric path segments, in order: /v1/clients/12/dialogs → [12]. */
  readonly ids: readonly number[];
  readonly query: URLSearchParams;
  /** Reads and parses the body (JSON or form); only handlers that take one call it. */
  body(): Promise<Record<string, unknown>>;
}

export type RouteHandler = (call: ApiCall) => ApiAnswer | Promise<ApiAnswer>;
export type HttpMethod = 'GET' | 'POST' | 'PUT';

/**
 * A path's shape replaces numeric segments with ":id" (/v1/messages/15/read → /v1/messages/:id/read), so
 * routing is one Map lookup; a non-numeric id never matches and is "Page not found", as on the service.
 */
export function pathShape(path: string): { shape: string; ids: number[] } {
  const ids: number[] = [];
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = trimmed.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment !== '' && isDigits(segment)) {
      ids.push(Number(segment));
      segments[i] = ':id';
    }
  }
  return { shape: segments.join('/'), ids };
}

function isDigits(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return segment.length <= 15;
}

export class RouteTable {
  readonly #routes = new Map<string, RouteHandler>();

  add(method: HttpMethod, shape: string, handler: RouteHandler): this {
    this.#routes.set(`${method} ${shape}`, handler);
    return this;
  }

  find(method: string, shape: string): RouteHandler | undefined {
    return this.#routes.get(`${method} ${shape}`);
  }
}
