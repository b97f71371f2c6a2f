import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setCampaignArchived } from '../../campaigns/archive.js';
import { createCampaign } from '../../campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../campaigns/definition.js';
import { CampaignDefinitionError, CampaignNotFoundError } from '../../campaigns/errors.js';
import { publishCampaign } from '../../campaigns/lifecycle.js';
import { deleteDraftCampaign, getCampaign, replaceDraftCampaign } from '../../campaigns/queries.js';
import { sendTestMessage, TestSendRefusedError } from '../../campaigns/testSend.js';
import type { Chat2DeskClient } from '../../chat2desk/client.js';
import type { Clock } from '../../clock.js';
import { ContactInputError, ContactNotFoundError } from '../../contacts/contacts.js';
import type { Database } from '../../db/database.js';
import type { Chat2DeskGate } from '../../delivery/chat2deskGate.js';
import { listLists } from '../../lists/lists.js';
import type { PhoneRegion } from '../../phones/phone.js';
import { type CampaignCheck, checkCampaignForm, errorsByField } from './campaignCheck.js';
import {
  blankCampaignForm,
  type CampaignForm,
  type CampaignFormField,
  campaignDocument,
  campaignFormFrom,
  campaignFormOf,
} from './campaignForm.js';
import { type ChannelChoice, campaignFormPage } from './campaignFormPage.js';
import { html, type SafeHtml } from './html.js';
import { messagePage } from './messagePages.js';
import type { ConsoleGates } from './routeContext.js';
import { ID_PARAMS } from './routeSchemas.js';
import type { Session } from './session.js';

/** Lists offered in the editor's audience picker; more are typed in. */
const LISTS_OFFERED = 500;
/** How long the editor waits for Chat2Desk's channel list before offering a plain id field. */
const CHANNELS_TIMEOUT_MS = 3000;

/** What the campaign editor needs of the engine: absent, the console reads and pauses but does not edit. */
export interface CampaignEditorDeps {
  db: Database;
  clock: Clock;
  templatesDir: string;
  defaultTimezone?: string | undefined;
  phoneRegion: PhoneRegion;
  /** The largest CSV a console upload may be (the API's import limit). */
  importLimitBytes?: number;
  /** CHAT2DESK_REQUESTS_PER_SECOND (0: none): for a draft's forecast of when it would finish. */
  accountPerSecond?: number;
  /** WHATSAPP_NEW_CLIENT_DELAY_MS, for the forecast when no Chat2Desk client is given. */
  whatsappDelayMs?: number;
  /** Chat2Desk, for the channel picker and test messages; absent, the channel id is typed and tests are off. */
  chat2desk?: { client: Chat2DeskClient; gate: Chat2DeskGate; whatsappDelayMs: number } | undefined;
}

/** What the editor's routes borrow from the dashboard around them. */
export interface EditorRouteContext
  extends Pick<ConsoleGates, 'adminPageSession' | 'changeSession' | 'csrfToken' | 'uiOf'> {
  logoutCsrf(session: Session): string | undefined;
  send(
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    title: string,
    body: SafeHtml,
    session: Session,
  ): FastifyReply;
}

const FROM_QUERY = {
  type: 'object',
  properties: { from: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
} as const;

/** The account's channels, or null when Chat2Desk does not answer in time (the editor then takes an id). */
async function channelChoices(deps: CampaignEditorDeps): Promise<ChannelChoice[] | null> {
  if (!deps.chat2desk) return null;
  const { client, gate } = deps.chat2desk;
  const timeout = new Promise<null>((resolve) => setTimeout(resolve, CHANNELS_TIMEOUT_MS, null).unref());
  try {
    const answer = await Promise.race([gate.call(() => client.listChannels()), timeout]);
    return answer === null
      ? null
      : answer.data.map((c) => ({ id: c.id, name: c.name, transports: c.transports }));
  } catch {
    return null;
  }
}

/**
 * The campaign editor: /campaigns/new (blank, or `?from=ID` to start from a copy) and
 * /campaigns/:id/edit for a draft, both over the campaign document and its validator; a draft's
 * publish and delete; a test message to one contact. Every change is an admin's (changeSession).
 */
export function registerCampaignEditor(
  scope: FastifyInstance,
  deps: CampaignEditorDeps,
  ctx: EditorRouteContext,
): void {
  async function showForm(
    request: FastifyRequest,
    reply: FastifyReply,
    session: Session,
    input: {
      form: CampaignForm;
      action: string;
      campaignId?: number;
      errors?: Map<CampaignFormField | 'general', string[]>;
      check?: CampaignCheck;
    },
  ): Promise<FastifyReply> {
    const ui = ctx.uiOf(request);
    const [lists, channels] = await Promise.all([
      listLists(deps.db, { limit: LISTS_OFFERED, offset: 0 }),
      channelChoices(deps),
    ]);
    const errors = input.errors ?? new Map();
    const body = campaignFormPage(ui, {
      form: input.form,
      action: input.action,
      csrf: ctx.csrfToken(session),
      errors,
      lists: lists.items,
      moreLists: lists.total > lists.items.length,
      channels,
      ...(input.campaignId === undefined ? {} : { campaignId: input.campaignId }),
      ...(input.check ? { check: input.check } : {}),
    });
    const title = input.campaignId === undefined ? ui.t('editor.newTitle') : ui.t('editor.editTitle');
    return ctx.send(reply, request, errors.size && !input.check ? 422 : 200, title, body, session);
  }

  /** Saves the posted form through `save`; on a problem, the form again with each at its field. */
  async function saveForm(
    request: FastifyRequest,
    reply: FastifyReply,
    session: Session,
    action: string,
    save: (definition: ReturnType<typeof validateCampaignDefinition>) => Promise<number>,
    campaignId?: number,
  ): Promise<FastifyReply> {
    const body = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const form = campaignFormFrom(body);
    // The Count button: the audience as the form now describes it, counted, nothing saved.
    if (body.get('intent') === 'check') {
      const { check, errors } = await checkCampaignForm(deps, form, deps.clock.now());
      return showForm(request, reply, session, {
        form,
        action,
        ...(campaignId === undefined ? {} : { campaignId }),
        errors,
        check,
      });
    }
    try {
      const definition = validateCampaignDefinition(campaignDocument(form), { now: deps.clock.now() });
      const id = await save(definition);
      return reply.redirect(`/campaigns/${id}`, 303);
    } catch (error) {
      if (!(error instanceof CampaignDefinitionError)) throw error;
      return showForm(request, reply, session, {
        form,
        action,
        errors: errorsByField(error),
        ...(campaignId === undefined ? {} : { campaignId }),
      });
    }
  }

  const saveOptions = () => ({ now: deps.clock.now(), templatesDir: deps.templatesDir });

  scope.get<{ Querystring: { from?: number } }>(
    '/campaigns/new',
    { schema: { querystring: FROM_QUERY } },
    async (request, reply) => {
      const session = await ctx.adminPageSession(request, reply);
      if (session === null) return reply;
      const zone = ctx.uiOf(request).zone;
      let form = blankCampaignForm(zone);
      if (request.query.from !== undefined) {
        const source = await getCampaign(deps.db, request.query.from);
        if (!source) throw new CampaignNotFoundError(request.query.from);
        form = { ...campaignFormOf(source.definition, zone), name: `${source.name} (2)` };
      }
      return showForm(request, reply, session, { form, action: '/campaigns/new' });
    },
  );

  scope.post('/campaigns/new', async (request, reply) => {
    const session = await ctx.changeSession(request, reply);
    if (session === null) return reply;
    return saveForm(request, reply, session, '/campaigns/new', async (definition) => {
      const created = await createCampaign(deps.db, definition, saveOptions());
      return created.id;
    });
  });

  scope.get('/campaigns/:id/edit', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    const session = await ctx.adminPageSession(request, reply);
    if (session === null) return reply;
    const { id } = request.params as { id: number };
    const campaign = await getCampaign(deps.db, id);
    if (!campaign) throw new CampaignNotFoundError(id);
    if (campaign.status !== 'draft') return reply.redirect(`/campaigns/${id}`, 303);
    const form = campaignFormOf(campaign.definition, deps.defaultTimezone ?? 'UTC');
    return showForm(request, reply, session, { form, action: `/campaigns/${id}/edit`, campaignId: id });
  });

  scope.post('/campaigns/:id/edit', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    const session = await ctx.changeSession(request, reply);
    if (session === null) return reply;
    const { id } = request.params as { id: number };
    return saveForm(
      request,
      reply,
      session,
      `/campaigns/${id}/edit`,
      async (definition) => (await replaceDraftCampaign(deps.db, id, definition, saveOptions())).id,
      id,
    );
  });

  scope.post('/campaigns/:id/publish', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    if ((await ctx.changeSession(request, reply)) === null) return reply;
    const { id } = request.params as { id: number };
    try {
      await publishCampaign(deps.db.sql, id, {
        now: deps.clock.now(),
        defaultTimezone: deps.defaultTimezone,
      });
    } catch (error) {
      // A one-shot time that passed while it was a draft: back to the editor, the time marked.
      if (!(error instanceof CampaignDefinitionError)) throw error;
      return reply.redirect(`/campaigns/${id}/edit`, 303);
    }
    return reply.redirect(`/campaigns/${id}`, 303);
  });

  for (const [action, archived] of [
    ['archive', true],
    ['unarchive', false],
  ] as const) {
    scope.post(`/campaigns/:id/${action}`, { schema: { params: ID_PARAMS } }, async (request, reply) => {
      if ((await ctx.changeSession(request, reply)) === null) return reply;
      const { id } = request.params as { id: number };
      await setCampaignArchived(deps.db.sql, id, { archived, now: deps.clock.now() });
      return reply.redirect(`/campaigns/${id}`, 303);
    });
  }

  scope.post('/campaigns/:id/delete', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    if ((await ctx.changeSession(request, reply)) === null) return reply;
    await deleteDraftCampaign(deps.db, (request.params as { id: number }).id);
    return reply.redirect('/', 303);
  });

  scope.post('/campaigns/:id/test-send', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    const session = await ctx.changeSession(request, reply);
    if (session === null) return reply;
    const { id } = request.params as { id: number };
    const ui = ctx.uiOf(request);
    const { t } = ui;
    const phone =
      request.body instanceof URLSearchParams ? (request.body.get('phone') ?? '').slice(0, 40) : '';
    const back = { href: `/campaigns/${id}`, label: t('error.backToCampaign') };
    const answer = (status: number, title: string, message: string) =>
      ctx.send(reply, request, status, title, messagePage(title, message, back), session);
    if (!deps.chat2desk) return answer(503, t('test.title'), t('test.unavailable'));
    try {
      const sent = await sendTestMessage(
        {
          sql: deps.db.sql,
          clock: deps.clock,
          ...deps.chat2desk,
          phoneRegion: deps.phoneRegion,
          ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
        },
        id,
        phone,
      );
      const body = html`<h1>${t('test.sentTitle')}</h1>
<div class="notice" role="status" data-test-send="sent">${t('test.sent', { phone: sent.phone, transport: sent.transport })}</div>
<pre class="message">${sent.text}</pre>
<p><a href="${back.href}">${back.label}</a></p>`;
      return ctx.send(reply, request, 200, t('test.sentTitle'), body, session);
    } catch (error) {
      if (error instanceof ContactNotFoundError)
        return answer(404, t('test.title'), t('test.noContact', { phone }));
      if (error instanceof ContactInputError) return answer(400, t('test.title'), error.message);
      if (error instanceof TestSendRefusedError) {
        const retryAt = typeof error.details.retryAt === 'string' ? ui.timeText(error.details.retryAt) : '';
        const known = { whatsapp_delay: t('test.whatsappDelay', { retryAt }) } as Record<string, string>;
        return answer(409, t('test.title'), known[error.code] ?? error.message);
      }
      throw error;
    }
  });
}
