import { deliveriesInScope, type Queryable, type ReportScope } from './reportScope.js';

export interface FailedDelivery {
  deliveryId: number;
  phone: string;
  name: string | null;
  state: 'failed' | 'skipped';
  /** The full reason, detail included (`chat2desk:Invalid phone`). */
  reason: string;
  /** Why, in words, where the engine said more than the reason (a value that cannot be used, a limit). */
  detail: string | null;
  /** When it failed or was skipped, UTC ISO. */
  at: string;
}

/** The earliest failed and skipped deliveries, with whom and why. */
export async function firstFailures(
  sql: Queryable,
  scope: ReportScope,
  limit: number,
): Promise<FailedDelivery[]> {
  const rows = await sql<
    {
      deliveryId: string;
      phone: string;
      name: string | null;
      state: 'failed' | 'skipped';
      reason: string;
      detail: string | null;
      at: Date;
    }[]
  >`
    select d.id as "deliveryId", c.phone, c.name, d.state, d.reason,
           -- The final move's event says why in words: one index probe for each of the few listed.
           (select e.details->>'detail' from delivery_events e
            where e.delivery_id = d.id order by e.id desc limit 1) as detail,
           coalesce(d.failed_at, d.skipped_at, d.updated_at) as at
    from deliveries d join contacts c on c.id = d.contact_id
    where ${deliveriesInScope(sql, scope)} and d.state in ('failed', 'skipped')
    -- As deliveries_first_failures_idx orders them: the first few are read, not every failure sorted.
    order by coalesce(d.failed_at, d.skipped_at, d.updated_at), d.id
    limit ${limit}`;
  return rows.map((r) => ({ ...r, deliveryId: Number(r.deliveryId), at: r.at.toISOString() }));
}
