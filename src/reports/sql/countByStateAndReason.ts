import { deliveriesInScope, type Queryable, type ReportScope } from './reportScope.js';

export interface StateReasonCount {
  state: string;
  /** The reason's part before the first colon (`missing_variable:firstName` → `missing_variable`). */
  reason: string | null;
  n: number;
}

export function countByStateAndReason(sql: Queryable, scope: ReportScope): Promise<StateReasonCount[]> {
  return sql<StateReasonCount[]>`
    select d.state, split_part(d.reason, ':', 1) as reason, count(*)::int as n
    from deliveries d where ${deliveriesInScope(sql, scope)}
    group by 1, 2`;
}
