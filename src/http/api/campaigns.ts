import type { FastifyInstance } from 'fastify';
import { createCampaign } from '../../campaigns/createCampaign.js';
import {
  CAMPAIGN_KINDS,
  type CampaignDefinition,
  type CampaignKind,
  parseCampaignText,
  validateCampaignDefinition,
} from '../../campaigns/definition.js';
import { CampaignNotFoundError } from '../../campaigns/errors.js';
import { CAMPAIGN_STATUSES, type CampaignStatus } from '../../campaigns/lifecycle.js';
import {
  deleteDraftCampaign,
  getCampaign,
  listCampaigns,
  replaceDraftCampaign,
} from '../../campaigns/queries.js';
import { campaignDocumentSchema } from './campaignDocumentSchema.js';
import type { ApiDeps } from './deps.js';
import { documentedBody, type IdParams, idParams, type Paging, page, pagingProperties } from './schemas.js';

const TAGS = ['campaigns'];

/** The campaign as JSON, or the same as YAML text (Content-Type: application/yaml). */
const campaignBody = documentedBody(
  {
    'application/json': { schema: campaignDocumentSchema },
    'application/yaml': { schema: { type: 'string', description: 'The same campaign written in YAML' } },
  },
  'The campaign as PRODUCT.md defines it',
);

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pagingProperties,
    status: { type: 'string', enum: CAMPAIGN_STATUSES },
    kind: { type: 'string', enum: CAMPAIGN_KINDS },
  },
} as const;

/** A body parsed as JSON is an object to validate; YAML arrives as text with its line numbers. */
function readDefinition(body: unknown, now: Date): CampaignDefinition {
  if (typeof body === 'string') return parseCampaignText(body, 'yaml', { now });
  return validateCampaignDefinition(body, { now });
}

/** Campaigns: create (JSON or YAML), list with paging and filters, read, replace or delete a draft. */
export function registerCampaignRoutes(api: FastifyInstance, deps: ApiDeps): void {
  const { db, clock } = deps;

  api.post(
    '/campaigns',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a campaign',
        description:
          'Scheduled at once unless it says "draft": true; a reminder campaign is running at once. ' +
          'Problems come back as details.issues, each with the path of its field.',
      },
      config: campaignBody,
    },
    async (request, reply) => {
      const now = clock.now();
      const definition = readDefinition(request.body, now);
      const created = await createCampaign(db, definition, {
        now,
        templatesDir: deps.templatesDir,
        defaultTimezone: deps.defaultTimezone,
      });
      return reply
        .status(201)
        .header('location', `/api/v1/campaigns/${created.id}`)
        .send({ ...(await getCampaign(db, created.id)), warnings: created.warnings });
    },
  );

  api.get<{ Querystring: Paging & { status?: CampaignStatus; kind?: CampaignKind } }>(
    '/campaigns',
    { schema: { tags: TAGS, summary: 'List campaigns, newest first', querystring: listQuery } },
    async (request) => {
      const { limit, offset, status, kind } = request.query;
      const result = await listCampaigns(db, {
        limit,
        offset,
        ...(status ? { status } : {}),
        ...(kind ? { kind } : {}),
      });
      return page(result, { limit, offset });
    },
  );

  api.get<{ Params: IdParams }>(
    '/campaigns/:id',
    { schema: { tags: TAGS, summary: 'A campaign with its definition, runs and counts', params: idParams } },
    async (request) => {
      const campaign = await getCampaign(db, request.params.id);
      if (!campaign) throw new CampaignNotFoundError(request.params.id);
      return campaign;
    },
  );

  api.put<{ Params: IdParams }>(
    '/campaigns/:id',
    {
      schema: {
        tags: TAGS,
        summary: "Replace a draft's definition",
        description:
          'Only while the campaign is a draft (409 campaign_not_draft otherwise); it stays a draft.',
        params: idParams,
      },
      config: campaignBody,
    },
    async (request) => {
      const now = clock.now();
      const definition = readDefinition(request.body, now);
      return replaceDraftCampaign(db, request.params.id, definition, {
        now,
        templatesDir: deps.templatesDir,
      });
    },
  );

  api.delete<{ Params: IdParams }>(
    '/campaigns/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a draft',
        description: 'A campaign that went live is kept for its report: cancel it instead.',
        params: idParams,
      },
    },
    async (request, reply) => {
      await deleteDraftCampaign(db, request.params.id);
      return reply.status(204).send();
    },
  );
}
