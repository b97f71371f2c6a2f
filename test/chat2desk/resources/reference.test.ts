import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCaller } from '../../../src/chat2desk/apiCaller.js';
import { Chat2DeskServerError, Chat2DeskValidationError } from '../../../src/chat2desk/errors.js';
import {
  getApiModes,
  getDialogStates,
  getRoles,
  getTransports,
  listChannels,
  listCountries,
  listRegions,
} from '../../../src/chat2desk/resources/reference.js';
import { type ResourceTestbed, startResourceTestbed } from '../../support/sandboxApi.js';

const CHANNELS = [
  { id: 1, name: 'Multi', phone: '79000000001', transports: ['whatsapp', 'sms'] },
  { id: 2, name: 'Viber only', phone: '79000000002', transports: ['viber'] },
];

let api: ApiCaller;
let recording: ResourceTestbed['recording'];
let closeTestbed: ResourceTestbed['close'];

beforeAll(async () => {
  ({ api, recording, close: closeTestbed } = await startResourceTestbed({ channels: CHANNELS }));
});
afterAll(() => closeTestbed());

describe('the help lists', () => {
  it('read the roles, dialog states, transports and API modes', async () => {
    expect(await getRoles(api)).toContain('operator');
    expect(await getDialogStates(api)).toEqual(['open', 'closed']);
    expect((await getTransports(api))['sms']).toBeDefined();
    expect((await getApiModes(api)).map((mode) => mode.name)).toEqual([
      'disabled',
      'demo',
      'normal',
      'unlimited',
    ]);
  });

  it('refuse a roles answer that is not a list, naming the endpoint', async () => {
    recording.answerWith({ roles: ['operator'] });

    const error = await getRoles(recording.api).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Chat2DeskServerError);
    expect(error).toMatchObject({ endpoint: 'GET /v1/help/roles' });
  });
});

describe('listRegions and listCountries', () => {
  it('send the paging as limit and offset, leaving out what is not given', async () => {
    recording.answerWith([]);

    await listRegions(recording.api, { limit: 10, offset: 20 });
    await listCountries(recording.api, {});

    expect(recording.requests.slice(-2).map(({ path, query }) => ({ path, query }))).toEqual([
      { path: '/v1/regions', query: { limit: '10', offset: '20' } },
      { path: '/v1/countries', query: {} },
    ]);
  });

  it('page through the lists, the meta counting them whole', async () => {
    const first = await listCountries(api, { limit: 2, offset: 0 });
    const second = await listCountries(api, { limit: 2, offset: 2 });

    expect(first.data).toHaveLength(2);
    expect(first.meta).toMatchObject({ limit: 2, offset: 0 });
    expect(first.meta.total).toBeGreaterThan(2);
    expect(second.data[0]!.id).not.toBe(first.data[0]!.id);
    expect((await listRegions(api, {})).data[0]).toMatchObject({ id: expect.any(Number) });
  });
});

describe('listChannels', () => {
  it('sends the phone filter with the paging', async () => {
    recording.answerWith([]);

    await listChannels(recording.api, { phone: '79000000002', limit: 5 });

    expect(recording.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/v1/channels',
      query: { phone: '79000000002', limit: '5' },
    });
  });

  it('lists the account’s channels, or the one with the phone', async () => {
    expect((await listChannels(api, {})).data.map((c) => c.id)).toEqual([1, 2]);
    expect((await listChannels(api, { phone: '79000000002' })).data).toEqual([
      { id: 2, name: 'Viber only', phone: '79000000002', transports: ['viber'] },
    ]);
  });

  it('is refused for a phone that is not digits', async () => {
    await expect(listChannels(api, { phone: 'seven' })).rejects.toBeInstanceOf(Chat2DeskValidationError);
  });
});
