import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../http/apiServer.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';

/**
 * One number, however it is written, is one contact on every surface that takes a phone: the CSV
 * import, the HTTP API (contacts, search, list members, appointments), the preview, the test send
 * and a STOP arriving by web hook. Numbers are any that libphonenumber-js accepts as Russian.
 */
const MINUTE = 60_000;

let h: EngineHarness;
let server: ApiServer;
let campaignId: number;
let listId: number;

beforeAll(async () => {
  h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
  const { client, gate } = await h.addWorker();
  server = await startApiServer(h.db, {
    clock: h.clock,
    phoneRegion: 'RU',
    chat2desk: { client, gate, whatsappDelayMs: 7 * MINUTE },
  });
  const list = await server.call<{ id: number }>('POST', '/api/v1/lists', { json: { name: 'everyone' } });
  listId = list.body.id;
  const created = await server.call<{ id: number }>('POST', '/api/v1/campaigns', {
    json: {
      name: 'Surfaces',
      kind: 'broadcast',
      transport: 'sms',
      channelId: 1,
      template: 'Hello {{name}}',
      audience: { list: 'everyone' },
      schedule: { at: new Date(h.clock.now().getTime() + 3_600_000).toISOString() },
      purpose: 'transactional',
    },
  });
  campaignId = created.body.id;
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

/** Russian numbers libphonenumber-js takes as valid, as their ten national digits. */
const russianNumber = fc
  .tuple(fc.constantFrom('9', '4', '8', '3'), fc.stringMatching(/^\d{9}$/))
  .map(([first, rest]) => `${first}${rest}`)
  .filter((national) => parsePhoneNumberFromString(`+7${national}`)?.isValid() === true);

/** The ways people write one number in a Russian file or form. */
const WRITINGS: Array<(n: string) => string> = [
  (n) => n,
  (n) => `8${n}`,
  (n) => `7${n}`,
  (n) => `+7${n}`,
  (n) => `8 (${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8)}`,
  (n) => `+7 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6, 8)} ${n.slice(8)}`,
  (n) => `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8)}`,
  (n) => `+7 (${n.slice(0, 3)}) ${n.slice(3, 6)}\u2013${n.slice(6, 8)}\u2013${n.slice(8)}`,
  (n) => `8\u00a0${n.slice(0, 3)}\u00a0${n.slice(3, 6)}\u00a0${n.slice(6)}`,
  (n) => ` ${n.slice(0, 3)}.${n.slice(3, 6)}.${n.slice(6)} `,
];
const writing = fc.nat(WRITINGS.length - 1).map((i) => WRITINGS[i]!);

/** How Chat2Desk gives a client's phone: digits with the country code (REFERENCE.md), perhaps with a +. */
const CHAT2DESK_WRITINGS: Array<(n: string) => string> = [(n) => `7${n}`, (n) => `+7${n}`, WRITINGS[5]!];

describe('a Russian number, written any way, on every surface', () => {
  it('is one contact with the same E.164 digits wherever it comes in', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        russianNumber,
        writing,
        writing,
        writing,
        fc.nat(2),
        async (national, first, second, third, c) => {
          fc.pre(!seen.has(national));
          seen.add(national);
          const e164 = `7${national}`;

          // Created through the API, written one way…
          const created = await server.call<{ id: number; phone: string }>('POST', '/api/v1/contacts', {
            json: { phone: first(national), name: `Contact ${national}` },
          });
          expect(created.status, JSON.stringify(created.body)).toBe(201);
          expect(created.body.phone).toBe(e164);
          const id = created.body.id;

          // …found, listed, booked and imported written another.
          const found = await server.call<{ items: Array<{ id: number }> }>(
            'GET',
            `/api/v1/contacts?search=${encodeURIComponent(second(national))}`,
          );
          expect(found.body.items.map((c) => c.id)).toEqual([id]);
          const listed = await server.call<{ added: number[] }>('POST', `/api/v1/lists/${listId}/members`, {
            json: { phones: [third(national)] },
          });
          expect(listed.status, JSON.stringify(listed.body)).toBe(200);
          const booked = await server.call<{ contactId: number; phone: string }>(
            'POST',
            '/api/v1/appointments',
            {
              json: {
                externalId: `visit-${national}`,
                phone: second(national),
                startsAt: '2026-12-24T10:00:00+03:00',
              },
            },
          );
          expect(booked.body).toMatchObject({ contactId: id, phone: e164 });
          const imported = await server.call<{ inserted: number; updated: number; rejected: number }>(
            'POST',
            '/api/v1/contacts/import',
            { body: `phone,city\n"${third(national)}",Tver\n`, contentType: 'text/csv' },
          );
          expect(imported.body).toMatchObject({ inserted: 0, updated: 1, rejected: 0 });

          // The preview and the test send find the same contact, and Chat2Desk gets the same digits.
          const preview = await server.call<{ contact: { id: number } }>(
            'GET',
            `/api/v1/campaigns/${campaignId}/preview?phone=${encodeURIComponent(third(national))}`,
          );
          expect(preview.body.contact.id).toBe(id);
          const sent = await server.call<{ contactId: number; phone: string; chat2deskClientId: string }>(
            'POST',
            `/api/v1/campaigns/${campaignId}/test-send`,
            { json: { phone: first(national) } },
          );
          expect(sent.status, JSON.stringify(sent.body)).toBe(200);
          expect(sent.body).toMatchObject({ contactId: id, phone: e164 });
          expect(h.sandbox.state.client(Number(sent.body.chat2deskClientId))?.phone).toBe(e164);

          // A STOP from a Chat2Desk client the engine never saw, matched by its phone.
          const stop = await fetch(`${server.url}/webhooks/chat2desk/webhook-secret`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              hook_type: 'inbox',
              type: 'from_client',
              message_id: Number(national),
              text: 'СТОП',
              client: {
                id: 900_000_000 + Number(national.slice(-6)),
                phone: CHAT2DESK_WRITINGS[c]!(national),
              },
            }),
          });
          expect(await stop.json()).toMatchObject({ optedOut: true });
          const [contact] = await h.db.sql`
          select count(*)::int as contacts, bool_and(opted_out_at is not null) as opted_out
          from contacts where phone = ${e164}`;
          expect(contact).toEqual({ contacts: 1, opted_out: true });
        },
      ),
      { numRuns: 25 },
    );
  });
});
