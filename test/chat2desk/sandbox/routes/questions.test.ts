import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { QUESTIONS } from '../../../../src/chat2desk/sandbox/referenceData.js';
import { api, createClient } from '../../../support/sandboxApi.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

describe('GET /v1/questions/<id>/send', () => {
  it('sends the menu item as a to_client message in a newly opened dialog and answers the ids', async () => {
    const clientId = await createClient(sb, '79310001122', 'sms');
    const res = await api(sb, 'GET', `/v1/questions/4323/send?client_id=${clientId}`);
    const [message] = sb.state.messagesTo(clientId);
    expect(res.body).toEqual({
      data: { question_id: 4323, client_id: clientId, message_id: message!.id },
      status: 'success',
    });
    expect(message).toMatchObject({ type: 'to_client', text: QUESTIONS[2]!.text, transport: 'sms' });
    expect(message!.dialogId).toBe(sb.state.client(clientId)!.openDialog?.id);
  });

  it('answers 404 for an unknown question before looking at the client', async () => {
    const res = await api(sb, 'GET', '/v1/questions/9999/send');
    expect(res).toEqual({ status: 404, body: { status: 'error', message: 'Question 9999 not found' } });
  });

  it('requires client_id, naming it', async () => {
    const missing = await api(sb, 'GET', '/v1/questions/4321/send');
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('client_id: is required');
    const bad = await api(sb, 'GET', '/v1/questions/4321/send?client_id=abc');
    expect(bad.body.message).toBe('client_id: must be a non-negative integer');
  });

  it('refuses an unknown client and records nothing', async () => {
    const res = await api(sb, 'GET', '/v1/questions/4321/send?client_id=999999');
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('client_id: client 999999 not found');
    expect(sb.state.messages).toEqual([]);
  });

  it('records each question sent, the last one answered by last_question', async () => {
    const clientId = await createClient(sb, '79310001122', 'sms');
    await api(sb, 'GET', `/v1/questions/4321/send?client_id=${clientId}`);
    await api(sb, 'GET', `/v1/questions/4323/send?client_id=${clientId}`);
    expect(sb.state.client(clientId)!.questionsSent.map((q) => q.question.id)).toEqual([4321, 4323]);
    const last = await api(sb, 'GET', `/v1/clients/${clientId}/last_question`);
    expect(last.body.data).toEqual({ id: 4323, text: QUESTIONS[2]!.text, image: null });
  });

  it('answers only GET', async () => {
    const clientId = await createClient(sb, '79310001122', 'sms');
    expect((await api(sb, 'POST', `/v1/questions/4321/send?client_id=${clientId}`)).status).toBe(404);
  });
});
