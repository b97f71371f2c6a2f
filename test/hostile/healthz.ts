import type { ApiServer } from '../http/apiServer.js';

/**
 * Sends `bomb`, and once the server has its request asks GET /healthz: what the bomb got back, and
 * how long the health check's own round trip took — the event loop's answer while the bomb is read.
 */
export async function healthzWhileInFlight<T>(
  server: ApiServer,
  bomb: () => Promise<T>,
): Promise<{ bomb: T; healthzMs: number; healthzStatus: number }> {
  const arrived = new Promise<void>((resolve) => server.app.server.once('request', () => resolve()));
  const inFlight = bomb();
  await arrived;
  const started = performance.now();
  const health = await fetch(`${server.url}/healthz`);
  await health.text();
  const healthzMs = performance.now() - started;
  return { bomb: await inFlight, healthzMs, healthzStatus: health.status };
}
