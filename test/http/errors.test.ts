import { describe, expect, it } from 'vitest';
import { CampaignNotFoundError, InvalidCampaignTransitionError } from '../../src/campaigns/errors.js';
import { Chat2DeskValidationError } from '../../src/chat2desk/errors.js';
import { BroadcasterError } from '../../src/errors.js';
import {
  errorBody,
  HttpError,
  pathOfPointer,
  RequestValidationError,
  toErrorResponse,
} from '../../src/http/errors.js';
import { TemplateError } from '../../src/templating/templateError.js';

describe('errorBody', () => {
  it('is the one shape of every error answer', () => {
    expect(errorBody('not_found', 'no such thing')).toEqual({
      error: { code: 'not_found', message: 'no such thing', details: {} },
    });
  });
});

describe('pathOfPointer', () => {
  it('turns a JSON pointer into the path a client reads', () => {
    expect(pathOfPointer('/audience/list')).toBe('audience.list');
    expect(pathOfPointer('/phones/2')).toBe('phones[2]');
    expect(pathOfPointer('/0/name')).toBe('[0].name');
    expect(pathOfPointer('/a~1b/c~0d')).toBe('a/b.c~d');
    expect(pathOfPointer('')).toBe('');
  });
});

describe('RequestValidationError', () => {
  it('answers 400 with each problem at its path', () => {
    const error = new RequestValidationError(
      [
        { path: 'audience.list', message: 'unknown list' },
        { path: '', message: 'the body is empty' },
      ],
      'body',
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe('invalid body: audience.list: unknown list; the body is empty');
    expect(error.details).toEqual({
      in: 'body',
      issues: [
        { path: 'audience.list', message: 'unknown list' },
        { path: '', message: 'the body is empty' },
      ],
    });
  });

  it('lists the first 20 problems and counts the rest', () => {
    const issues = Array.from({ length: 25 }, (_, i) => ({ path: `k${i}`, message: 'unknown field' }));
    const error = new RequestValidationError(issues);
    expect(error.message).toMatch(/^invalid request: k0: unknown field; .*k19: unknown field; and 5 more$/);
    expect(error.details['issues']).toHaveLength(20);
    expect(error.details['moreIssues']).toBe(5);
  });
});

describe('toErrorResponse', () => {
  it("words a schema validation failure at the fields' paths, naming where the request was wrong", () => {
    const failure = Object.assign(new Error('body/audience must NOT have additional properties'), {
      validationContext: 'body',
      validation: [
        { instancePath: '/audience', keyword: 'additionalProperties', params: { additionalProperty: 'lst' } },
        { instancePath: '', keyword: 'required', params: { missingProperty: 'name' } },
        { instancePath: '/phones/2', keyword: 'pattern', params: {}, message: 'must match pattern "^\\d+$"' },
      ],
    });
    expect(toErrorResponse(failure)).toEqual({
      status: 400,
      body: errorBody(
        'validation_failed',
        'invalid body: audience.lst: unknown field; name: required; phones[2]: must match pattern "^\\d+$"',
        {
          in: 'body',
          issues: [
            { path: 'audience.lst', message: 'unknown field' },
            { path: 'name', message: 'required' },
            { path: 'phones[2]', message: 'must match pattern "^\\d+$"' },
          ],
        },
      ),
    });
    const query = {
      validationContext: 'querystring',
      validation: [{ instancePath: '/limit', keyword: 'type', params: {} }],
    };
    expect(toErrorResponse(query).body.error.message).toBe('invalid query: limit: type');
    const params = {
      validationContext: 'params',
      validation: [{ instancePath: '/id', keyword: 'type', params: {} }],
    };
    expect(toErrorResponse(params).body.error.details['in']).toBe('path');
  });

  it('answers an HttpError with its own status', () => {
    expect(
      toErrorResponse(new HttpError(401, 'unauthorized', 'a token is needed', { scheme: 'Bearer' })),
    ).toEqual({
      status: 401,
      body: errorBody('unauthorized', 'a token is needed', { scheme: 'Bearer' }),
    });
  });

  it('answers a Chat2Desk failure as a gateway problem, with what Chat2Desk said', () => {
    const error = new Chat2DeskValidationError('Chat2Desk POST /v1/messages: HTTP 400: Wrong phone', {
      endpoint: 'POST /v1/messages',
      httpStatus: 400,
      apiMessage: 'Wrong phone',
    });
    expect(toErrorResponse(error)).toEqual({
      status: 502,
      body: errorBody(
        'chat2desk_validation',
        'Chat2Desk POST /v1/messages: HTTP 400: Wrong phone',
        error.details,
      ),
    });
  });

  it("reports a template's problem at the template field, or at its file", () => {
    const inline = toErrorResponse(new TemplateError('unknown helper "shout"', { line: 2, column: 1 }));
    expect(inline.status).toBe(400);
    expect(inline.body.error).toEqual({
      code: 'template_invalid',
      message: 'template: line 2, column 1: unknown helper "shout"',
      details: {
        line: 2,
        column: 1,
        file: null,
        issues: [{ path: 'template', message: 'template: line 2, column 1: unknown helper "shout"' }],
      },
    });
    const file = toErrorResponse(new TemplateError('cannot read', { file: 'reminder.hbs' }));
    expect(file.body.error.details['issues']).toEqual([
      { path: 'template.file', message: 'template reminder.hbs: cannot read' },
    ]);
  });

  it("answers an engine error by its code's status, in the API's vocabulary", () => {
    expect(toErrorResponse(new CampaignNotFoundError(7))).toEqual({
      status: 404,
      body: errorBody('campaign_not_found', 'campaign 7 does not exist', { campaignId: 7 }),
    });
    const transition = toErrorResponse(new InvalidCampaignTransitionError(7, 'completed', 'running'));
    expect(transition.status).toBe(409);
    expect(transition.body.error.code).toBe('invalid_transition');
    expect(toErrorResponse(new BroadcasterError('quota_guard', 'paused')).status).toBe(503);
    expect(toErrorResponse(new BroadcasterError('message_too_long', 'too long')).status).toBe(422);
    expect(toErrorResponse(new BroadcasterError('something_new', 'refused')).status).toBe(400);
  });

  it('reduces error details to plain JSON', () => {
    const error = new BroadcasterError('no_consent', 'no opt-in', {
      at: new Date('2026-11-27T07:00:00Z'),
      skip: undefined,
    });
    expect(toErrorResponse(error).body.error.details).toEqual({ at: '2026-11-27T07:00:00.000Z' });
  });

  it('answers 503 when the database does not answer, saying nothing of the cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toErrorResponse(refused)).toEqual({
      status: 503,
      body: errorBody('database_unavailable', 'the database does not answer; try again in a moment'),
    });
  });

  it('answers a PostgreSQL refusal the client caused without its text, which may hold stored data', () => {
    const duplicate = Object.assign(
      new Error('duplicate key value violates unique constraint "contacts_phone_key"'),
      {
        code: '23505',
        severity: 'ERROR',
      },
    );
    expect(toErrorResponse(duplicate)).toEqual({
      status: 409,
      body: errorBody('conflict', 'the request conflicts with stored data'),
    });
    const badValue = Object.assign(new Error('invalid input syntax for type integer: "x"'), {
      code: '22P02',
      severity: 'ERROR',
    });
    expect(toErrorResponse(badValue)).toEqual({
      status: 400,
      body: errorBody('invalid_value', 'a value is not valid for its field'),
    });
  });

  it("words Fastify's own 4xx errors in the API's codes", () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(toErrorResponse(tooLarge)).toEqual({
      status: 413,
      body: errorBody('body_too_large', 'Request body is too large'),
    });
    const other = Object.assign(new Error('Not acceptable'), {
      statusCode: 406,
      code: 'FST_ERR_NOT_ACCEPTABLE',
    });
    expect(toErrorResponse(other).body.error.code).toBe('not_acceptable');
    expect(toErrorResponse(Object.assign(new Error('Bad'), { statusCode: 400 })).body.error.code).toBe(
      'bad_request',
    );
  });

  it('never shows the message of anything else: an internal error', () => {
    const internal = { status: 500, body: errorBody('internal_error', 'internal error') };
    expect(toErrorResponse(new Error('password=hunter2 at /srv/app'))).toEqual(internal);
    expect(toErrorResponse(Object.assign(new Error('upstream'), { statusCode: 503 }))).toEqual({
      status: 503,
      body: errorBody('internal_error', 'internal error'),
    });
    expect(toErrorResponse(Object.assign(new Error('no severity'), { code: '23505' }))).toEqual(internal);
    expect(toErrorResponse('a string')).toEqual(internal);
    expect(toErrorResponse(null)).toEqual(internal);
  });
});
