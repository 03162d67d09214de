import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import getPort, { portNumbers } from 'get-port';
import type { PostgresServer } from '../postgres.js';
import { canConnect, runCommand, ServerProcess, startReady, type ExitInfo } from '../process.js';
import { resolveTool, temporalPostgresSchemaDir } from '../tools.js';

const HOST = '127.0.0.1';
/** The role Temporal connects as; it owns its two databases and nothing else. */
const TEMPORAL_ROLE = 'temporal';
export const TEMPORAL_DATABASES = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;
const READY_TIMEOUT_MS = 120_000;

/**
 * Temporal's ring membership table stores ports in a `smallint`: every port of the server must be
 * below 32768, or start-up fails with "out of range for type smallint" (docs/TOOLS pitfall).
 */
const TEMPORAL_PORT_RANGE = { from: 20_000, to: 32_000 };

/** A Temporal server's fixed ports and files, so a restart finds the same address and history. */
export interface TemporalServerPlan {
  rootDir: string;
  frontendPort: number;
  httpPort: number;
  uiPort: number;
  /** `host:port` of the frontend, for clients and workers. */
  address: string;
  uiUrl: string;
  historyShards: number;
}

/** One running Temporal server (all four services in one process) on PostgreSQL. */
export interface TemporalServer {
  readonly pid: number | undefined;
  readonly exited: Promise<ExitInfo>;
  readonly stopRequested: boolean;
  stop(): Promise<void>;
}

/** A port below 32768, from a random start so that parallel runs on one machine rarely meet. */
async function temporalPort(): Promise<number> {
  const start = TEMPORAL_PORT_RANGE.from + Math.floor(Math.random() * (TEMPORAL_PORT_RANGE.to - TEMPORAL_PORT_RANGE.from - 500));
  return getPort({ host: HOST, port: portNumbers(start, TEMPORAL_PORT_RANGE.to) });
}

/**
 * Creates Temporal's role and its persistence and visibility databases on `postgres` (once), and
 * brings both schemas to the versions this server release ships with the pinned schema tool
 * (`update-schema` is a no-op when they are current, so a warm start only checks).
 */
export async function setupTemporalDatabases(postgres: PostgresServer): Promise<void> {
  const hasRole = (await postgres.psql(`SELECT 1 FROM pg_roles WHERE rolname = '${TEMPORAL_ROLE}'`, 'postgres')).trim() === '1';
  if (!hasRole) await postgres.psql(`CREATE ROLE ${TEMPORAL_ROLE} LOGIN`, 'postgres');
  const sqlTool = resolveTool('temporal-sql-tool');
  const schemaDir = temporalPostgresSchemaDir();
  for (const [kind, database] of Object.entries(TEMPORAL_DATABASES)) {
    const exists = (await postgres.psql(`SELECT 1 FROM pg_database WHERE datname = '${database}'`, 'postgres')).trim() === '1';
    const common = ['--plugin', 'postgres12', '--endpoint', postgres.host, '--port', String(postgres.port), '--user', TEMPORAL_ROLE, '--database', database];
    if (!exists) {
      await postgres.psql(`CREATE DATABASE ${database} OWNER ${TEMPORAL_ROLE}`, 'postgres');
      await run(sqlTool, [...common, 'setup-schema', '-v', '0.0'], `setting up the ${kind} schema`);
    }
    const dir = join(schemaDir, 'v12', kind === 'persistence' ? 'temporal' : 'visibility', 'versioned');
    await run(sqlTool, [...common, 'update-schema', '-d', dir], `updating the ${kind} schema`);
  }
}

/** Picks the server's ports (all below 32768) and writes its configuration under `dataDir/temporal`. */
export async function planTemporalServer(postgres: PostgresServer, dataDir: string, options: { historyShards?: number } = {}): Promise<TemporalServerPlan> {
  const rootDir = resolve(dataDir, 'temporal');
  await mkdir(join(rootDir, 'config', 'dynamicconfig'), { recursive: true });
  const ports = {
    frontend: await temporalPort(),
    frontendMembership: await temporalPort(),
    http: await temporalPort(),
    history: await temporalPort(),
    historyMembership: await temporalPort(),
    matching: await temporalPort(),
    matchingMembership: await temporalPort(),
    worker: await temporalPort(),
    workerMembership: await temporalPort(),
    ui: await temporalPort(),
  };
  // Fixed at the cluster's creation: the shard count can never change for a history database.
  const historyShards = options.historyShards ?? 4;
  const store = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: TEMPORAL_ROLE,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: HOST, ...(httpPort ? { httpPort } : {}) },
  });
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: historyShards,
      datastores: { 'postgres-default': store(TEMPORAL_DATABASES.persistence, 20), 'postgres-visibility': store(TEMPORAL_DATABASES.visibility, 5) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: HOST } },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, ports.http),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${HOST}:${ports.frontend}`, httpAddress: `${HOST}:${ports.http}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: join(rootDir, 'config', 'dynamicconfig', 'kundval.yaml'), pollInterval: '10s' },
  };
  // JSON is YAML: the server reads this file with its YAML loader.
  await writeFile(join(rootDir, 'config', 'development.yaml'), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(
    join(rootDir, 'config', 'dynamicconfig', 'kundval.yaml'),
    [
      // A search attribute registered a moment ago is usable at once (the dev server does the same).
      'system.forceSearchAttributesCacheRefreshOnRead:',
      '  - value: true',
      '',
    ].join('\n'),
  );
  return { rootDir, frontendPort: ports.frontend, httpPort: ports.http, uiPort: ports.ui, address: `${HOST}:${ports.frontend}`, uiUrl: `http://${HOST}:${ports.ui}`, historyShards };
}

/**
 * Starts the Temporal server (frontend, history, matching and worker services in one process) from
 * its plan and resolves once the frontend answers a health check.
 */
export async function startTemporalServer(plan: TemporalServerPlan, log?: (line: string) => void): Promise<TemporalServer> {
  const server = new ServerProcess({
    name: 'temporal-server',
    command: resolveTool('temporal-server'),
    args: ['--root', plan.rootDir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
    env: clientEnv(),
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 20_000,
    ...(log ? { log } : {}),
  });
  const temporal = resolveTool('temporal');
  return startReady(
    server,
    async () => {
      if (!(await canConnect(HOST, plan.frontendPort))) return false;
      const health = await runCommand(temporal, ['operator', 'cluster', 'health', '--address', plan.address], { env: clientEnv(), timeoutMs: 10_000 });
      return health.code === 0 && /SERVING/.test(health.stdout);
    },
    { timeoutMs: READY_TIMEOUT_MS, what: `the frontend on ${plan.address}` },
  );
}

async function run(command: string, args: string[], what: string): Promise<void> {
  const result = await runCommand(command, args, { env: clientEnv(), timeoutMs: 180_000 });
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr || result.stdout}`);
}

/** The environment without TEMPORAL_* variables: a developer's settings must not point our tools at another cluster. */
export function clientEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_')));
}
