import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** schema.prisma read just far enough to say which column each field needs. */
interface SchemaField {
  model: string;
  table: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
}

const SCALAR_COLUMN_TYPES: Record<string, string> = {
  Int: 'integer',
  BigInt: 'bigint',
  String: 'text',
  Boolean: 'boolean',
  Float: 'double precision',
  Json: 'jsonb',
  DateTime: 'timestamp with time zone',
};

async function readSchema(): Promise<{
  fields: SchemaField[];
  enums: Map<string, { dbName: string; values: string[] }>;
}> {
  const text = await readFile(join(MIGRATIONS_DIR, '..', 'schema.prisma'), 'utf8');
  const enums = new Map<string, { dbName: string; values: string[] }>();
  for (const [, name, body] of text.matchAll(/^enum (\w+) \{$([\s\S]*?)^\}/gm)) {
    const values = [...body!.matchAll(/^\s+(\w+)\s*$/gm)].map((m) => m[1]!);
    const dbName = /@@map\("(\w+)"\)/.exec(body!)?.[1] ?? name!;
    enums.set(name!, { dbName, values });
  }
  const fields: SchemaField[] = [];
  for (const [, model, body] of text.matchAll(/^model (\w+) \{$([\s\S]*?)^\}/gm)) {
    const table = /@@map\("(\w+)"\)/.exec(body!)?.[1] ?? model!;
    for (const [, name, type, modifier, attributes] of body!.matchAll(/^\s+(\w+)\s+(\w+)(\?|\[\])?(.*)$/gm)) {
      const isScalar = type! in SCALAR_COLUMN_TYPES || enums.has(type!);
      if (!isScalar) continue; // a relation field: no column of its own
      fields.push({
        model: model!,
        table,
        column: /@map\("(\w+)"\)/.exec(attributes!)?.[1] ?? name!,
        type: type!,
        optional: modifier === '?',
        list: modifier === '[]',
      });
    }
  }
  return { fields, enums };
}

describe('schema.prisma and the migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('describe the same tables and columns, with the same types and nullability', async () => {
    const { fields, enums } = await readSchema();
    const columns = await db.sql<
      { table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }[]
    >`select table_name, column_name, data_type, udt_name, is_nullable from information_schema.columns
      where table_schema = 'public' and table_name <> '_prisma_migrations'`;
    const actual = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c]));
    // Guards the parser above: every table is modelled, so an empty parse cannot pass.
    expect(new Set(fields.map((f) => f.table))).toEqual(new Set(columns.map((c) => c.table_name)));

    const expected = new Set<string>();
    for (const field of fields) {
      const key = `${field.table}.${field.column}`;
      expected.add(key);
      const column = actual.get(key);
      expect(column, `${field.model}.${field.column} has no column ${key}`).toBeDefined();
      const enumType = enums.get(field.type);
      if (field.list) {
        expect(column!.data_type, key).toBe('ARRAY');
        expect(column!.udt_name, key).toBe(`_${field.type === 'String' ? 'text' : 'int4'}`);
      } else if (enumType) {
        expect(column!.udt_name, key).toBe(enumType.dbName);
      } else if (field.type === 'DateTime' && field.column === 'month') {
        expect(column!.data_type, key).toBe('date'); // @db.Date
      } else {
        expect(column!.data_type, key).toBe(SCALAR_COLUMN_TYPES[field.type]);
      }
      // Prisma lists are nullable columns in PostgreSQL; everything else follows the `?`.
      if (!field.list) expect(column!.is_nullable === 'YES', `${key} nullability`).toBe(field.optional);
    }
    const unmodelled = [...actual.keys()].filter((k) => !expected.has(k));
    expect(unmodelled, 'columns the migrations make but schema.prisma does not model').toEqual([]);

    for (const { dbName, values } of enums.values()) {
      const labels = await db.sql<{ enumlabel: string }[]>`
        select e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid
        where t.typname = ${dbName} order by e.enumsortorder`;
      expect(
        labels.map((l) => l.enumlabel),
        `enum ${dbName}`,
      ).toEqual(values);
    }
  });

  it('let the generated client create, read, update and delete every model', async () => {
    const p = db.prisma;
    const at = new Date('2026-11-27T07:00:00.000Z');

    const contact = await p.contact.create({
      data: {
        phone: '79990001122',
        name: 'Анна',
        timezone: 'Europe/Moscow',
        attributes: { firstName: 'Анна', discount: 15 },
        optedInAt: at,
        optInSource: 'import',
        chat2deskClientId: 9_000_000_001n,
        chat2deskTransports: ['whatsapp', 'viber'],
        chat2deskWhatsappAddedAt: at,
      },
    });
    expect(await p.contact.findUniqueOrThrow({ where: { phone: '79990001122' } })).toMatchObject({
      attributes: { firstName: 'Анна', discount: 15 },
      chat2deskClientId: 9_000_000_001n,
      chat2deskTransports: ['whatsapp', 'viber'],
    });

    const list = await p.contactList.create({
      data: { name: 'vip', members: { create: { contactId: contact.id } } },
    });
    expect(await p.listMember.count({ where: { listId: list.id } })).toBe(1);

    const campaign = await p.campaign.create({
      data: {
        name: 'Black Friday',
        kind: 'broadcast',
        status: 'scheduled',
        transport: 'whatsapp',
        channelId: 1,
        definition: { name: 'Black Friday', audience: { list: 'vip' } },
        templateSource: 'Hi {{firstName}}',
        listId: list.id,
        scheduleAt: at,
        nextRunAt: at,
        sendWindow: { from: '09:00', to: '21:00' },
        rateLimitPerSecond: 5,
        reminderOffsets: [-86_400, -7_200],
      },
    });
    const run = await p.campaignRun.create({ data: { campaignId: campaign.id, scheduledFor: at } });
    await expect(
      p.campaignRun.create({ data: { campaignId: campaign.id, scheduledFor: at } }),
    ).rejects.toThrow(/Unique constraint/);

    const appointment = await p.appointment.create({
      data: { externalId: 'A-1', contactId: contact.id, startsAt: at, attributes: { doctor: 'Иванов' } },
    });
    const delivery = await p.delivery.create({
      data: {
        runId: run.id,
        campaignId: campaign.id,
        contactId: contact.id,
        appointmentId: appointment.id,
        reminderKey: `${appointment.id}:-7200`,
        dueAt: at,
        nextAttemptAt: at,
        transport: 'whatsapp',
        queuedAt: at,
      },
    });
    const event = await p.deliveryEvent.create({
      data: {
        deliveryId: delivery.id,
        runId: run.id,
        fromState: null,
        toState: 'queued',
        at,
        details: { by: 'test' },
      },
    });
    await p.apiUsage.create({
      data: { month: new Date('2026-11-01'), requestsCounted: 3, apiMode: 'normal' },
    });
    await p.webhookEvent.create({
      data: { dedupeKey: 'message:1', hookType: 'inbox', payload: { text: 'STOP' }, receivedAt: at },
    });
    await p.rateLimiter.create({ data: { name: 'chat2desk' } });

    // update
    await p.contact.update({
      where: { id: contact.id },
      data: { optedOutAt: at, optOutReason: 'stop_keyword' },
    });
    await p.contactList.update({ where: { id: list.id }, data: { description: 'best clients' } });
    await p.listMember.update({
      where: { listId_contactId: { listId: list.id, contactId: contact.id } },
      data: { addedAt: at },
    });
    await p.campaign.update({
      where: { id: campaign.id },
      data: { status: 'paused', statusReason: 'quota_guard' },
    });
    await p.campaignRun.update({ where: { id: run.id }, data: { status: 'running', expandedAt: at } });
    const deliveryKey = { id_runId: { id: delivery.id, runId: run.id } };
    const sent = await p.delivery.update({
      where: deliveryKey,
      data: {
        state: 'sent',
        sentAt: at,
        chat2deskMessageId: 123_456_789_012n,
        renderedText: 'Hi Анна',
        attempts: 1,
      },
    });
    expect(sent).toMatchObject({ state: 'sent', chat2deskMessageId: 123_456_789_012n });
    await p.appointment.update({ where: { id: appointment.id }, data: { status: 'rescheduled' } });
    await p.apiUsage.update({ where: { month: new Date('2026-11-01') }, data: { requestsReported: 5 } });
    await p.webhookEvent.update({ where: { dedupeKey: 'message:1' }, data: { processedAt: at } });
    const limiter = await p.rateLimiter.update({
      where: { name: 'chat2desk' },
      data: { theoreticalArrivalMs: 1_795_000_000_000.5 },
    });
    expect(limiter.theoreticalArrivalMs).toBe(1_795_000_000_000.5);

    // read back across relations
    const full = await p.delivery.findUniqueOrThrow({
      where: deliveryKey,
      include: { events: true, contact: true, run: { include: { campaign: true } }, appointment: true },
    });
    expect(full.events.map((e) => e.id)).toEqual([event.id]);
    expect(full.contact.optOutReason).toBe('stop_keyword');
    expect(full.run.campaign.statusReason).toBe('quota_guard');
    expect(full.appointment?.status).toBe('rescheduled');

    // delete, children first where the schema restricts
    await p.deliveryEvent.delete({ where: { id_runId: { id: event.id, runId: run.id } } });
    await p.delivery.delete({ where: deliveryKey });
    await p.appointment.delete({ where: { id: appointment.id } });
    await p.campaignRun.delete({ where: { id: run.id } });
    await p.campaign.delete({ where: { id: campaign.id } });
    await p.listMember.delete({ where: { listId_contactId: { listId: list.id, contactId: contact.id } } });
    await p.contactList.delete({ where: { id: list.id } });
    await p.contact.delete({ where: { id: contact.id } });
    await p.apiUsage.delete({ where: { month: new Date('2026-11-01') } });
    await p.webhookEvent.delete({ where: { dedupeKey: 'message:1' } });
    await p.rateLimiter.delete({ where: { name: 'chat2desk' } });
    expect(await p.contact.count()).toBe(0);
    expect(await p.webhookEvent.count()).toBe(0);
  });

  it('keep the delivery event log append-only', async () => {
    const [row] = await db.sql`
      with c as (insert into contacts (phone) values ('79990002233') returning id),
           k as (insert into campaigns (name, kind, transport, definition, template_source)
                 values ('x', 'broadcast', 'sms', '{}', 'hi') returning id),
           r as (insert into campaign_runs (campaign_id, scheduled_for) select id, now() from k returning id, campaign_id),
           d as (insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport)
                 select r.id, r.campaign_id, c.id, now(), now(), 'sms' from r, c returning id, run_id)
      insert into delivery_events (delivery_id, run_id, to_state, at) select id, run_id, 'queued', now() from d returning id`;

    await expect(
      db.sql`update delivery_events set reason = 'rewritten' where id = ${row!.id}`,
    ).rejects.toThrow(/append-only/);
  });

  it('refuse a failed or skipped delivery without a reason', async () => {
    const [row] = await db.sql`
      with c as (insert into contacts (phone) values ('79990003344') returning id),
           k as (insert into campaigns (name, kind, transport, definition, template_source)
                 values ('y', 'broadcast', 'sms', '{}', 'hi') returning id),
           r as (insert into campaign_runs (campaign_id, scheduled_for) select id, now() from k returning id, campaign_id)
      insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport)
      select r.id, r.campaign_id, c.id, now(), now(), 'sms' from r, c returning id`;

    await expect(db.sql`update deliveries set state = 'failed' where id = ${row!.id}`).rejects.toThrow(
      /deliveries_final_state_has_reason/,
    );
    await db.sql`update deliveries set state = 'failed', reason = 'http_500' where id = ${row!.id}`;
  });

  it('store phones as digits only', async () => {
    await expect(db.sql`insert into contacts (phone) values ('+7 999 000-11-22')`).rejects.toThrow(
      /contacts_phone_digits/,
    );
  });
});
