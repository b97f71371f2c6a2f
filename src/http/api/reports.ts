import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { campaignReport } from '../../reports/campaignReport.js';
import { writeRecipientsCsv } from '../../reports/recipientsCsv.js';
import { findReportCampaign } from '../../reports/sql/findReportCampaign.js';
import type { ApiDeps } from './deps.js';
import { type IdParams, idParams, idSchema } from './schemas.js';

const TAGS = ['reports'];

const runQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { runId: { ...idSchema, description: 'Limit the report to one run of the campaign' } },
} as const;

type ReportRequest = { Params: IdParams; Querystring: { runId?: number } };

/** A campaign's delivery report as JSON, and one CSV line per recipient. */
export function registerReportRoutes(api: FastifyInstance, deps: ApiDeps): void {
  const { sql } = deps.db;

  api.get<ReportRequest>(
    '/campaigns/:id/report',
    {
      schema: {
        tags: TAGS,
        summary: 'Counts per state and reason, per transport and channel, send rate, latency, failures',
        params: idParams,
        querystring: runQuery,
      },
    },
    async (request) => campaignReport(sql, request.params.id, { runId: request.query.runId }),
  );

  api.get<ReportRequest>(
    '/campaigns/:id/report.csv',
    {
      schema: {
        tags: TAGS,
        summary: 'One CSV line per recipient (streamed)',
        params: idParams,
        querystring: runQuery,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const runId = request.query.runId;
      // A missing campaign or run is a 404 before any line of the answer is sent.
      await findReportCampaign(sql, { campaignId: id, runId });
      const out = new PassThrough();
      writeRecipientsCsv(sql, id, out, { runId }).then(
        () => out.end(),
        (error: unknown) => {
          deps.logger.warn({ err: error, campaignId: id }, 'the recipients CSV export stopped');
          out.destroy(error as Error);
        },
      );
      const name = runId === undefined ? `campaign-${id}` : `campaign-${id}-run-${runId}`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}-recipients.csv"`)
        .send(out);
    },
  );
}
