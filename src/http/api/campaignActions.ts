import type { FastifyInstance } from 'fastify';
import {
  cancelCampaign,
  pauseCampaign,
  publishCampaign,
  resumeCampaign,
  type StatusChange,
} from '../../campaigns/lifecycle.js';
import { previewCampaign } from '../../campaigns/preview.js';
import { getCampaign } from '../../campaigns/queries.js';
import { sendTestMessage } from '../../campaigns/testSend.js';
import { HttpError } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { type IdParams, idParams } from './schemas.js';

const TAGS = ['campaigns'];

type Transition = (
  sql: ApiDeps['db']['sql'],
  id: number,
  options: { now: Date; defaultTimezone?: string | undefined },
) => Promise<StatusChange>;

/** Each lifecycle step, and what it tells the user beyond the new status. */
const TRANSITIONS: Array<{ action: string; summary: string; run: Transition }> = [
  {
    action: 'publish',
    summary: 'Take a draft live (scheduled; a reminder campaign running)',
    run: publishCampaign,
  },
  { action: 'pause', summary: 'Pause: workers stop taking its deliveries', run: pauseCampaign },
  {
    action: 'resume',
    summary:
      'Resume a paused campaign; a recurring one answers missedTicks: the ticks missed while paused, skipped ' +
      '(policy skip, the default) or the latest run now (runLatest, runsNow), and its nextRunAt',
    run: resumeCampaign,
  },
  {
    action: 'cancel',
    summary: 'Cancel: every delivery not yet sent is skipped with reason cancelled',
    run: cancelCampaign,
  },
];

/** Lifecycle steps, a preview of the message, and a test message to one phone. */
export function registerCampaignActionRoutes(api: FastifyInstance, deps: ApiDeps): void {
  const { db, clock } = deps;

  for (const { action, summary, run } of TRANSITIONS) {
    api.post<{ Params: IdParams }>(
      `/campaigns/:id/${action}`,
      {
        schema: {
          tags: TAGS,
          summary,
          description:
            'A step the campaign state machine does not allow from its status is a 409 invalid_transition.',
          params: idParams,
        },
      },
      async (request) => {
        const { from, to, ...effects } = await run(db.sql, request.params.id, {
          now: clock.now(),
          defaultTimezone: deps.defaultTimezone,
        });
        return {
          campaign: await getCampaign(db, request.params.id),
          transition: { from, to },
          ...effects,
        };
      },
    );
  }

  api.get<{ Params: IdParams; Querystring: { phone?: string } }>(
    '/campaigns/:id/preview',
    {
      schema: {
        tags: TAGS,
        summary: "The message rendered for a contact (by phone) or for a sample of the campaign's audience",
        description:
          'A variable the contact lacks is ok: false with missingVariable, as the worker would skip it. ' +
          '`audience` counts the whole audience set-based: recipients, willSend, skipped and skips ' +
          '(reason, variable, count) — consent, opt-outs, invalid phones and missing variables.',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { phone: { type: 'string', minLength: 1, maxLength: 40 } },
        },
      },
    },
    async (request) =>
      previewCampaign(db.sql, request.params.id, {
        now: clock.now(),
        phoneRegion: deps.phoneRegion,
        ...(request.query.phone !== undefined ? { phone: request.query.phone } : {}),
        ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
      }),
  );

  api.post<{ Params: IdParams; Body: { phone: string } }>(
    '/campaigns/:id/test-send',
    {
      schema: {
        tags: TAGS,
        summary: 'Send the rendered message to one known contact now, through Chat2Desk',
        description:
          'Not a delivery of the campaign. The contact must exist (POST /contacts first) and not have opted out; ' +
          'a WhatsApp client created for it now answers 409 whatsapp_delay with details.retryAt.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['phone'],
          properties: { phone: { type: 'string', minLength: 1, maxLength: 40 } },
        },
      },
    },
    async (request) => {
      if (!deps.chat2desk) {
        throw new HttpError(
          503,
          'test_send_unavailable',
          'this instance has no Chat2Desk client to send with',
        );
      }
      return sendTestMessage(
        {
          sql: db.sql,
          clock,
          ...deps.chat2desk,
          phoneRegion: deps.phoneRegion,
          ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
        },
        request.params.id,
        request.body.phone,
      );
    },
  );
}
