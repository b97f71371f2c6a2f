import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCaller } from '../../../src/chat2desk/apiCaller.js';
import {
  Chat2DeskNotFoundError,
  Chat2DeskServerError,
  Chat2DeskValidationError,
} from '../../../src/chat2desk/errors.js';
import { createClient, getClientLastQuestion } from '../../../src/chat2desk/resources/clients.js';
import {
  getDialog,
  listDialogs,
  listOperators,
  sendQuestion,
  updateDialog,
} from '../../../src/chat2desk/resources/dialogs.js';
import { sendMessage } from '../../../src/chat2desk/resources/messages.js';
import type { Sandbox } from '../../../src/chat2desk/sandbox/index.js';
import { type ResourceTestbed, startResourceTestbed } from '../../support/sandboxApi.js';

let sandbox: Sandbox;
let api: ApiCaller;
let recording: ResourceTestbed['recording'];
let closeTestbed: ResourceTestbed['close'];
let phones = 0;
const nextPhone = () => `7914000${String(++phones).padStart(4, '0')}`;

beforeAll(async () => {
  ({ sandbox, api, recording, close: closeTestbed } = await startResourceTestbed());
});
afterEach(() => {
  sandbox.setFaults({});
});
afterAll(() => closeTestbed());

/** A client with an open dialog: a message sent to it opens one. */
async function openDialog(): Promise<{ clientId: number; dialogId: number }> {
  const clientId = (await createClient(api, { phone: nextPhone(), transport: 'sms' })).id;
  const sent = await sendMessage(api, { clientId, text: 'Hello' });
  return { clientId, dialogId: sent.dialog_id! };
}

describe('listOperators', () => {
  it('sends each filter under its query name', async () => {
    recording.answerWith([]);

    await listOperators(recording.api, { phone: '79001112233', email: 'a@b.c', online: false, limit: 3 });

    expect(recording.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/v1/operators',
      query: { phone: '79001112233', email: 'a@b.c', online: 'false', limit: '3' },
    });
  });

  it('lists the operators, only those online when asked', async () => {
    const all = await listOperators(api, {});
    const online = await listOperators(api, { online: true });

    expect(all.meta.total).toBe(all.data.length);
    expect(online.data.length).toBeGreaterThan(0);
    expect(online.data.every((operator) => operator.online)).toBe(true);
  });
});

describe('dialogs', () => {
  it('asks for dialogs by operator and state under Chat2Desk’s names', async () => {
    recording.answerWith([]);

    await listDialogs(recording.api, { operatorId: 2, state: 'closed', offset: 40 });

    expect(recording.requests.at(-1)).toMatchObject({
      path: '/v1/dialogs',
      query: { operator_id: '2', state: 'closed', offset: '40' },
    });
  });

  it('closes a dialog, and reopens it handed to an operator', async () => {
    const { dialogId } = await openDialog();

    const closed = await updateDialog(api, dialogId, { state: 'closed' });
    const reopened = await updateDialog(api, dialogId, { state: 'open', operatorId: 2 });

    expect(closed).toMatchObject({ id: dialogId, state: 'closed' });
    expect(closed.end).not.toBeNull();
    expect(reopened).toMatchObject({ id: dialogId, state: 'open', operator_id: 2, end: null });
    expect(await getDialog(api, dialogId)).toMatchObject({ state: 'open', operator_id: 2 });
    expect(
      (await listDialogs(api, { operatorId: 2, state: 'open', limit: 200 })).data.map((d) => d.id),
    ).toContain(dialogId);
  });

  it('sends only what changes, under Chat2Desk’s names', async () => {
    recording.answerWith({ id: 5 });

    await updateDialog(recording.api, 5, { operatorId: 4 });

    expect(recording.requests.at(-1)).toEqual({
      method: 'PUT',
      path: '/v1/dialogs/5',
      query: {},
      body: { operator_id: 4 },
    });
  });

  it('says a missing dialog is not found, and refuses handing one to an unknown operator', async () => {
    const { dialogId } = await openDialog();

    await expect(getDialog(api, 987_654)).rejects.toBeInstanceOf(Chat2DeskNotFoundError);
    await expect(updateDialog(api, dialogId, { operatorId: 9_999 })).rejects.toBeInstanceOf(
      Chat2DeskValidationError,
    );
  });
});

describe('sendQuestion', () => {
  it('is a GET naming the menu item in the path and the client in the query', async () => {
    recording.answerWith({});

    await sendQuestion(recording.api, 4321, 8);
    await sendQuestion(recording.api, 4321, undefined);

    expect(recording.requests.slice(-2)).toEqual([
      { method: 'GET', path: '/v1/questions/4321/send', query: { client_id: '8' }, body: undefined },
      { method: 'GET', path: '/v1/questions/4321/send', query: {}, body: undefined },
    ]);
  });

  it('sends the menu item to the client', async () => {
    const { clientId } = await openDialog();

    await sendQuestion(api, 4323, clientId);

    expect(await getClientLastQuestion(api, clientId)).toMatchObject({ id: 4323 });
  });

  it('counts as acting, though a GET: a failed answer leaves it maybe sent', async () => {
    const { clientId } = await openDialog();
    sandbox.setFaults({ serverErrorRate: 1 });

    const error = await sendQuestion(api, 4321, clientId).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Chat2DeskServerError);
    expect(error).toMatchObject({ endpoint: 'GET /v1/questions/:id/send', ambiguous: true });
  });

  it('says an unknown menu item is not found', async () => {
    const { clientId } = await openDialog();

    await expect(sendQuestion(api, 1, clientId)).rejects.toBeInstanceOf(Chat2DeskNotFoundError);
  });
});
