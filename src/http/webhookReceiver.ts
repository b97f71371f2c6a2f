import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { WebhookSignatures } from '../config/config.js';
import type { Sql } from '../db/database.js';
import type { StopVocabulary } from '../delivery/optOut.js';
import { receiveWebhookEvent, type WebhookPayload } from '../delivery/webhookEvents.js';
import { DEFAULT_PHONE_REGION, type PhoneRegion } from '../phones/phone.js';
import { type ErrorBody, errorBody } from './errors.js';
import { rawBodyOf } from './requestParsing.js';
import { verifyWebhookSignature } from './webhookSignature.js';

/** Chat2Desk posts here, server to server: exempt from the perimeter's browser-origin check. */
export const WEBHOOK_PREFIX = '/webhooks/chat2desk/';

export interface WebhookReceiverOptions {
  sql: Sql;
  clock: Clock;
  /** The secret path segment: /webhooks/chat2desk/<secret>. */
  webhookSecret: string;
  /** CHAT2DESK_TOKEN: checks the X-Signature of signed deliveries. */
  chat2deskToken?: string | undefined;
  /** `required`: a delivery without a valid X-Signature is refused (default `optional`). */
  webhookSignatures?: WebhookSignatures | undefined;
  phoneRegion?: PhoneRegion | undefined;
  /** OPT_OUT_KEYWORDS: what a client's STOP is (the defaults when not given). */
  stopVocabulary?: StopVocabulary | undefined;
  /** OPT_OUT_CONFIRMATION_TEXT is set: a STOP records the confirmation its client is owed. */
  confirmOptOut?: boolean | undefined;
}

/** POST /webhooks/chat2desk/:secret — client replies and delivery statuses, recorded once each. */
export function registerWebhookReceiver(app: FastifyInstance, options: WebhookReceiverOptions): void {
  app.post<{ Params: { secret: string } }>(
    `${WEBHOOK_PREFIX}:secret`,
    // Not in the OpenAPI document: its path holds a secret.
    { schema: { hide: true } },
    async (request, reply) => {
      if (!sameSecret(request.params.secret, options.webhookSecret)) {
        return reply.status(404).send(errorBody('not_found', 'no such web hook'));
      }
      const payload = request.body;
      const raw = rawBodyOf(request) ?? JSON.stringify(payload ?? '');
      const refusal = signatureRefusal(request, raw, options);
      if (refusal) return reply.status(401).send(refusal);
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        return reply.status(400).send(errorBody('invalid_payload', 'a web hook payload is a JSON object'));
      }
      const problem = webhookIdProblem(payload as Record<string, unknown>);
      if (problem) {
        const message = `${problem.field}: ${problem.message}`;
        return reply.status(400).send(errorBody('invalid_payload', message, { field: problem.field }));
      }
      const outcome = await receiveWebhookEvent(options.sql, payload as WebhookPayload, raw, {
        now: options.clock.now(),
        phoneRegion: options.phoneRegion ?? DEFAULT_PHONE_REGION,
        ...(options.stopVocabulary ? { stopVocabulary: options.stopVocabulary } : {}),
        confirmOptOut: options.confirmOptOut === true,
      });
      return { status: 'success', ...outcome };
    },
  );
}

/**
 * Signed deliveries are checked before anything is read from them; the legacy v1.08 hook signs
 * nothing and relies on the secret path alone, unless signatures are required.
 */
function signatureRefusal(
  request: FastifyRequest,
  raw: string,
  options: WebhookReceiverOptions,
): ErrorBody | null {
  const signature = singleHeader(request.headers['x-signature']);
  if (signature === undefined && options.webhookSignatures === 'required') {
    return errorBody(
      'signature_missing',
      'this engine requires signed web hooks (CHAT2DESK_WEBHOOK_SIGNATURES=required): X-Signature is missing',
    );
  }
  if (signature !== undefined && options.chat2deskToken !== undefined) {
    const check = verifyWebhookSignature(
      raw,
      singleHeader(request.headers['x-timestamp']),
      signature,
      options.chat2deskToken,
      options.clock.now(),
    );
    if (!check.ok) return errorBody(check.code, check.message);
  }
  return null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Ids go into bigint columns and dedupe keys: one that is not a whole number (an object, a list, a
 * fraction) is refused naming its field, rather than failing in the database or stored as "[object Object]".
 */
function webhookIdProblem(payload: Record<string, unknown>): { field: string; message: string } | null {
  const client = payload.client;
  if (client !== undefined && client !== null && (typeof client !== 'object' || Array.isArray(client))) {
    return { field: 'client', message: 'expected an object' };
  }
  const fields: Array<[string, unknown]> = [
    ['id', payload.id],
    ['message_id', payload.message_id],
    ['client_id', payload.client_id],
    ['client.id', (client as Record<string, unknown> | null | undefined)?.id],
  ];
  for (const [field, value] of fields) {
    if (value === undefined || value === null) continue;
    const whole =
      typeof value === 'number'
        ? Number.isSafeInteger(value)
        : typeof value === 'string' && /^\d{1,18}$/.test(value);
    if (!whole) return { field, message: 'expected a whole number' };
  }
  return null;
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
