import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

export interface PerimeterOptions {
  /** PUBLIC_URL: its host is served, and its origin may post. */
  publicUrl?: string | undefined;
  /** ALLOWED_HOSTS: further names the engine is reached by (lower case, no port). */
  allowedHosts?: readonly string[];
  /** Paths (prefixes) that servers, not browsers, post to: exempt from the origin check. */
  serverToServerPrefixes?: readonly string[];
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What every request must pass before any route sees it, so a web page in the user's browser cannot
 * drive or read the engine:
 * - its `Host` is one the engine serves (loopback names, IP addresses, PUBLIC_URL's host, ALLOWED_HOSTS),
 *   else 421 — a DNS-rebinding page arrives under its own name and is turned away;
 * - a state-changing request from a browser is same-origin (`Sec-Fetch-Site`, else `Origin`), else 403.
 *   Scripts send neither header and pass; their guard is API_TOKEN.
 */
export function registerPerimeter(app: FastifyInstance, options: PerimeterOptions): void {
  const served = new Set(options.allowedHosts ?? []);
  const publicOrigin = options.publicUrl ? new URL(options.publicUrl) : undefined;
  if (publicOrigin) served.add(publicOrigin.hostname.toLowerCase());
  const exempt = options.serverToServerPrefixes ?? [];

  app.addHook('onRequest', async (request, reply) => {
    // The proxy's X-Forwarded-Host where TRUST_PROXY believes it, else the Host header ('' without one).
    const host = request.host;
    if (host !== '' && !isServedHost(hostnameOf(host), served)) {
      return refuse(
        request,
        reply,
        421,
        'misdirected_request',
        `this engine does not serve the host "${clip(hostnameOf(host))}"; reach it by localhost or an address, ` +
          'or add the name to ALLOWED_HOSTS',
      );
    }
    if (!UNSAFE_METHODS.has(request.method)) return;
    if (exempt.some((prefix) => request.url.startsWith(prefix))) return;
    const problem = crossOriginProblem(request, publicOrigin?.host.toLowerCase());
    if (problem) return refuse(request, reply, 403, 'cross_origin_refused', problem);
  });
}

function crossOriginProblem(request: FastifyRequest, publicHost: string | undefined): string | null {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) {
    // `none`: the user's own action (typed, bookmarked); `same-origin`: a page of this engine.
    return site === 'same-origin' || site === 'none'
      ? null
      : `a ${clip(String(site))} request from a browser may not change anything here`;
  }
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return 'a request from an opaque origin may not change anything here';
  }
  const own = request.host.toLowerCase();
  if (originHost === own || (publicHost !== undefined && originHost === publicHost)) return null;
  return `a request from another origin (${clip(origin)}) may not change anything here`;
}

function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
): FastifyReply {
  // Refused before its body was read: close, so the unread rest is not taken for the next request.
  if (!request.raw.complete) void reply.header('connection', 'close');
  return reply.status(status).send(errorBody(code, message));
}

/** `Example.com:3000` → `example.com`; `[::1]:3000` → `[::1]`. */
function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/**
 * Loopback names and IP addresses are always served: a rebinding page always arrives under a name of
 * its own, never as an address. Any other name must be configured.
 */
function isServedHost(hostname: string, served: ReadonlySet<string>): boolean {
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
  return served.has(name);
}

/** What the client sent is quoted, but never at length. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
