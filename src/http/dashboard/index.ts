import { PassThrough } from 'node:stream';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CampaignNotArchivableError } from '../../campaigns/archive.js';
import { CampaignNotFoundError, InvalidCampaignTransitionError } from '../../campaigns/errors.js';
import { forecastStoredCampaign } from '../../campaigns/forecast.js';
import { cancelCampaign, pauseCampaign, resumeCampaign } from '../../campaigns/lifecycle.js';
import { previewCampaign } from '../../campaigns/preview.js';
import { getCampaign } from '../../campaigns/queries.js';
import type { Clock } from '../../clock.js';
import { ContactInputError, ContactNotFoundError } from '../../contacts/contacts.js';
import type { Sql } from '../../db/database.js';
import { isDatabaseUnavailable } from '../../db/unavailable.js';
import { BroadcasterError } from '../../errors.js';
import { listCampaignProgress } from '../../reports/campaignProgress.js';
import { campaignReport, RunNotFoundForReportError } from '../../reports/campaignReport.js';
import { campaignOverview } from '../../reports/overview.js';
import { writeRecipientsCsv } from '../../reports/recipientsCsv.js';
import { findReportCampaign } from '../../reports/sql/findReportCampaign.js';
import { AuthAttempts } from '../authAttempts.js';
import { registerAppointmentPages } from './appointmentRoutes.js';
import { type CampaignEditorDeps, registerCampaignEditor } from './campaignEditorRoutes.js';
import { campaignListPage } from './campaignListPage.js';
import { campaignPage } from './campaignPage.js';
import { type CampaignSetup, nextRuns, scheduleOf } from './campaignSetup.js';
import { CONSOLE_SCRIPT } from './consoleScript.js';
import { registerContactPages } from './contactRoutes.js';
import type { SafeHtml } from './html.js';
import { page } from './layout.js';
import { registerListPages } from './listRoutes.js';
import { loginPage, messagePage } from './messagePages.js';
import { overviewPage } from './overviewPage.js';
import { ID_PARAMS } from './routeSchemas.js';
import { DashboardSession, type Session, sessionCookie } from './session.js';
import { registerSettings } from './settingsRoutes.js';
import { type Ui, uiFor } from './ui.js';

export interface DashboardDeps {
  sql: Sql;
  clock: Clock;
  /** API_TOKEN: with one, the dashboard asks for it once at /login; without, it is open. */
  apiToken: string | undefined;
  /** VIEWER_TOKEN: logs in too, to read only (no buttons; every form post refused). */
  viewerToken?: string | undefined;
  /** Counts wrong tokens at /login per client address (shared with the API's Bearer checks). */
  authAttempts?: AuthAttempts;
  /** With these the console edits campaigns too (the editor, publish, test messages). */
  editor?: Omit<CampaignEditorDeps, 'clock'> | undefined;
}

const PAGE_SIZE = 50;
/** The overview's period. */
const OVERVIEW_DAYS = 30;
/** Pages of a campaign still sending reload themselves this often, so it can be watched. */
const REFRESH_SECONDS = 30;

/** Helmet's headers, with a policy for pages whose only script is the console's own file, and inline styles. */
const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  },
  frameguard: { action: 'deny' as const },
  referrerPolicy: { policy: 'same-origin' as const },
};

const RUN_QUERY = {
  type: 'object',
  properties: { run: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
} as const;
const CAMPAIGN_QUERY = {
  type: 'object',
  properties: { ...RUN_QUERY.properties, phone: { type: 'string', maxLength: 40 } },
} as const;
const CSV_QUERY = {
  type: 'object',
  properties: { ...RUN_QUERY.properties, excel: { type: 'integer', enum: [0, 1] } },
} as const;

type IdRequest = FastifyRequest<{
  Params: { id: number };
  Querystring: { run?: number; excel?: number; phone?: string };
}>;

/** A field of a posted form; absent when the body was not a form (JSON, say). */
function formField(request: FastifyRequest, name: string): string | null {
  return request.body instanceof URLSearchParams ? request.body.get(name) : null;
}

const THIS_SITE = 'http://dashboard.invalid';

/**
 * A path on this site to go back to after logging in; anything else goes home. Read as a browser
 * reads it, so what a browser would take for another site (`//evil.example`, `/\tevil`, `/\\evil`)
 * is caught after the browser's own clean-up, not before.
 */
export function localPath(next: string | null | undefined): string {
  if (!next?.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, THIS_SITE);
  } catch {
    return '/';
  }
  const path = `${url.pathname}${url.search}`;
  return url.origin === THIS_SITE && !/^\/[/\\]/.test(path) ? path : '/';
}

/**
 * The dashboard: server-rendered pages at `/` (campaigns and their progress) and `/campaigns/:id` (the
 * report, a chart of sends, failures, and pause/resume/cancel buttons that are plain forms).
 */
export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const session = new DashboardSession({ apiToken: deps.apiToken, viewerToken: deps.viewerToken }, deps.sql);

  void app.register(async (scope) => {
    await scope.register(helmet, HELMET_OPTIONS);
    const attempts = deps.authAttempts ?? new AuthAttempts();
    await attempts.attach(scope);
    // Forms post url-encoded bodies; the parser lives in this scope only, so the JSON API is unaffected.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16_384 },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const ui = uiOf(request);
      const { t } = ui;
      const show = (status: number, title: string, message: string, back = toCampaigns(ui)) =>
        sendPage(reply, ui, status, title, messagePage(title, message, back));
      if (error instanceof CampaignNotFoundError) {
        return show(404, t('error.notFound'), t('error.noCampaign', { campaignId: error.campaignId }));
      }
      if (error instanceof RunNotFoundForReportError) {
        return show(404, t('error.notFound'), t('error.noRun', error.details));
      }
      if (error instanceof CampaignNotArchivableError) {
        const back = { href: `/campaigns/${error.details.campaignId}`, label: t('error.backToCampaign') };
        return show(409, t('error.notPossible'), error.message, back);
      }
      if (error instanceof InvalidCampaignTransitionError) {
        const back = { href: `/campaigns/${error.campaignId}`, label: t('error.backToCampaign') };
        const status = (name: string) => t(`status.${name}`, { defaultValue: name });
        const message =
          error.from === error.to
            ? t('error.alreadyThere', { campaignId: error.campaignId, to: status(error.to) })
            : t('error.transition', {
                campaignId: error.campaignId,
                from: status(error.from),
                to: status(error.to),
              });
        return show(409, t('error.notPossible'), message, back);
      }
      if (isDatabaseUnavailable(error)) return show(503, t('error.unavailable'), t('error.unavailableText'));
      // Anything else the engine says does not exist: its own words, with a 404.
      if (error instanceof BroadcasterError && error.code.endsWith('_not_found')) {
        return show(404, t('error.notFound'), error.message);
      }
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) request.log.error({ err: error }, 'dashboard request failed');
      return show(status, t('error.title'), status === 500 ? t('error.internal') : error.message);
    });

    const now = () => deps.clock.now();
    const currentSession = (request: FastifyRequest) => session.sessionFrom(request.headers.cookie, now());
    // Behind a TLS proxy (TRUST_PROXY) the request's protocol is the proxy's: https.
    const cookieOptions = (request: FastifyRequest) => ({ secure: request.protocol === 'https' });
    const logoutCsrf = (current: Session) => (session.loginRequired ? session.csrfToken(current) : undefined);
    /** The CSRF token of a page's forms that change something; undefined for a viewer, who gets none. */
    const changeCsrf = (current: Session) =>
      current.role === 'admin' ? session.csrfToken(current) : undefined;

    /** The session of a page request, or a redirect to /login (then null). */
    async function pageSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null> {
      const current = await currentSession(request);
      if (current === null) void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      return current;
    }

    /** Whether a form post comes from a logged-in dashboard page; answers 403 itself when not. */
    async function formSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null> {
      const current = await currentSession(request);
      const ui = uiOf(request);
      const { t } = ui;
      if (current === null) {
        const login = { href: '/login', label: t('error.logInAgain') };
        const body = messagePage(t('error.notLoggedIn'), t('error.expired'), login);
        void sendPage(reply, ui, 403, t('error.notLoggedIn'), body);
        return null;
      }
      if (!session.isCsrfToken(current, formField(request, 'csrf'))) {
        const body = messagePage(t('error.refused'), t('error.staleForm'), toCampaigns(ui));
        void sendPage(reply, ui, 403, t('error.refused'), body);
        return null;
      }
      return current;
    }

    /** Tells a viewer that their login only reads (403). */
    function refuseViewer(request: FastifyRequest, reply: FastifyReply): null {
      const ui = uiOf(request);
      const body = messagePage(ui.t('error.readOnly'), ui.t('error.readOnlyText'), toCampaigns(ui));
      void sendPage(reply, ui, 403, ui.t('error.readOnly'), body);
      return null;
    }

    /** A form post that changes something: an admin's only; a viewer is told why not (403). */
    async function changeSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null> {
      const current = await formSession(request, reply);
      if (current === null || current.role === 'admin') return current;
      return refuseViewer(request, reply);
    }

    /** A page only an admin needs (a form that changes something): a viewer is told why not. */
    async function adminPageSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null> {
      const current = await pageSession(request, reply);
      if (current === null || current.role === 'admin') return current;
      return refuseViewer(request, reply);
    }

    // The console's one script (consoleScript.ts); it holds nothing secret, so it needs no login.
    scope.get('/assets/console.js', async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(CONSOLE_SCRIPT),
    );

    scope.get<{ Querystring: { page?: number; archived?: number } }>(
      '/',
      {
        schema: {
          querystring: {
            type: 'object',
            properties: {
              page: { type: 'integer', minimum: 1 },
              archived: { type: 'integer', enum: [0, 1] },
            },
          },
        },
      },
      async (request, reply) => {
        const current = await pageSession(request, reply);
        if (current === null) return reply;
        const pageNumber = request.query.page ?? 1;
        const archived = request.query.archived === 1;
        const list = await listCampaignProgress(deps.sql, {
          limit: PAGE_SIZE,
          offset: (pageNumber - 1) * PAGE_SIZE,
          archived,
        });
        const ui = uiOf(request);
        const body = campaignListPage(ui, {
          ...list,
          page: pageNumber,
          pageSize: PAGE_SIZE,
          canCreate: deps.editor !== undefined && current.role === 'admin',
          archived,
        });
        return sendPage(reply, ui, 200, ui.t('list.title'), body, {
          logoutCsrf: logoutCsrf(current),
          path: request.url,
        });
      },
    );

    scope.get(
      '/campaigns/:id',
      { schema: { params: ID_PARAMS, querystring: CAMPAIGN_QUERY } },
      async (req, reply) => {
        const request = req as IdRequest;
        const current = await pageSession(request, reply);
        if (current === null) return reply;
        const report = await campaignReport(deps.sql, request.params.id, { runId: request.query.run });
        const ui = uiOf(request);
        const csrf = changeCsrf(current);
        const setup = deps.editor
          ? await campaignSetup(deps.editor, report.campaignId, {
              phone: request.query.phone,
              csrf,
              now: now(),
            })
          : undefined;
        // A page asked for a preview stays put; one that is watched reloads itself.
        const watching = (report.status === 'running' || report.totals.pending > 0) && !request.query.phone;
        return sendPage(reply, ui, 200, report.name, campaignPage(ui, report, csrf, setup), {
          logoutCsrf: logoutCsrf(current),
          refreshSeconds: watching && report.status !== 'paused' ? REFRESH_SECONDS : undefined,
          path: request.url,
        });
      },
    );

    scope.get('/overview', async (request, reply) => {
      const current = await pageSession(request, reply);
      if (current === null) return reply;
      const ui = uiOf(request);
      const since = new Date(now().getTime() - OVERVIEW_DAYS * 86_400_000);
      const overview = await campaignOverview(deps.sql, { since, zone: ui.zone });
      return sendPage(
        reply,
        ui,
        200,
        ui.t('overview.title'),
        overviewPage(ui, overview, { periodDays: OVERVIEW_DAYS }),
        {
          logoutCsrf: logoutCsrf(current),
          path: request.url,
        },
      );
    });

    scope.get(
      '/campaigns/:id/recipients.csv',
      { schema: { params: ID_PARAMS, querystring: CSV_QUERY } },
      async (req, reply) => {
        const request = req as IdRequest;
        if ((await pageSession(request, reply)) === null) return reply;
        const { id } = request.params;
        const runId = request.query.run;
        const excel = request.query.excel === 1;
        // Fails with 404 before any CSV is written.
        await findReportCampaign(deps.sql, { campaignId: id, runId });
        const out = new PassThrough();
        void writeRecipientsCsv(deps.sql, id, out, { runId, excel }).then(
          () => out.end(),
          (error: unknown) => out.destroy(error as Error),
        );
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="campaign-${id}${runId ? `-run-${runId}` : ''}-recipients${excel ? '-excel' : ''}.csv"`,
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
        if ((await changeSession(req, reply)) === null) return reply;
        await perform(id);
        return reply.redirect(`/campaigns/${id}`, 303);
      });
    }

    scope.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
      const next = localPath(request.query.next);
      if (!session.loginRequired || (await currentSession(request)) !== null)
        return reply.redirect(next, 303);
      const ui = uiOf(request);
      return sendPage(reply, ui, 200, ui.t('login.title'), loginPage(ui, { next, failed: false }), {
        path: request.url,
      });
    });

    scope.post('/login', async (req, reply) => {
      const next = localPath(formField(req, 'next'));
      if (!session.loginRequired) return reply.redirect(next, 303);
      if (await attempts.refuseIfBlocked(req, reply)) return reply;
      const role = session.roleOfToken(formField(req, 'token') ?? '');
      if (role === null) {
        await attempts.recordFailure(req);
        const ui = uiOf(req);
        return sendPage(reply, ui, 401, ui.t('login.title'), loginPage(ui, { next, failed: true }));
      }
      const issued = await session.issue(now(), role);
      return reply.header('set-cookie', sessionCookie(issued, cookieOptions(req))).redirect(next, 303);
    });

    scope.post('/logout', async (req, reply) => {
      const current = await formSession(req, reply);
      if (current === null) return reply;
      if (session.loginRequired) await session.revoke(current, now());
      return reply
        .header('set-cookie', sessionCookie(null, cookieOptions(req)))
        .redirect(session.loginRequired ? '/login' : '/', 303);
    });

    if (deps.editor) {
      registerCampaignEditor(
        scope,
        { ...deps.editor, clock: deps.clock },
        {
          adminPageSession,
          changeSession,
          csrfToken: (current) => session.csrfToken(current),
          logoutCsrf,
          uiOf,
          send: (reply, request, status, title, body, current) =>
            sendPage(reply, uiOf(request), status, title, body, {
              logoutCsrf: logoutCsrf(current),
              path: request.url,
            }),
        },
      );
    }

    if (deps.editor) {
      registerContactPages(scope, {
        db: deps.editor.db,
        clock: deps.clock,
        phoneRegion: deps.editor.phoneRegion,
        defaultTimezone: deps.editor.defaultTimezone,
        importLimitBytes: deps.editor.importLimitBytes ?? 200 * 1024 * 1024,
        pageSession,
        adminPageSession,
        changeSession,
        isCsrf: (current, token) => session.isCsrfToken(current, token),
        refuseForm: (request, reply) => {
          const ui = uiOf(request);
          const body = messagePage(ui.t('error.refused'), ui.t('error.staleForm'), toCampaigns(ui));
          void sendPage(reply, ui, 403, ui.t('error.refused'), body);
          return null;
        },
        csrfToken: (current) => session.csrfToken(current),
        uiOf,
        send: (reply, request, status, title, body, current, options = {}) =>
          sendPage(reply, uiOf(request), status, title, body, {
            logoutCsrf: logoutCsrf(current),
            path: request.url,
            ...options,
          }),
      });
      registerListPages(scope, {
        db: deps.editor.db,
        clock: deps.clock,
        pageSession,
        changeSession,
        csrfToken: (current) => session.csrfToken(current),
        uiOf,
        send: (reply, request, status, title, body, current) =>
          sendPage(reply, uiOf(request), status, title, body, {
            logoutCsrf: logoutCsrf(current),
            path: request.url,
          }),
      });
      registerAppointmentPages(scope, {
        db: deps.editor.db,
        now,
        pageSession,
        uiOf,
        show: (reply, request, title, body, current) =>
          sendPage(reply, uiOf(request), 200, title, body, {
            logoutCsrf: logoutCsrf(current),
            path: request.url,
          }),
      });
    }

    registerSettings(scope, {
      pageSession,
      formSession,
      csrfToken: (current) => session.csrfToken(current),
      logoutCsrf,
      cookieOptions,
      localPath,
      uiOf,
      show: (reply, request, title, body, options) =>
        sendPage(reply, uiOf(request), 200, title, body, { ...options, path: request.url }),
    });
  });
}

/**
 * The campaign's set-up for its page. The preview is composed only when it is worth it: when a phone
 * is asked for, or before the campaign goes out (a running campaign's page reloads itself, and a
 * sample of a million-contact audience is no free query).
 */
async function campaignSetup(
  editor: NonNullable<DashboardDeps['editor']>,
  campaignId: number,
  options: { phone: string | undefined; csrf: string | undefined; now: Date },
): Promise<CampaignSetup> {
  const details = await getCampaign(editor.db, campaignId);
  if (!details) throw new CampaignNotFoundError(campaignId);
  const phone = options.phone?.trim() ?? '';
  const wanted = phone !== '' || details.status === 'draft' || details.status === 'scheduled';
  let preview: CampaignSetup['preview'] = null;
  if (wanted) {
    try {
      preview = await previewCampaign(editor.db.sql, campaignId, {
        now: options.now,
        phoneRegion: editor.phoneRegion,
        ...(phone !== '' ? { phone } : {}),
        ...(editor.defaultTimezone ? { defaultTimezone: editor.defaultTimezone } : {}),
      });
    } catch (error) {
      if (!(error instanceof ContactNotFoundError || error instanceof ContactInputError)) throw error;
      preview = { error: error.message };
    }
  }
  const before = details.status === 'draft' || details.status === 'scheduled';
  const forecast =
    before && details.kind === 'broadcast'
      ? await forecastStoredCampaign(editor.db.sql, campaignId, {
          now: options.now,
          accountPerSecond: editor.accountPerSecond ?? 0,
          whatsappDelayMs: editor.chat2desk?.whatsappDelayMs ?? editor.whatsappDelayMs ?? 420_000,
          startsAt:
            details.nextRunAt ?? nextRuns(scheduleOf(details.definition).schedule, options.now, 1)[0] ?? null,
        })
      : null;
  const definition = details.definition as {
    sendWindow?: unknown;
    timezone?: unknown;
    schedule?: { timezone?: unknown };
  };
  const ownZone = [definition.timezone, definition.schedule?.timezone].find(
    (zone): zone is string => typeof zone === 'string' && zone !== '',
  );
  const windowZone = definition.sendWindow ? (ownZone ?? editor.defaultTimezone ?? 'UTC') : null;
  const [archive] = await editor.db.sql<{ archivedAt: Date | null }[]>`
    select archived_at as "archivedAt" from campaigns where id = ${campaignId}`;
  return {
    details,
    archivedAt: archive?.archivedAt ?? null,
    preview,
    forecast,
    windowZone,
    previewPhone: phone,
    csrf: options.csrf,
    canTestSend: editor.chat2desk !== undefined,
    now: options.now,
  };
}

const toCampaigns = (ui: Ui) => ({ href: '/', label: ui.t('error.back') });

function uiOf(request: FastifyRequest): Ui {
  return uiFor(request.headers);
}

function sendPage(
  reply: FastifyReply,
  ui: Ui,
  status: number,
  title: string,
  body: SafeHtml,
  options: { logoutCsrf?: string | undefined; refreshSeconds?: number | undefined; path?: string } = {},
): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('vary', 'Accept-Language, Cookie')
    .send(page({ ui, title, body, ...options }));
}
