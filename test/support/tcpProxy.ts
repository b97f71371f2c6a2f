import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy a test can cut: every open connection reset and new ones refused, as a database
 * restart or a network failure looks to the engine; then restored. It can also hold each new
 * connection's bytes to the server back for a while, as a slow network or a busy server would.
 */
export interface TcpProxy {
  /** `url` with its host and port replaced by the proxy's. */
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetUrl: string,
  options: {
    /** The first time a client sends bytes containing this text, its connection is reset instead. */
    resetOnFirst?: string;
    /** How long (ms) to hold back what each new connection sends to the server, in order. */
    delayToServerMs?: () => number;
  } = {},
): Promise<TcpProxy> {
  let resetPending = options.resetOnFirst;
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || 5432);
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((incoming) => {
    if (!open) return void incoming.resetAndDestroy();
    const outgoing = connect(targetPort, target.hostname);
    if (resetPending !== undefined) {
      incoming.on('data', (chunk: Buffer) => {
        if (resetPending === undefined || !chunk.includes(resetPending)) return;
        resetPending = undefined;
        incoming.resetAndDestroy();
        outgoing.destroy();
      });
    }
    for (const [a, b] of [
      [incoming, outgoing],
      [outgoing, incoming],
    ] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
    // After pipe(), which would resume the socket again.
    const delay = options.delayToServerMs?.() ?? 0;
    if (delay > 0) {
      incoming.pause();
      setTimeout(() => incoming.resume(), delay);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  const cut = () => {
    open = false;
    for (const socket of sockets) socket.resetAndDestroy();
  };
  return {
    url: url.toString(),
    cut,
    restore() {
      open = true;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
