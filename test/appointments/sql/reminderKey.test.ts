import { describe, expect, it } from 'vitest';
import {
  offsetOfReminderKeySql,
  reminderKey,
  reminderKeySql,
} from '../../../src/appointments/sql/reminderKey.js';
import { fileTestDatabase } from '../seedReminders.js';

const db = fileTestDatabase();

async function keyInSql(appointmentId: number, offsetSeconds: number, startsAt: Date): Promise<string> {
  const [row] = await db.sql<{ key: string }[]>`
    select ${reminderKeySql(db.sql, db.sql`${appointmentId}::int`, db.sql`${offsetSeconds}::int`, db.sql`${startsAt}::timestamptz`)} as key`;
  return row!.key;
}

describe('reminderKey', () => {
  it('is the appointment, the offset in seconds and the start in epoch milliseconds', () => {
    expect(reminderKey(42, -86_400, new Date('2026-11-27T07:00:00.000Z'))).toBe('42:-86400:1795762800000');
  });

  it('differs when only the start changes, so a rescheduled appointment gets a reminder of its own', () => {
    const startsAt = new Date('2026-11-27T07:00:00.000Z');
    expect(reminderKey(42, -7200, startsAt)).not.toBe(
      reminderKey(42, -7200, new Date(startsAt.getTime() + 1)),
    );
  });

  it('is computed in SQL exactly as in TypeScript, to the millisecond', async () => {
    for (const [id, offset, startsAt] of [
      [42, -86_400, new Date('2026-11-27T07:00:00.000Z')],
      [7, 3600, new Date('2026-11-27T07:00:00.123Z')],
      [1, 0, new Date('1969-12-31T23:59:59.000Z')],
    ] as const) {
      expect(await keyInSql(id, offset, startsAt)).toBe(reminderKey(id, offset, startsAt));
    }
  });

  it('gives back the offset a key was made for, negative or positive', async () => {
    const [row] = await db.sql<{ before: number; after: number }[]>`
      select ${offsetOfReminderKeySql(db.sql, db.sql`${reminderKey(5, -900, new Date(0))}::text`)} as before,
             ${offsetOfReminderKeySql(db.sql, db.sql`${reminderKey(5, 3600, new Date(0))}::text`)} as after`;
    expect(row).toEqual({ before: -900, after: 3600 });
  });
});
