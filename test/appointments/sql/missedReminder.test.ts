import { describe, expect, it } from 'vitest';
import { missedReminderSql } from '../../../src/appointments/sql/missedReminder.js';
import { at, fileTestDatabase, T } from '../seedReminders.js';

const db = fileTestDatabase();

/** The verdict on the reminder at `offset` (hours) of an appointment at `startsAt`, with the campaign's offsets. */
async function verdict(policy: string, startsAt: Date, offset: number, offsets: number[]) {
  const [row] = await db.sql<{ reason: string | null }[]>`
    select ${missedReminderSql(db.sql, {
      now: T,
      startsAt: db.sql`${startsAt}::timestamptz`,
      offset: db.sql`${offset * 3600}::int`,
      offsets: db.sql`${offsets.map((h) => h * 3600)}::int[]`,
      policy: db.sql`${policy}::text`,
    })} as reason`;
  return row?.reason;
}

describe('missedReminderSql', () => {
  it('sends the latest missed reminder now under sendNow, and skips the earlier ones booked_late', async () => {
    expect(await verdict('sendNow', at(1), -2, [-24, -2])).toBeNull();
    expect(await verdict('sendNow', at(1), -24, [-24, -2])).toBe('booked_late');
  });

  it('sends no catch-up while a later reminder (or one at the start) is still to come', async () => {
    expect(await verdict('sendNow', at(3), -24, [-24, -2])).toBe('booked_late');
    expect(await verdict('sendNow', at(3), -24, [-24, 0])).toBe('booked_late');
  });

  it('skips every missed reminder under skip', async () => {
    expect(await verdict('skip', at(1), -2, [-24, -2])).toBe('booked_late');
  });
});
