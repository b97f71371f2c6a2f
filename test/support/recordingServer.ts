import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiCaller } from '../../src/chat2desk/apiCaller.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/**
 * A real HTTP server standing in for Chat2Desk where the sandbox cannot show a detail: it records each
 * request as it arrived and answers `{ status: 'success', data }` with the data the test sets.
 */
export async function startRecordingServer() {
  const requests: RecordedRequest[] = [];
  let answer: unknown = { status: 'success', data: null };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: text === '' ? undefined : JSON.parse(text),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api = new ApiCaller({ baseUrl: url, token: 'recording-token', timeoutMs: 5_000 });
  return {
    api,
    requests,
    answerWith(data: unknown, meta?: unknown): void {
      answer = { status: 'success', data, ...(meta === undefined ? {} : { meta }) };
    },
    async close(): Promise<void> {
      await api.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
