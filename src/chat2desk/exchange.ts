import type { Dispatcher } from 'undici';
import { Chat2DeskNetworkError, Chat2DeskServerError, Chat2DeskTimeoutError } from './errors.js';

/** Answers larger than this are not the API's; reading them would only waste memory. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export interface ExchangeRequest {
  /** Method and path template, for errors. */
  endpoint: string;
  method: 'GET' | 'POST' | 'PUT';
  /** Path with its query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Whether acting twice would matter; decides `ambiguous` on failures after sending. */
  acts: boolean;
  /** Called once, when the request is handed to an open connection (it may reach the server). */
  onSent(): void;
  /** Removes secrets from text taken from a lower-level error. */
  redact(text: string): string;
}

export interface ExchangeAnswer {
  statusCode: number;
  body: string;
}

/**
 * One HTTP exchange over the pool, with a deadline covering queueing, connecting and the whole
 * answer. Dispatching with our own handler tells us whether the request was handed to a
 * connection before it failed, which is what separates "certainly not sent" from "maybe acted on".
 */
export function exchange(dispatcher: Dispatcher, req: ExchangeRequest): Promise<ExchangeAnswer> {
  return new Promise<ExchangeAnswer>((resolve, reject) => {
    let sent = false;
    let settled = false;
    let controller: Dispatcher.DispatchController | null = null;
    let statusCode = 0;
    let size = 0;
    const chunks: Buffer[] = [];

    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      outcome();
    };
    const failWith = (kind: 'timeout' | 'network', reason: string, cause?: Error): void => {
      settle(() => reject(exchangeError(req, kind, sent, reason, cause)));
    };

    const deadline = setTimeout(() => {
      failWith('timeout', `no complete answer within ${req.timeoutMs} ms`);
      // A request still queued is aborted when it reaches a connection, before any byte is written.
      controller?.abort(new Error('chat2desk client time-out'));
    }, req.timeoutMs);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctrl) {
        if (settled) {
          ctrl.abort(new Error('chat2desk client time-out'));
          return;
        }
        controller = ctrl;
        if (!sent) {
          sent = true;
          req.onSent();
        }
      },
      onResponseStart(_ctrl, status) {
        statusCode = status;
      },
      onResponseData(ctrl, chunk) {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          settle(() =>
            reject(
              new Chat2DeskServerError(
                `Chat2Desk ${req.endpoint}: answer larger than ${MAX_ANSWER_BYTES} bytes`,
                {
                  endpoint: req.endpoint,
                  httpStatus: statusCode,
                  ambiguous: req.acts,
                },
              ),
            ),
          );
          ctrl.abort(new Error('answer too large'));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        settle(() => resolve({ statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
      onResponseError(_ctrl, err) {
        const code = errorCode(err);
        const kind = TIMEOUT_CODES.has(code ?? '') ? 'timeout' : 'network';
        failWith(kind, code ?? err.name, err);
      },
    };

    try {
      dispatcher.dispatch(
        { method: req.method, path: req.path, headers: req.headers, body: req.body ?? null },
        handler,
      );
    } catch (err) {
      failWith('network', 'dispatch failed', err instanceof Error ? err : undefined);
    }
  });
}

function exchangeError(
  req: ExchangeRequest,
  kind: 'timeout' | 'network',
  sent: boolean,
  reason: string,
  cause: Error | undefined,
): Chat2DeskTimeoutError | Chat2DeskNetworkError {
  const when = sent ? 'after the request was sent' : 'before the request was sent';
  const init = {
    endpoint: req.endpoint,
    ambiguous: sent && req.acts,
    cause: cause ? safeCause(cause, req.redact) : undefined,
  };
  const message = `Chat2Desk ${req.endpoint}: ${kind === 'timeout' ? 'timed out' : 'connection failed'} ${when} (${req.redact(reason)})`;
  return kind === 'timeout'
    ? new Chat2DeskTimeoutError(message, init)
    : new Chat2DeskNetworkError(message, init);
}

/** A copy of a lower-level error with only its name, code and message: undici errors may hold sockets. */
function safeCause(err: Error, redact: (text: string) => string): Error {
  const copy = new Error(redact(err.message));
  copy.name = err.name;
  const code = errorCode(err);
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

function errorCode(err: Error): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
