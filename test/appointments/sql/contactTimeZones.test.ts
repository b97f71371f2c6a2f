import { describe, expect, it } from 'vitest';
import { contactTimeZones } from '../../../src/appointments/sql/contactTimeZones.js';
import { fileTestDatabase } from '../seedReminders.js';

const db = fileTestDatabase(['contacts']);

describe('contactTimeZones', () => {
  it('gives the stored zone of each contact that has one, by phone, and nothing for unknown phones', async () => {
    await db.sql`insert into contacts (phone, timezone) values ('79990000001', 'Europe/Moscow'), ('79990000002', null)`;

    const zones = await contactTimeZones(db.sql, [
      '79990000001',
      '79990000002',
      '79990000003',
      '79990000001',
    ]);

    expect([...zones]).toEqual([['79990000001', 'Europe/Moscow']]);
    expect(await contactTimeZones(db.sql, [])).toEqual(new Map());
  });
});
