import { deliveriesInScope, type Queryable, type ReportScope } from './reportScope.js';

export interface SendOutcomes {
  /** Deliveries Chat2Desk accepted (a `sent_at`), whatever happened to them later. */
  accepted: number;
  /** Of those, reported delivered (or read, which implies it). */
  delivered: number;
  read: number;
  /** Of those, still `sent`: no delivered, read or failed status yet (for ever, where none is reported). */
  awaitingStatus: number;
  /**
   * Milliseconds from `due_at` to `sent_at`, from the kept latency histogram (buckets 2 % wide, see
   * latencyBucketBounds): within 2 % of the exact figure. Null when nothing was sent.
   */
  latencyP50: number | null;
  latencyP95: number | null;
  /** The upper bound of the slowest send's bucket: no send took longer. */
  latencyMax: number | null;
}

/** A latency bucket's range in ms, as migration 20261206060000_delivery_counts fills them: [1.02^b − 1, 1.02^(b+1) − 1). */
export function latencyBucketBounds(bucket: number): { from: number; to: number } {
  return { from: 1.02 ** bucket - 1, to: 1.02 ** (bucket + 1) - 1 };
}

/**
 * The `p` quantile (0–1) of a histogram, as percentile_cont computes it over the values (interpolated
 * between the two values either side of rank p·(n−1)), each value taken as if a bucket's values were
 * spread evenly across it.
 */
export function histogramQuantile(
  buckets: readonly { bucket: number; n: number }[],
  p: number,
): number | null {
  const total = buckets.reduce((sum, b) => sum + b.n, 0);
  if (total === 0) return null;
  const rank = p * (total - 1);
  const below = valueAt(buckets, Math.floor(rank));
  return below + (rank - Math.floor(rank)) * (valueAt(buckets, Math.ceil(rank)) - below);
}

/** The estimated i-th smallest value (0-based) of a histogram holding more than i values. */
function valueAt(buckets: readonly { bucket: number; n: number }[], index: number): number {
  let before = 0;
  for (const { bucket, n } of buckets) {
    if (index < before + n) {
      const { from, to } = latencyBucketBounds(bucket);
      return from + ((index - before + 0.5) / n) * (to - from);
    }
    before += n;
  }
  throw new RangeError(`a histogram of ${before} values has no value ${index}`);
}

// Both read in the report's one snapshot: awaitingStatus is counted over the same rows as accepted, so
// "no status yet" (awaiting = accepted) is told apart from "nobody got it" (delivered = 0).
export async function sendOutcomes(sql: Queryable, scope: ReportScope): Promise<SendOutcomes> {
  const [counts] = await sql<Pick<SendOutcomes, 'accepted' | 'delivered' | 'read' | 'awaitingStatus'>[]>`
    select coalesce(sum(d.n), 0)::int as accepted,
           coalesce(sum(d.n) filter (where d.state in ('delivered', 'read')), 0)::int as delivered,
           coalesce(sum(d.n) filter (where d.state = 'read'), 0)::int as read,
           coalesce(sum(d.n) filter (where d.state = 'sent'), 0)::int as "awaitingStatus"
    from delivery_counts d where ${deliveriesInScope(sql, scope)} and d.accepted`;
  const buckets = await sql<{ bucket: number; n: number }[]>`
    select d.latency_bucket as bucket, sum(d.n)::int as n
    from delivery_send_counts d where ${deliveriesInScope(sql, scope)}
    group by 1 having sum(d.n) > 0 order by 1`;
  const slowest = buckets.at(-1);
  return {
    ...counts!,
    latencyP50: histogramQuantile(buckets, 0.5),
    latencyP95: histogramQuantile(buckets, 0.95),
    latencyMax: slowest ? latencyBucketBounds(slowest.bucket).to : null,
  };
}
