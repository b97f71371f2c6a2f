import type { Sql } from '../../db/database.js';
import { DELIVERY_STATES, type DeliveryState } from '../../delivery/states.js';

/** Deliveries per state over every campaign; every state is present, zeros included. */
export async function countDeliveriesByState(sql: Sql): Promise<Record<DeliveryState, number>> {
  const rows = await sql<{ state: DeliveryState; n: number }[]>`
    select state, count(*)::int as n from deliveries group by state`;
  const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>;
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}
