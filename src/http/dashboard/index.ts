import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CampaignNotFoundError, InvalidCampaignTransitionError } from '../../campaigns/errors.js';
import { cancelCampaign, pauseCampaign, resumeCampaign } from '../../campaigns/lifecycle.js';
import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/database.js';
import { listCampaignProgress } from '../../reports/campaignProgress.js';
import { campaignReport, RunNotFoundForReportError } from '../../reports/campaignReport.js';
import { writeRecipientsCsv } from '../../reports/recipientsCsv.js';
import { findReportCampaign } from '../../reports/sql/findReportCampaign.js';
import { campaignListPage } from './campaignListPage.js';
import { campaignPage } from './campaignPage.js';
import type { SafeHtml } from './html.js';
import { page } from './layout.js';
import { loginPage, messagePage } from './messagePages.js';
import { DashboardSession, sessionCookie } from './session.js';

export interface DashboardDeps {
  sql: Sql;
  clock: Clock;
  /** API_TOKEN: with one, the dashboard asks for it once at /login; without, it is open. */
  apiToken: string | undefined;
}

const PAGE_SIZE = 50;
/** Pages of a campaign still sending reload themselves this often, so it can be watched. */
const REFRESH_SECONDS = 30;

const SECURITY_HEADERS = {
  // No script anywhere on these pages; inline styles only.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const ID_PARAMS = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
  required: ['id'],
} as const;
const RUN_QUERY = {
  type: 'object',
  properties: { run: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
} as const;

type IdRequest = FastifyRequest<{ Params: { id: number }; Querystring: { run?: number } }>;

/** A field of a posted form; absent when the body was not a form (JSON, say). */
function formField(request: FastifyRequest, name: string): string | null {
  return request.body instanceof URLSearchParams ? request.body.get(name) : null;
}

/** A path on this site to go back to after logging in; anything else (`//evil.example`) goes home. */
function localPath(next: string | null | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : '/';
}

/**
 * The dashboard: server-rendered pages at `/` (campaigns and their progress) and `/campaigns/:id` (the
 * report, a chart of sends, failures, and pause/resume/cancel buttons that are plain forms).
 */
export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const session = new DashboardSession(deps.apiToken);

  void app.register(async (scope) => {
    // Forms post url-encoded bodies; the parser lives in this scope only, so the JSON API is unaffected.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16_384 },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      return payload;
    });
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      if (error instanceof CampaignNotFoundError || error instanceof RunNotFoundForReportError) {
        return sendPage(reply, 404, 'Not found', messagePage('Not found', error.message, toCampaigns));
      }
      if (error instanceof InvalidCampaignTransitionError) {
        const back = { href: `/campaigns/${error.campaignId}`, label: 'Back to the campaign' };
        return sendPage(reply, 409, 'Not possible now', messagePage('Not possible now', error.message, back));
      }
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) request.log.error({ err: error }, 'dashboard request failed');
      const message =
        status === 500 ? 'Something went wrong; the engine log has the details.' : error.message;
      return sendPage(reply, status, 'Error', messagePage('Error', message, toCampaigns));
    });

    const now = () => deps.clock.now();
    const currentSession = (request: FastifyRequest) => session.sessionFrom(request.headers.cookie, now());
    const logoutCsrf = (current: string) => (session.loginRequired ? session.csrfToken(current) : undefined);

    /** The session of a page request, or a redirect to /login (then null). */
    function pageSession(request: FastifyRequest, reply: FastifyReply): string | null {
      const current = currentSession(request);
      if (current === null) void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      return current;
    }

    /** Whether a form post comes from a logged-in dashboard page; answers 403 itself when not. */
    function formAllowed(request: FastifyRequest, reply: FastifyReply): boolean {
      const current = currentSession(request);
      if (current === null) {
        const login = { href: '/login', label: 'Log in again' };
        void sendPage(
          reply,
          403,
          'Not logged in',
          messagePage('Not logged in', 'Your login has expired.', login),
        );
        return false;
      }
      if (!session.isCsrfToken(current, formField(request, 'csrf'))) {
        const message =
          'This form is stale or did not come from the dashboard; reload the page and try again.';
        void sendPage(reply, 403, 'Refused', messagePage('Refused', message, toCampaigns));
        return false;
      }
      return true;
    }

    scope.get<{ Querystring: { page?: number } }>(
      '/',
      { schema: { querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1 } } } } },
      async (request, reply) => {
        const current = pageSession(request, reply);
        if (current === null) return reply;
        const pageNumber = request.query.page ?? 1;
        const list = await listCampaignProgress(deps.sql, {
          limit: PAGE_SIZE,
          offset: (pageNumber - 1) * PAGE_SIZE,
        });
        const body = campaignListPage({ ...list, page: pageNumber, pageSize: PAGE_SIZE });
        return sendPage(reply, 200, 'Campaigns', body, { logoutCsrf: logoutCsrf(current) });
      },
    );

    scope.get(
      '/campaigns/:id',
      { schema: { params: ID_PARAMS, querystring: RUN_QUERY } },
      async (req, reply) => {
        const request = req as IdRequest;
        const current = pageSession(request, reply);
        if (current === null) return reply;
        const report = await campaignReport(deps.sql, request.params.id, { runId: request.query.run });
        const watching = report.status === 'running' || report.totals.pending > 0;
        return sendPage(reply, 200, report.name, campaignPage(report, session.csrfToken(current)), {
          logoutCsrf: logoutCsrf(current),
          refreshSeconds: watching && report.status !== 'paused' ? REFRESH_SECONDS : undefined,
        });
      },
    );

    scope.get(
      '/campaigns/:id/recipients.csv',
      { schema: { params: ID_PARAMS, querystring: RUN_QUERY } },
      async (req, reply) => {
        const request = req as IdRequest;
        if (pageSession(request, reply) === null) return reply;
        const { id } = request.params;
        const runId = request.query.run;
        // Fails with 404 before any CSV is written.
        await findReportCampaign(deps.sql, { campaignId: id, runId });
        const out = new PassThrough();
        void writeRecipientsCsv(deps.sql, id, out, { runId }).then(
          () => out.end(),
          (error: unknown) => out.destroy(error as Error),
        );
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="campaign-${id}${runId ? `-run-${runId}` : ''}-recipients.csv"`,
          )
          .send(out);
      },
    );

    const actions = {
      pause: (id: number) => pauseCampaign(deps.sql, id, { now: now() }),
      resume: (id: number) => resumeCampaign(deps.sql, id, { now: now() }),
      cancel: (id: number) => cancelCampaign(deps.sql, id, { now: now() }),
    };
    for (const [action, perform] of Object.entries(actions)) {
      scope.post(`/campaigns/:id/${action}`, { schema: { params: ID_PARAMS } }, async (req, reply) => {
        const { id } = req.params as { id: number };
        if (!formAllowed(req, reply)) return reply;
        await perform(id);
        return reply.redirect(`/campaigns/${id}`, 303);
      });
    }

    scope.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
      const next = localPath(request.query.next);
      if (!session.loginRequired || currentSession(request) !== null) return reply.redirect(next, 303);
      return sendPage(reply, 200, 'Log in', loginPage({ next, failed: false }));
    });

    scope.post('/login', async (req, reply) => {
      const next = localPath(formField(req, 'next'));
      if (!session.loginRequired) return reply.redirect(next, 303);
      if (!session.isApiToken(formField(req, 'token') ?? '')) {
        return sendPage(reply, 401, 'Log in', loginPage({ next, failed: true }));
      }
      return reply
        .header('set-cookie', sessionCookie(session.issue(now()), { secure: req.protocol === 'https' }))
        .redirect(next, 303);
    });

    scope.post('/logout', async (req, reply) => {
      if (!formAllowed(req, reply)) return reply;
      return reply
        .header('set-cookie', sessionCookie(null, { secure: req.protocol === 'https' }))
        .redirect(session.loginRequired ? '/login' : '/', 303);
    });
  });
}

const toCampaigns = { href: '/', label: 'All campaigns' };

function sendPage(
  reply: FastifyReply,
  status: number,
  title: string,
  body: SafeHtml,
  options: { logoutCsrf?: string | undefined; refreshSeconds?: number | undefined } = {},
): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(page({ title, body, ...options }));
}
