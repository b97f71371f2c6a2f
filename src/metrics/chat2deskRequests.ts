import { Counter, Histogram, type Registry } from 'prom-client';
import { metricOnce } from './registry.js';

export type Chat2DeskRequestObserver = (endpoint: string, outcome: string, durationMs: number) => void;

/**
 * The Chat2DeskClient's `onRequestDone` callback, counting requests by endpoint template
 * (`POST /v1/messages`) and outcome (`ok`, `rate_limited`, `timeout`…) and timing them. Endpoint
 * templates and error codes are a closed set, so the label cardinality stays small.
 */
export function chat2deskRequestObserver(registry: Registry): Chat2DeskRequestObserver {
  const requests = metricOnce(
    registry,
    'broadcaster_chat2desk_requests_total',
    () =>
      new Counter({
        name: 'broadcaster_chat2desk_requests_total',
        help: 'Requests made to the Chat2Desk API, by endpoint and outcome (ok or the error kind)',
        labelNames: ['endpoint', 'outcome'],
        registers: [registry],
      }),
  );
  const durations = metricOnce(
    registry,
    'broadcaster_chat2desk_request_duration_seconds',
    () =>
      new Histogram({
        name: 'broadcaster_chat2desk_request_duration_seconds',
        help: 'Time from a Chat2Desk request to its answer (or failure), by endpoint',
        labelNames: ['endpoint'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
        registers: [registry],
      }),
  );
  return (endpoint, outcome, durationMs) => {
    requests.inc({ endpoint, outcome });
    durations.observe({ endpoint }, durationMs / 1000);
  };
}
