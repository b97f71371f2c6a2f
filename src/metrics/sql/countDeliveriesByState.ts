import type { Sql } from '../../db/database.js';
import { DELIVERY_STATES, type DeliveryState } from '../../delivery/states.js';

/**
 * Deliveries per state over every campaign; every state is present, zeros included. Read from the kept
 * totals (delivery_state_totals, a few dozen rows), so a scrape costs the same whatever the history.
 */
export async function countDeliveriesByState(sql: Sql): Promise<Record<DeliveryState, number>> {
  const rows = await sql<{ state: DeliveryState; n: number }[]>`
    select state, sum(n)::float8 as n from delivery_state_totals group by state`;
  const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>;
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}
