import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxContext } from './context.js';
import { type ApiAnswer, ApiError, errorBody, MESSAGES, readBody, writeJson } from './http.js';
import { monthlyQuotaOf, SandboxOptionError } from './options.js';
import { type ApiCall, pathShape, type RouteTable } from './router.js';
import { apiRoutes, controlRoutes } from './routes/index.js';
import { realNowMs } from './time.js';

const SERVER_ERROR_MESSAGES: Record<number, string> = {
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service temporarily unavailable',
};

/**
 * The sandbox's HTTP front: for each API request, in order — faults (they act before the service
 * sees anything), the token, the rate limit, the API mode and monthly quota, then the route.
 * Requests with a wrong token are logged but not counted in the month: the service cannot tell
 * whose they are. Everything else counts, refusals included.
 */
export class SandboxServer {
  readonly #ctx: SandboxContext;
  readonly #api: RouteTable = apiRoutes();
  readonly #control: RouteTable = controlRoutes();
  readonly #server: Server;
  readonly #hung = new Set<Socket>();
  readonly #closing = new AbortController();

  constructor(ctx: SandboxContext) {
    this.#ctx = ctx;
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        ctx.logger.error({ err: error }, 'sandbox request failed');
        if (!res.headersSent) writeJson(res, 500, { status: 'error', message: 'Internal server error' });
      });
    });
  }

  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        const address = this.#server.address();
        const actualPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`);
      });
    });
  }

  close(): Promise<void> {
    this.#closing.abort();
    for (const socket of this.#hung) socket.destroy();
    this.#hung.clear();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const method = req.method ?? 'GET';
    const { shape, ids } = pathShape(path);
    let bodyRead: Promise<Record<string, unknown>> | undefined;
    const call: ApiCall = { ctx: this.#ctx, ids, query, body: () => (bodyRead ??= readBody(req)) };
    if (path === '/sandbox' || path.startsWith('/sandbox/'))
      await this.#serveControl(req, res, method, shape, call);
    else await this.#serveApi(req, res, method, path, shape, call);
  }

  async #serveApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    shape: string,
    call: ApiCall,
  ): Promise<void> {
    const { state, settings, clock } = this.#ctx;
    const realMs = realNowMs();
    const businessMs = clock.now().getTime();
    const logIndex = state.requests.begin(method, path, `${method} ${shape}`, businessMs, realMs);
    const answer = (httpStatus: number, body: unknown) => {
      state.requests.finish(logIndex, httpStatus);
      writeJson(res, httpStatus, body);
    };
    const refuse = (error: ApiError) =>
      answer(settings.legacyErrorsWithHttp200 ? 200 : error.httpStatus, errorBody(error));

    const fault = this.#ctx.faults.decide(method === 'POST' && shape === '/v1/messages');
    if (fault.kind === 'drop') return void req.socket.destroy();
    if (fault.kind === 'hang') return this.#hang(req.socket);
    if (fault.latencyMs > 0 && !(await this.#delay(fault.latencyMs))) return;
    if (fault.kind === 'serverError') {
      return answer(fault.httpStatus, { status: 'error', message: SERVER_ERROR_MESSAGES[fault.httpStatus] });
    }
    if (fault.kind === 'rateLimit') return answer(429, { status: 'error', message: MESSAGES.rateLimited });

    if (req.headers.authorization !== this.#ctx.token) return refuse(new ApiError(401, MESSAGES.auth));
    const thisMonth = state.monthlyRequests.count(businessMs);
    if (!this.#ctx.rateLimiter.tryAcquire(settings.requestsPerSecond, realMs)) {
      return refuse(new ApiError(429, MESSAGES.rateLimited));
    }
    if (settings.mode === 'disabled') return refuse(new ApiError(403, MESSAGES.apiDisabled));
    if (thisMonth > monthlyQuotaOf(settings)) return refuse(new ApiError(403, MESSAGES.monthlyQuota));

    const handler = this.#api.find(method, shape);
    if (!handler) return refuse(new ApiError(404, MESSAGES.pageNotFound));
    let result: ApiAnswer;
    try {
      result = await handler(call);
    } catch (error) {
      if (error instanceof ApiError) return refuse(error);
      this.#ctx.logger.error({ err: error, route: `${method} ${shape}` }, 'sandbox handler failed');
      return refuse(new ApiError(500, 'Internal server error'));
    }
    // The ambiguity case: the message is stored and goes out, but the caller never hears so.
    if (fault.acceptThenDrop) return void req.socket.destroy();
    answer(result.httpStatus, result.body);
  }

  async #serveControl(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    shape: string,
    call: ApiCall,
  ): Promise<void> {
    if (req.headers.authorization !== this.#ctx.token) {
      return writeJson(res, 401, { status: 'error', message: MESSAGES.auth });
    }
    const handler = this.#control.find(method, shape);
    if (!handler) return writeJson(res, 404, { status: 'error', message: MESSAGES.pageNotFound });
    try {
      const result = await handler(call);
      writeJson(res, result.httpStatus, result.body);
    } catch (error) {
      if (error instanceof ApiError) return writeJson(res, error.httpStatus, errorBody(error));
      if (error instanceof SandboxOptionError) {
        return writeJson(res, 400, {
          status: 'error',
          message: error.message,
          errors: { [error.field]: [error.message] },
        });
      }
      throw error;
    }
  }

  /** Keeps the socket open, unanswered, until the client gives up or the sandbox closes. */
  #hang(socket: Socket): void {
    this.#hung.add(socket);
    socket.once('close', () => this.#hung.delete(socket));
  }

  /** false when the sandbox closed meanwhile. */
  async #delay(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.#closing.signal });
      return true;
    } catch {
      return false;
    }
  }
}
