import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../src/clock.js';
import { stopVocabularyOf } from '../../src/delivery/optOut.js';
import { buildHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('the Chat2Desk web hook receiver', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let baseUrl: string;
  let sandbox: Sandbox;
  const secret = '0123456789abcdef0123456789abcdef0123456789abcdef';
  const clock = new ManualClock('2026-11-27T08:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    app = buildHttpServer({ sql: db.sql, clock, logger: silentLogger, webhookSecret: secret });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    sandbox = await startSandbox({ port: 0, token: 'test-token', clock });
  });
  afterAll(async () => {
    await sandbox?.close();
    await app?.close();
    await db?.drop();
  });

  async function post(path: string, body: string) {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return {
      status: res.status,
      body: (await res.json()) as { error: { code: string } } & Record<string, unknown>,
    };
  }

  it('opts out a contact who replies STOP through the sandbox web hook', async () => {
    const client = sandbox.state.addClient({ phone: '79005550011' });
    const [contact] = await db.sql`
      insert into contacts (phone, opted_in_at, chat2desk_client_id) values ('79005550011', ${clock.now()}, ${client.id})
      returning id`;
    // The sandbox POSTs client messages to the URL set with POST /v1/companies/web_hook.
    const hook = await fetch(`${sandbox.url}/v1/companies/web_hook`, {
      method: 'POST',
      headers: { authorization: 'test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${baseUrl}/webhooks/chat2desk/${secret}` }),
    });
    expect(hook.status).toBe(200);

    await sandbox.clientReply(client.id, 'СТОП');

    const [row] = await db.sql`select opted_out_at, opt_out_reason from contacts where id = ${contact!.id}`;
    expect(row).toEqual({ opted_out_at: clock.now(), opt_out_reason: 'stop_reply' });
    const [event] = await db.sql`select message_type, processed_at from webhook_events`;
    expect(event).toEqual({ message_type: 'from_client', processed_at: clock.now() });
  });

  it('acts on a replayed call only once', async () => {
    const payload = JSON.stringify({
      hook_type: 'inbox',
      message_id: 987,
      type: 'from_client',
      text: 'hello',
      client_id: 1,
    });
    const first = await post(`/webhooks/chat2desk/${secret}`, payload);
    const replay = await post(`/webhooks/chat2desk/${secret}`, payload);

    expect(first.body).toMatchObject({ duplicate: false });
    expect(replay.body).toMatchObject({ duplicate: true });
    const [count] =
      await db.sql`select count(*)::int as n from webhook_events where chat2desk_message_id = 987`;
    expect(count?.n).toBe(1);
  });

  it('opts out by phone a STOP whose Chat2Desk client id no contact knows', async () => {
    const [contact] = await db.sql<{ id: number }[]>`
      insert into contacts (phone, opted_in_at) values ('79005550022', ${clock.now()}) returning id`;
    const payload = JSON.stringify({
      hook_type: 'inbox',
      message_id: 4401,
      type: 'from_client',
      text: 'Стоп',
      client_id: 777_001,
      client: { id: 777_001, phone: '+7 900 555-00-22' },
    });
    const answer = await post(`/webhooks/chat2desk/${secret}`, payload);

    expect(answer.body).toMatchObject({ duplicate: false, optedOut: true });
    const [row] = await db.sql`select opt_out_reason from contacts where id = ${contact!.id}`;
    expect(row?.opt_out_reason).toBe('stop_reply');
  });

  it('applies on its retry a call whose processing failed, instead of taking the retry for a duplicate', async () => {
    const [contact] = await db.sql<{ id: number }[]>`
      insert into contacts (phone, opted_in_at, chat2desk_client_id)
      values ('79005550033', ${clock.now()}, 777002) returning id`;
    // The database refuses the opt-out once, as a failing disk or a lock time-out would (a sequence
    // counts the attempts: it is not rolled back with the failed transaction).
    await db.sql.unsafe(`
      create sequence opt_out_attempts;
      create function refuse_opt_out_once() returns trigger language plpgsql as $$
      begin
        if new.opted_out_at is not null and old.opted_out_at is null and nextval('opt_out_attempts') = 1 then
          raise exception 'the database refused the write';
        end if;
        return new;
      end $$;
      create trigger refuse_opt_out before update on contacts
        for each row execute function refuse_opt_out_once();`);
    const payload = JSON.stringify({
      hook_type: 'inbox',
      message_id: 4402,
      type: 'from_client',
      text: 'STOP',
      client_id: 777_002,
    });

    const failed = await post(`/webhooks/chat2desk/${secret}`, payload);
    expect(failed.status).toBe(500);
    const [recorded] = await db.sql`
      select processed_at, error from webhook_events where chat2desk_message_id = 4402`;
    expect(recorded).toEqual({ processed_at: null, error: 'the database refused the write' });
    expect(
      (await db.sql`select opted_out_at from contacts where id = ${contact!.id}`)[0]?.opted_out_at,
    ).toBeNull();

    // Chat2Desk tries again (10 s later): the database takes it this time, and the STOP is applied.
    const retried = await post(`/webhooks/chat2desk/${secret}`, payload);
    expect(retried.body).toMatchObject({ duplicate: false, optedOut: true });
    const [after] = await db.sql`select opt_out_reason from contacts where id = ${contact!.id}`;
    expect(after?.opt_out_reason).toBe('stop_reply');
    const [event] = await db.sql`
      select processed_at, error from webhook_events where chat2desk_message_id = 4402`;
    expect(event).toEqual({ processed_at: clock.now(), error: null });
    // …and a third delivery of it is a duplicate.
    expect((await post(`/webhooks/chat2desk/${secret}`, payload)).body).toMatchObject({ duplicate: true });
  });

  it('answers a wrong secret with 404 and stores nothing', async () => {
    const before = await db.sql`select count(*)::int as n from webhook_events`;
    const res = await post(
      '/webhooks/chat2desk/not-the-secret',
      '{"type":"from_client","text":"STOP","client_id":1}',
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(await db.sql`select count(*)::int as n from webhook_events`).toEqual(before);
  });

  it('answers malformed JSON with a 400 error envelope', async () => {
    const res = await post(`/webhooks/chat2desk/${secret}`, '{"type": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: 'invalid_json', message: 'the body is not valid JSON', details: {} },
    });
  });

  it('reports health with the database', async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });
});

describe('the web hook receiver with OPT_OUT_KEYWORDS and OPT_OUT_CONFIRMATION_TEXT', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let baseUrl: string;
  const secret = 'fedcba9876543210fedcba9876543210fedcba9876543210';
  const clock = new ManualClock('2026-11-27T08:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    app = buildHttpServer({
      sql: db.sql,
      clock,
      logger: silentLogger,
      webhookSecret: secret,
      stopVocabulary: stopVocabularyOf(['хватит спама']),
      confirmOptOut: true,
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('reads STOP in the configured words and records the confirmation the client is owed', async () => {
    await db.sql`insert into contacts (phone, opted_in_at, chat2desk_client_id) values ('79005550091', now(), 4091)`;
    const reply = (id: number, text: string) =>
      fetch(`${baseUrl}/webhooks/chat2desk/${secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          hook_type: 'inbox',
          message_id: id,
          text,
          transport: 'whatsapp',
          client: { id: 4091 },
        }),
      }).then((res) => res.json() as Promise<{ optedOut: boolean }>);

    expect((await reply(1, 'STOP')).optedOut).toBe(false);
    expect((await reply(2, 'Хватит спама!')).optedOut).toBe(true);
    const confirmations =
      await db.sql`select chat2desk_client_id::int as client, transport from opt_out_confirmations`;
    expect(confirmations).toEqual([{ client: 4091, transport: 'whatsapp' }]);
  });
});
