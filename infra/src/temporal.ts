import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';
import { canConnect, type ExitInfo, runCommand, ServerProcess, waitUntilReady } from './process.js';
import { resolveTool } from './tools.js';

/** The value types Temporal accepts for custom search attributes. */
export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface TemporalDevServerOptions {
  /** Folder for the SQLite file; history then survives restarts. Without it, state lives in memory. */
  dataDir?: string;
  /** Frontend gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; a free one when omitted. */
  uiPort?: number;
  /** Namespace to create (besides `default`, which always exists). Defaults to `default`. */
  namespace?: string;
  /** Custom search attributes to register, e.g. `{ ApplicationId: 'Keyword' }`. */
  searchAttributes?: Record<string, SearchAttributeType>;
  /** Receives the server's output, line by line. */
  log?: (line: string) => void;
}

export interface TemporalDevServer {
  /** Frontend gRPC address, `host:port`, for Temporal clients and workers. */
  address: string;
  uiUrl: string;
  namespace: string;
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
const READY_TIMEOUT_MS = 60_000;
/** The file name inside `dataDir`; fixed so that a restart finds the same history. */
const DB_FILE = 'temporal.sqlite';

/**
 * Starts `temporal server start-dev` (the pinned Temporal CLI) and resolves once the frontend
 * accepts connections and the namespace can be described, i.e. clients and workers can use it.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  const temporal = resolveTool('temporal');
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort ?? (await freePort());
  const address = `${HOST}:${port}`;

  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'warn'];
  if (options.dataDir) {
    const dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    args.push('--db-filename', join(dataDir, DB_FILE));
    // WAL with normal syncs: the benchmarks (bench/README.md) measured three times the workflow
    // throughput of the default rollback journal; a crash can lose the last transactions of the dev
    // server, never corrupt it — acceptable locally, and production runs a Temporal cluster.
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    args.push('--search-attribute', `${name}=${type}`);
  }

  const server = new ServerProcess({
    name: 'temporal dev server',
    command: temporal,
    args,
    env: clientEnv(),
    // A clean shutdown flushes SQLite; it takes a second or two.
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 15_000,
    ...(options.log ? { log: options.log } : {}),
  });

  try {
    await waitUntilReady(
      server,
      async () => {
        if (!(await canConnect(HOST, port))) return false;
        const describe = await runCommand(
          temporal,
          ['operator', 'namespace', 'describe', '--address', address, '--namespace', namespace],
          { env: clientEnv(), timeoutMs: 10_000 },
        );
        return describe.code === 0;
      },
      { timeoutMs: READY_TIMEOUT_MS, what: `namespace ${namespace} on ${address}` },
    );
  } catch (error) {
    await server.stop();
    throw error;
  }

  return {
    address,
    uiUrl: `http://${HOST}:${uiPort}`,
    namespace,
    pid: server.pid,
    exited: server.exited,
    get stopRequested() {
      return server.stopRequested;
    },
    stop: () => server.stop(),
  };
}

/**
 * The environment without TEMPORAL_* variables: a developer's TEMPORAL_ADDRESS, TLS or API key
 * settings must not point our CLI calls at another cluster.
 */
function clientEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_')));
}
