import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCaller } from '../../../src/chat2desk/apiCaller.js';
import { Chat2DeskNotFoundError, Chat2DeskValidationError } from '../../../src/chat2desk/errors.js';
import {
  createClient,
  findClientByPhone,
  getClient,
  getClientDialogs,
  getClientLastQuestion,
  getClientQuestions,
  getClientTransports,
  listClients,
  updateClient,
} from '../../../src/chat2desk/resources/clients.js';
import { type ResourceTestbed, startResourceTestbed } from '../../support/sandboxApi.js';

let api: ApiCaller;
let recording: ResourceTestbed['recording'];
let closeTestbed: ResourceTestbed['close'];
let phones = 0;
const nextPhone = () => `7912000${String(++phones).padStart(4, '0')}`;

beforeAll(async () => {
  ({ api, recording, close: closeTestbed } = await startResourceTestbed());
});
afterAll(() => closeTestbed());

describe('createClient', () => {
  it('puts phone, transport and channel in the query string of a POST, with no body', async () => {
    recording.answerWith({ id: 5, phone: '79120000001' });

    await createClient(recording.api, { phone: '79120000001', transport: 'viber', channelId: 2 });
    await createClient(recording.api, { phone: '79120000002', transport: 'sms' });

    expect(recording.requests.slice(-2)).toEqual([
      {
        method: 'POST',
        path: '/v1/clients',
        query: { phone: '79120000001', transport: 'viber', channel_id: '2' },
        body: undefined,
      },
      {
        method: 'POST',
        path: '/v1/clients',
        query: { phone: '79120000002', transport: 'sms' },
        body: undefined,
      },
    ]);
  });

  it('creates a client on the transport, and gives an existing phone the transport under the same id', async () => {
    const phone = nextPhone();

    const created = await createClient(api, { phone, transport: 'sms', channelId: 1 });
    const again = await createClient(api, { phone, transport: 'whatsapp', channelId: 1 });

    expect(created).toMatchObject({ phone, assigned_name: null });
    expect(again.id).toBe(created.id);
    expect(await getClientTransports(api, created.id)).toEqual([
      { channel_id: 1, transports: ['sms', 'whatsapp'] },
    ]);
  });

  it('is refused for a phone Chat2Desk cannot take', async () => {
    const error = await createClient(api, { phone: '+7 912', transport: 'sms' }).catch((e) => e);

    expect(error).toBeInstanceOf(Chat2DeskValidationError);
    expect(error.endpoint).toBe('POST /v1/clients');
  });
});

describe('findClientByPhone', () => {
  it('finds the client with the phone, or null', async () => {
    const phone = nextPhone();
    const created = await createClient(api, { phone, transport: 'sms' });

    expect((await findClientByPhone(api, phone))?.id).toBe(created.id);
    expect(await findClientByPhone(api, '79129999999')).toBeNull();
  });

  it('reads the answer whether the service gives a list or a single client', async () => {
    recording.answerWith([{ id: 11, phone: '79120000011' }, { id: 12 }]);
    expect(await findClientByPhone(recording.api, '79120000011')).toEqual({ id: 11, phone: '79120000011' });

    recording.answerWith({ id: 13, phone: '79120000013' });
    expect(await findClientByPhone(recording.api, '79120000013')).toEqual({ id: 13, phone: '79120000013' });

    recording.answerWith([]);
    expect(await findClientByPhone(recording.api, '79120000014')).toBeNull();

    recording.answerWith(null);
    expect(await findClientByPhone(recording.api, '79120000015')).toBeNull();
    expect(recording.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/v1/clients',
      query: { phone: '79120000015' },
    });
  });
});

describe('reading clients', () => {
  it('lists clients a page at a time', async () => {
    await createClient(api, { phone: nextPhone(), transport: 'sms' });
    await createClient(api, { phone: nextPhone(), transport: 'sms' });

    const first = await listClients(api, { limit: 1, offset: 0 });
    const second = await listClients(api, { limit: 1, offset: 1 });

    expect(first.data).toHaveLength(1);
    expect(first.meta).toMatchObject({ limit: 1, offset: 0 });
    expect(second.data[0]!.id).not.toBe(first.data[0]!.id);
  });

  it('reads one client, and says a missing one is not found', async () => {
    const created = await createClient(api, { phone: nextPhone(), transport: 'sms' });

    expect(await getClient(api, created.id)).toMatchObject({ id: created.id, phone: created.phone });
    await expect(getClient(api, 987_654)).rejects.toBeInstanceOf(Chat2DeskNotFoundError);
  });

  it('reads a client’s dialogs and menu items, none for a new client', async () => {
    const created = await createClient(api, { phone: nextPhone(), transport: 'sms' });

    expect((await getClientDialogs(api, created.id, {})).data).toEqual([]);
    expect(await getClientLastQuestion(api, created.id)).toBeNull();
    expect((await getClientQuestions(api, created.id, {})).data).toEqual([]);
  });

  it('asks for menu items within whole UTC days', async () => {
    recording.answerWith([]);

    await getClientQuestions(recording.api, 7, {
      startDate: new Date('2026-11-01T23:30:00Z'),
      finishDate: new Date('2026-11-03T00:10:00Z'),
    });

    expect(recording.requests.at(-1)).toEqual({
      method: 'GET',
      path: '/v1/clients/7/questions',
      query: { start_date: '01-11-2026', finish_date: '03-11-2026' },
      body: undefined,
    });
  });
});

describe('updateClient', () => {
  it('sends the fields under Chat2Desk’s names, leaving out those not given and sending null to clear', async () => {
    recording.answerWith({ id: 9 });

    await updateClient(recording.api, 9, { nickname: null, extraComment2: 'two' });

    expect(recording.requests.at(-1)).toEqual({
      method: 'PUT',
      path: '/v1/clients/9',
      query: {},
      body: { nickname: null, extra_comment_2: 'two' },
    });
  });

  it('sets the assigned name and comments, and clears the name with null', async () => {
    const created = await createClient(api, { phone: nextPhone(), transport: 'sms' });

    await updateClient(api, created.id, { nickname: 'Peter', comment: 'VIP', extraComment3: 'three' });
    await updateClient(api, created.id, { nickname: null });

    expect(await getClient(api, created.id)).toMatchObject({
      assigned_name: null,
      comment: 'VIP',
      extra_comment_3: 'three',
    });
  });
});
