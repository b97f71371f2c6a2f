import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELETE_TRANSACTION_OPTIONS, prismaErrorCode } from '../../src/db/prismaErrors.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const refusal = (write: Promise<unknown>) =>
  write.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('prismaErrorCode', () => {
  it('says P2002 when a unique value is taken', async () => {
    await db.prisma.contactList.create({ data: { name: 'vip' } });

    const error = await refusal(db.prisma.contactList.create({ data: { name: 'vip' } }));

    expect(prismaErrorCode(error)).toBe('P2002');
  });

  it('says P2003 when a row refers to one that does not exist', async () => {
    const error = await refusal(
      db.prisma.listMember.create({ data: { listId: 999_999, contactId: 999_999 } }),
    );

    expect(prismaErrorCode(error)).toBe('P2003');
  });

  it('says P2025 when there is no row left to change', async () => {
    const error = await refusal(db.prisma.contactList.delete({ where: { id: 999_999 } }));

    expect(prismaErrorCode(error)).toBe('P2025');
  });

  it('says nothing for errors that are not refused Prisma writes', async () => {
    const fromPostgresJs = await refusal(db.sql`insert into lists (name) values ('vip')`);

    expect(fromPostgresJs).toMatchObject({ code: '23505' });
    expect(prismaErrorCode(fromPostgresJs)).toBeUndefined();
    expect(prismaErrorCode(new Error('P2002'))).toBeUndefined();
    expect(prismaErrorCode({ code: 'P2002' })).toBeUndefined();
    expect(prismaErrorCode(undefined)).toBeUndefined();
  });
});

describe('DELETE_TRANSACTION_OPTIONS', () => {
  it('gives a deleting transaction longer than Prisma’s defaults (2 s to start, 5 s to finish)', async () => {
    expect(DELETE_TRANSACTION_OPTIONS.maxWait).toBeGreaterThan(2_000);
    expect(DELETE_TRANSACTION_OPTIONS.timeout).toBeGreaterThan(5_000);
    const deleted = await db.prisma.$transaction(
      (tx) => tx.contactList.deleteMany({ where: { name: 'vip' } }),
      DELETE_TRANSACTION_OPTIONS,
    );
    expect(deleted.count).toBe(1);
  });
});
