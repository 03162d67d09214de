import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';
import { canConnect, type ExitInfo, ServerProcess, waitUntilReady } from './process.js';
import { resolveTool } from './tools.js';

export interface NatsServerOptions {
  /** JetStream storage folder, kept after stop. Without it a temporary folder is used and deleted on stop. */
  storeDir?: string;
  /** Client port; a free one when omitted. */
  port?: number;
  /** HTTP monitoring port; a free one when omitted. */
  monitorPort?: number;
  /** Receives the server's output, line by line. */
  log?: (line: string) => void;
  /** A nats-server configuration file for what has no flag (a cluster node's fsync policy); the flags above win over it. */
  configFile?: string;
  /** Name in log lines and errors; `nats-server` by default. */
  name?: string;
}

export interface NatsServer {
  /** Client URL, `nats://127.0.0.1:<port>`. */
  url: string;
  /** HTTP monitoring endpoint, `http://127.0.0.1:<port>` (`/healthz`, `/jsz`, `/varz`...). */
  monitorUrl: string;
  /** The server's process id, e.g. to kill it as a crash would. */
  readonly pid: number | undefined;
  /** Resolves when the server's process has exited, for whatever reason (a supervisor waits on it). */
  readonly exited: Promise<ExitInfo>;
  /** True once `stop()` was called (here or by the exit hooks): the exit that follows is no crash. */
  readonly stopRequested: boolean;
  /** Stops the server and waits until it has exited. Safe to call more than once. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;

/** Starts nats-server with JetStream and resolves once its health check reports JetStream ready. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const natsServer = resolveTool('nats-server');
  const port = options.port ?? (await freePort());
  const monitorPort = options.monitorPort ?? (await freePort());

  const temporaryStore = options.storeDir === undefined;
  const storeDir = options.storeDir ? resolve(options.storeDir) : await mkdtemp(join(tmpdir(), 'kundval-nats-'));
  await mkdir(storeDir, { recursive: true });

  const server = new ServerProcess({
    name: options.name ?? 'nats-server',
    command: natsServer,
    // -a also binds the monitoring endpoint, so nothing listens beyond loopback.
    args: [...(options.configFile ? ['-c', options.configFile] : []), '-js', '-sd', storeDir, '-a', HOST, '-p', String(port), '-m', String(monitorPort)],
    // SIGTERM is nats-server's graceful stop: JetStream flushes its stores.
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10_000,
    cleanupPaths: temporaryStore ? [storeDir] : [],
    ...(options.log ? { log: options.log } : {}),
  });

  const monitorUrl = `http://${HOST}:${monitorPort}`;
  try {
    await waitUntilReady(
      server,
      async () => {
        // The monitor starts before the client listener, so check both.
        if (!(await canConnect(HOST, port))) return false;
        const response = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`, { signal: AbortSignal.timeout(2_000) });
        const health = (await response.json()) as { status?: string };
        return response.ok && health.status === 'ok';
      },
      { timeoutMs: READY_TIMEOUT_MS, what: `JetStream health on ${monitorUrl}/healthz` },
    );
  } catch (error) {
    await server.stop();
    throw error;
  }

  return {
    url: `nats://${HOST}:${port}`,
    monitorUrl,
    pid: server.pid,
    exited: server.exited,
    get stopRequested() {
      return server.stopRequested;
    },
    stop: () => server.stop(),
  };
}
