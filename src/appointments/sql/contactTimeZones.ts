import type { Sql } from '../../db/database.js';

/** The stored time zones of the contacts with these phones (those that have one), by phone. */
export async function contactTimeZones(sql: Sql, phones: readonly string[]): Promise<Map<string, string>> {
  if (phones.length === 0) return new Map();
  const rows = await sql<{ phone: string; timezone: string }[]>`
    select phone, timezone from contacts
    where phone = any(${[...new Set(phones)]}::text[]) and timezone is not null`;
  return new Map(rows.map((row) => [row.phone, row.timezone]));
}
