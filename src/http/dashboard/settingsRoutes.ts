import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { SafeHtml } from './html.js';
import type { Session } from './session.js';
import { settingsPage } from './settingsPage.js';
import { isLanguage, LANGUAGES } from './translations.js';
import {
  BROWSER_ZONE_COOKIE,
  canonicalZone,
  cookieText,
  LANGUAGE_COOKIE,
  preferenceCookie,
  type Ui,
  ZONE_COOKIE,
} from './ui.js';

/** What the settings routes borrow from the dashboard around them. */
export interface SettingsRouteDeps {
  pageSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null>;
  formSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null>;
  csrfToken(session: Session): string;
  logoutCsrf(session: Session): string | undefined;
  cookieOptions(request: FastifyRequest): { secure: boolean };
  localPath(next: string | null | undefined): string;
  uiOf(request: FastifyRequest): Ui;
  show(
    reply: FastifyReply,
    request: FastifyRequest,
    title: string,
    body: SafeHtml,
    options: { logoutCsrf?: string | undefined },
  ): FastifyReply;
}

const LANGUAGE_QUERY = {
  type: 'object',
  properties: { to: { type: 'string', enum: [...LANGUAGES] }, next: { type: 'string', maxLength: 2000 } },
  required: ['to'],
} as const;

/** The field of a posted form, or null. */
function field(request: FastifyRequest, name: string): string | null {
  return request.body instanceof URLSearchParams ? request.body.get(name) : null;
}

/**
 * The viewer's settings, kept in their browser: `/settings` (language and time zone, a form) and
 * `/settings/language?to=ru` behind the header's language links — usable before logging in, as it
 * changes nothing but a cookie of the browser that follows it.
 */
export function registerSettings(scope: FastifyInstance, deps: SettingsRouteDeps): void {
  scope.get<{ Querystring: { to: string; next?: string } }>(
    '/settings/language',
    { schema: { querystring: LANGUAGE_QUERY } },
    async (request, reply) =>
      reply
        .header(
          'set-cookie',
          preferenceCookie(LANGUAGE_COOKIE, request.query.to, deps.cookieOptions(request)),
        )
        .redirect(deps.localPath(request.query.next), 303),
  );

  scope.get<{ Querystring: { saved?: number } }>(
    '/settings',
    { schema: { querystring: { type: 'object', properties: { saved: { type: 'integer', enum: [1] } } } } },
    async (request, reply) => {
      const current = await deps.pageSession(request, reply);
      if (current === null) return reply;
      const ui = deps.uiOf(request);
      const browserZone = canonicalZone(cookieText(request.headers.cookie, BROWSER_ZONE_COOKIE));
      const body = settingsPage(ui, {
        csrf: deps.csrfToken(current),
        saved: request.query.saved === 1,
        browserZone,
      });
      return deps.show(reply, request, ui.t('settings.title'), body, {
        logoutCsrf: deps.logoutCsrf(current),
      });
    },
  );

  scope.post('/settings', async (request, reply) => {
    if ((await deps.formSession(request, reply)) === null) return reply;
    const lang = field(request, 'lang');
    const tz = field(request, 'tz') ?? '';
    if (lang !== null && !isLanguage(lang)) {
      throw new HttpError(400, 'invalid_setting', `lang: expected one of ${LANGUAGES.join(', ')}`);
    }
    const zone = tz === '' ? null : canonicalZone(tz);
    if (tz !== '' && zone === null) {
      throw new HttpError(400, 'invalid_setting', 'tz: not a time zone (e.g. Europe/Moscow)');
    }
    const options = deps.cookieOptions(request);
    const cookies = [preferenceCookie(ZONE_COOKIE, zone, options)];
    if (lang !== null) cookies.push(preferenceCookie(LANGUAGE_COOKIE, lang, options));
    return reply.header('set-cookie', cookies).redirect('/settings?saved=1', 303);
  });
}
