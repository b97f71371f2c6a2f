import type { FastifyInstance } from 'fastify';
import {
  type Consent,
  ContactNotFoundError,
  type ContactPatch,
  createContact,
  deleteContact,
  getContact,
  listContacts,
  setConsent,
  updateContact,
} from '../../contacts/contacts.js';
import { optOutContact } from '../../delivery/optOut.js';
import type { ApiDeps } from './deps.js';
import { type IdParams, idParams, isoTimeSchema, type Paging, page, pagingProperties } from './schemas.js';

const TAGS = ['contacts'];

const nullableText = { type: ['string', 'null'], maxLength: 1000 } as const;
const attributesSchema = {
  type: 'object',
  description: 'Template variables of the contact (every extra CSV column is one)',
  additionalProperties: true,
} as const;
const consentSource = { type: 'string', minLength: 1, maxLength: 200 } as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['phone'],
  properties: {
    phone: {
      type: 'string',
      minLength: 1,
      maxLength: 40,
      description: 'Digits with the country code; +, spaces, dashes and brackets tolerated',
    },
    name: nullableText,
    timezone: { ...nullableText, description: 'IANA time zone, e.g. Europe/Moscow' },
    attributes: attributesSchema,
    optIn: {
      type: 'object',
      additionalProperties: false,
      required: ['source'],
      properties: { source: consentSource, at: isoTimeSchema },
    },
  },
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    phone: createBody.properties.phone,
    name: nullableText,
    timezone: createBody.properties.timezone,
    attributes: {
      ...attributesSchema,
      description: 'Merged into the stored attributes; a key set to null is removed',
    },
  },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pagingProperties,
    list: { type: 'string', minLength: 1, description: 'Only members of the list with this name' },
    consent: { type: 'string', enum: ['opted_in', 'opted_out', 'none'] },
    search: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'Phone prefix (digits) or part of the name',
    },
  },
} as const;

interface CreateBody {
  phone: string;
  name?: string | null;
  timezone?: string | null;
  attributes?: Record<string, unknown>;
  optIn?: { source: string; at?: string };
}

/** Contacts: CRUD, and consent (opt-in with source and time; opt-out with a reason). */
export function registerContactRoutes(api: FastifyInstance, deps: ApiDeps): void {
  const { db, clock, phoneRegion } = deps;

  api.get<{ Querystring: Paging & { list?: string; consent?: Consent; search?: string } }>(
    '/contacts',
    { schema: { tags: TAGS, summary: 'List contacts', querystring: listQuery } },
    async (request) => {
      const { limit, offset, ...filters } = request.query;
      return page(await listContacts(db, { limit, offset, ...filters, phoneRegion }), { limit, offset });
    },
  );

  api.post<{ Body: CreateBody }>(
    '/contacts',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a contact',
        description: 'A phone already known is a 409 contact_exists naming the existing contact.',
        body: createBody,
      },
    },
    async (request, reply) => {
      const { optIn, ...fields } = request.body;
      const contact = await createContact(
        db,
        {
          ...fields,
          ...(optIn
            ? { optIn: { source: optIn.source, ...(optIn.at ? { at: new Date(optIn.at) } : {}) } }
            : {}),
        },
        { now: clock.now(), phoneRegion },
      );
      return reply.status(201).header('location', `/api/v1/contacts/${contact.id}`).send(contact);
    },
  );

  api.get<{ Params: IdParams }>(
    '/contacts/:id',
    { schema: { tags: TAGS, summary: 'A contact', params: idParams } },
    async (request) => {
      const contact = await getContact(db, request.params.id);
      if (!contact) throw new ContactNotFoundError({ contactId: request.params.id });
      return contact;
    },
  );

  api.patch<{ Params: IdParams; Body: ContactPatch }>(
    '/contacts/:id',
    { schema: { tags: TAGS, summary: 'Change some fields of a contact', params: idParams, body: patchBody } },
    async (request) => updateContact(db, request.params.id, request.body, { now: clock.now(), phoneRegion }),
  );

  api.delete<{ Params: IdParams }>(
    '/contacts/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a contact that no campaign has reached',
        description:
          'A contact with deliveries is part of campaign reports: 409 contact_has_deliveries; opt it out.',
        params: idParams,
      },
    },
    async (request, reply) => {
      await deleteContact(db, request.params.id);
      return reply.status(204).send();
    },
  );

  api.post<{ Params: IdParams; Body: { source: string; at?: string } }>(
    '/contacts/:id/opt-in',
    {
      schema: {
        tags: TAGS,
        summary: 'Record consent, with its source and time (default now)',
        description: 'A renewed consent lifts an earlier opt-out.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['source'],
          properties: { source: consentSource, at: isoTimeSchema },
        },
      },
    },
    async (request) => {
      const now = clock.now();
      const at = request.body.at ? new Date(request.body.at) : now;
      return setConsent(db, request.params.id, { optedIn: true, source: request.body.source, at }, { now });
    },
  );

  api.post<{ Params: IdParams; Body: { reason: string } }>(
    '/contacts/:id/opt-out',
    {
      schema: {
        tags: TAGS,
        summary: 'Opt out: every message not yet sent to the contact is skipped at once',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: { reason: consentSource },
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const result = await optOutContact(
        db.sql,
        { contactId: id },
        { reason: request.body.reason, now: clock.now() },
      );
      if (result.contactIds.length === 0) throw new ContactNotFoundError({ contactId: id });
      return { contact: await getContact(db, id), deliveriesSkipped: result.deliveriesSkipped };
    },
  );
}
