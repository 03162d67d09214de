import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../ports.js';

const HOST = '127.0.0.1';
/** How long a replica that refused a connection is passed over before it is tried again. */
const PASS_OVER_MS = 1_000;

/** One address in front of a service's replicas, as a Kubernetes Service is in a real cluster. */
export interface FrontDoor {
  url: string;
  /** Connections handed to each backend so far, by its `host:port`. */
  readonly handedOut: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/**
 * Spreads TCP connections over a service's replicas in turn, as kube-proxy does for a Service: it
 * knows nothing of HTTP, so a keep-alive connection stays with its replica. A replica that refuses
 * a connection (killed, restarting) is passed over for a second and the connection goes to the
 * next, so a client sees a dead replica only for requests already in flight on it.
 */
export async function startFrontDoor(backends: readonly { host: string; port: number }[], options: { port?: number } = {}): Promise<FrontDoor> {
  const port = options.port ?? (await freePort());
  const downUntil = new Map<string, number>();
  const handedOut = new Map<string, number>();
  const key = (b: { host: string; port: number }) => `${b.host}:${b.port}`;
  let next = 0;
  const sockets = new Set<Socket>();

  const forward = (client: Socket, attempt: number) => {
    const now = Date.now();
    const candidates = backends.filter((b) => (downUntil.get(key(b)) ?? 0) <= now);
    const pool = candidates.length > 0 ? candidates : backends;
    const backend = pool[next++ % pool.length]!;
    const upstream = connect({ host: backend.host, port: backend.port });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.on('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      handedOut.set(key(backend), (handedOut.get(key(backend)) ?? 0) + 1);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected && attempt < backends.length * 2 && !client.destroyed) {
        downUntil.set(key(backend), Date.now() + PASS_OVER_MS);
        upstream.destroy();
        forward(client, attempt + 1);
        return;
      }
      client.destroy();
    });
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    forward(client, 0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve());
  });
  return {
    url: `http://${HOST}:${port}`,
    handedOut,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
