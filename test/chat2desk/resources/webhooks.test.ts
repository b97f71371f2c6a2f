import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCaller } from '../../../src/chat2desk/apiCaller.js';
import { Chat2DeskNotFoundError, Chat2DeskValidationError } from '../../../src/chat2desk/errors.js';
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  updateWebhook,
} from '../../../src/chat2desk/resources/webhooks.js';
import type { Sandbox } from '../../../src/chat2desk/sandbox/index.js';
import { type ResourceTestbed, startResourceTestbed } from '../../support/sandboxApi.js';

let sandbox: Sandbox;
let api: ApiCaller;
let recording: ResourceTestbed['recording'];
let closeTestbed: ResourceTestbed['close'];

beforeAll(async () => {
  ({ sandbox, api, recording, close: closeTestbed } = await startResourceTestbed());
});
afterEach(async () => {
  sandbox.setOptions({ webhooksApi: true });
  for (const hook of await listWebhooks(api)) await deleteWebhook(api, hook.id);
});
afterAll(() => closeTestbed());

describe('createWebhook and updateWebhook', () => {
  it('send the hook under Chat2Desk’s names, leaving out what is not given', async () => {
    recording.answerWith({ id: 1 });

    await createWebhook(recording.api, { name: 'engine', url: 'https://e.example/h', events: ['inbox'] });
    await updateWebhook(recording.api, 1, { events: ['inbox', 'outbox_status'], channels: [2] });

    expect(recording.requests.slice(-2)).toEqual([
      {
        method: 'POST',
        path: '/v1/webhooks',
        query: {},
        body: { name: 'engine', url: 'https://e.example/h', events: ['inbox'] },
      },
      {
        method: 'PUT',
        path: '/v1/webhooks/1',
        query: {},
        body: { events: ['inbox', 'outbox_status'], channels: [2] },
      },
    ]);
  });

  it('create a hook that is then listed, and change only what is given', async () => {
    const created = await createWebhook(api, {
      name: 'engine',
      url: 'https://engine.example/webhooks/chat2desk/x',
      events: ['inbox'],
    });

    const updated = await updateWebhook(api, created.id, { events: ['inbox', 'outbox'] });

    expect(created).toMatchObject({ name: 'engine', events: ['inbox'], channels: null, status: 'active' });
    expect(updated).toMatchObject({ id: created.id, name: 'engine', events: ['inbox', 'outbox'] });
    expect(await listWebhooks(api)).toEqual([updated]);
  });

  it('are refused for an event Chat2Desk does not know', async () => {
    const error = await createWebhook(api, {
      name: 'engine',
      url: 'https://engine.example/h',
      events: ['inbox', 'everything' as 'inbox'],
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Chat2DeskValidationError);
    expect(error).toMatchObject({ endpoint: 'POST /v1/webhooks' });
  });
});

describe('deleteWebhook', () => {
  it('sets the hook’s URL to null, as the documentation says', async () => {
    recording.answerWith({ id: 3, deleted: true });

    await deleteWebhook(recording.api, 3);

    expect(recording.requests.at(-1)).toEqual({
      method: 'PUT',
      path: '/v1/webhooks/3',
      query: {},
      body: { url: null },
    });
  });

  it('removes the hook, and a second delete finds nothing', async () => {
    const created = await createWebhook(api, {
      name: 'gone',
      url: 'https://engine.example/h',
      events: ['outbox'],
    });

    await deleteWebhook(api, created.id);

    expect(await listWebhooks(api)).toEqual([]);
    await expect(deleteWebhook(api, created.id)).rejects.toBeInstanceOf(Chat2DeskNotFoundError);
  });
});

describe('listWebhooks', () => {
  it('lists none on a new account', async () => {
    expect(await listWebhooks(api)).toEqual([]);
  });

  it('says not found on an account without today’s web hooks', async () => {
    sandbox.setOptions({ webhooksApi: false });

    const error = await listWebhooks(api).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Chat2DeskNotFoundError);
    expect(error).toMatchObject({ endpoint: 'GET /v1/webhooks', httpStatus: 404 });
  });
});
