import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { control, devSecret, httpOk, sessionSealingKey, SERVICES, startNodeProcess, type ComponentControl, type ServiceName } from '../local-platform.js';
import { startCommandProxies, type CommandTarget, type FaultProxy } from '../fault-proxy.js';
import { freePort } from '../ports.js';
import { startPostgres, type PostgresServer } from '../postgres.js';
import { runCommand, startReady } from '../process.js';
import { supervision, type BackoffPolicy, type SupervisorEvent } from '../supervisor.js';
import { findRepoRoot } from '../tools.js';
import { startFrontDoor, type FrontDoor } from './front-door.js';
import { natsClusterUrl, planNatsCluster, startNatsClusterNode, waitForJetStreamCluster, type NatsClusterNode } from './nats-cluster.js';
import { setupServiceRoles } from './service-roles.js';
import { clientEnv, planTemporalServer, setupTemporalDatabases, startTemporalServer, type TemporalServerPlan } from './temporal-server.js';
import { planTemporalUi, startTemporalUi } from './temporal-ui.js';

/** The namespace the project's setup registers on the Temporal server. */
export const CLUSTER_NAMESPACE = 'kundval';
/** Stream and consumer replicas on the three-node JetStream cluster. */
export const CLUSTER_STREAM_REPLICAS = 3;

export interface ClusterPlatformOptions {
  /** Folder for PostgreSQL, the JetStream stores, Temporal's configuration and the dev token secret, kept across runs; a temporary one (removed on stop) when omitted. */
  dataDir?: string;
  /** Processes of each service (decisions, orders, billing, workflows' bridge); 2 by default. */
  replicas?: number;
  /** Journey worker processes; 2 by default. */
  workers?: number;
  /** Temporal's history shards: fixed when its database is created (4 here; a production cluster sizes it, deploy/README.md). */
  historyShards?: number;
  /** Extra environment for every service and worker (e.g. CHOICE_DEADLINE_MS for fast tests). */
  env?: Record<string, string>;
  logLevel?: 'info' | 'warn' | 'error' | 'debug' | 'silent';
  /** Receives every line the processes print, by source (`orders-2`, `nats-1`, `temporal`, …). */
  log?: (source: string, line: string) => void;
  supervision?: Partial<BackoffPolicy>;
  onSupervisorEvent?: (event: SupervisorEvent) => void;
  /** A fault proxy between the workers and each service's front door, as `startLocalPlatform` puts one before each service. */
  faultProxies?: boolean | { seed?: number };
  /**
   * Console processes (`console-1`, …) behind a front door of their own, sharing their sessions in
   * the session bucket at three replicas (ADR 0043); none by default (the tests drive the APIs),
   * two with `npm run start:cluster`.
   */
  consoles?: number;
}

/** The production topology on one machine (ADR 0025), as `npm run start:cluster` and the cluster tests run it. */
export interface ClusterPlatform {
  /** Each service's front door, spreading connections over its replicas. */
  urls: Record<ServiceName, string>;
  /** Each replica's own address, by service. */
  replicaUrls: Record<ServiceName, string[]>;
  /** The consoles' front door and each console's own address, when consoles were asked for. */
  console?: { url: string; replicaUrls: string[] };
  temporal: { address: string; uiUrl: string; namespace: string; historyShards: number };
  nats: { url: string; nodes: Array<{ name: string; url: string; monitorUrl: string }> };
  /** The superuser's URL (for tests and operators) and each service's own role's URL. */
  postgres: { url: string; serviceUrls: Record<'decisions' | 'orders' | 'billing', string> };
  auth: { secret: string; issuer: string };
  /** Every supervised process by name: `temporal`, `temporal-ui`, `nats-1`…, `orders-1`…, `worker-1`…. */
  components: Record<string, ComponentControl>;
  /** The fault proxies between the workers and the services they command, when asked for. */
  proxies?: Record<CommandTarget, FaultProxy>;
  stop(): Promise<void>;
}

/**
 * Starts the production topology on this machine: PostgreSQL with Temporal's schemas and a role and
 * schema per service; the Temporal server on it with the `kundval` namespace and the journeys'
 * search attributes, and its Web UI; a three-node JetStream cluster with every stream and consumer
 * at three replicas; two replicas of every service behind a front door each; two journey workers.
 * Every process but PostgreSQL runs under a supervisor that restarts it when it crashes.
 */
export async function startClusterPlatform(options: ClusterPlatformOptions = {}): Promise<ClusterPlatform> {
  const root = findRepoRoot();
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kundval-cluster-')));
  await mkdir(dataDir, { recursive: true });
  const replicas = options.replicas ?? 2;
  const workers = options.workers ?? 2;
  const log = options.log ?? (() => undefined);
  const started: Array<{ stop(): Promise<void> }> = [];
  let postgres: PostgresServer | undefined;

  const stopAll = async () => {
    // Clients first, servers last: the reverse of the start.
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
    if (temporary) await rm(dataDir, { recursive: true, force: true });
  };
  const { supervise, supervisors } = supervision({ backoff: options.supervision ?? {}, log, ...(options.onSupervisorEvent ? { onEvent: options.onSupervisorEvent } : {}), started });

  try {
    postgres = await startPostgres({ ...(temporary ? {} : { dataDir: join(dataDir, 'postgres') }), database: 'kundval', log: (line) => log('postgres', line) });
    const pg = postgres;
    const natsNodes = await planNatsCluster(dataDir);
    // The databases and the JetStream nodes do not wait for each other.
    const [, serviceUrls] = await Promise.all([
      setupTemporalDatabases(pg),
      setupServiceRoles(pg, 'kundval'),
      Promise.all(natsNodes.map((node) => supervise(node.name, () => startNatsClusterNode(node, (line) => log(node.name, line))))),
    ]);

    const plan: TemporalServerPlan = await planTemporalServer(pg, dataDir, options.historyShards === undefined ? {} : { historyShards: options.historyShards });
    await supervise('temporal', () => startTemporalServer(plan, (line) => log('temporal', line)));
    const uiRoot = await planTemporalUi(dataDir, { address: plan.address, port: plan.uiPort, namespace: CLUSTER_NAMESPACE });
    await supervise('temporal-ui', () => startTemporalUi(uiRoot, plan.uiUrl, (line) => log('temporal-ui', line)));
    await waitForJetStreamCluster(natsNodes);
    await runTemporalSetup(root, plan.address, log);

    const auth = { secret: await devSecret(dataDir), issuer: 'kundval-dev' };
    const names = Object.keys(SERVICES) as ServiceName[];
    const replicaPorts = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await Promise.all(Array.from({ length: replicas }, () => freePort()))] as const))) as Record<ServiceName, number[]>;
    const doors = Object.fromEntries(
      await Promise.all(names.map(async (name) => [name, await startFrontDoor(replicaPorts[name].map((port) => ({ host: '127.0.0.1', port })))] as const)),
    ) as Record<ServiceName, FrontDoor>;
    started.push({ stop: async () => void (await Promise.all(Object.values(doors).map((d) => d.stop()))) });
    const urls = Object.fromEntries(names.map((name) => [name, doors[name].url])) as Record<ServiceName, string>;
    const replicaUrls = Object.fromEntries(names.map((name) => [name, replicaPorts[name].map((p) => `http://127.0.0.1:${p}`)])) as Record<ServiceName, string[]>;

    const natsUrl = natsClusterUrl(natsNodes);
    const common: Record<string, string> = {
      NATS_URL: natsUrl,
      NATS_STREAM_REPLICAS: String(CLUSTER_STREAM_REPLICAS),
      AUTH_SECRET: auth.secret,
      AUTH_ISSUER: auth.issuer,
      LOG_LEVEL: options.logLevel ?? 'info',
      TEMPORAL_ADDRESS: plan.address,
      TEMPORAL_NAMESPACE: CLUSTER_NAMESPACE,
      TEMPORAL_UI_URL: plan.uiUrl,
      DECISIONS_URL: urls.decisions,
      ORDERS_URL: urls.orders,
      BILLING_URL: urls.billing,
      // As on the local platform: the demo and the test drivers poll many journeys under one subject.
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_SYSTEM_PER_MINUTE: '1000000',
      ...options.env,
    };

    const startReplica = (name: ServiceName, index: number) => {
      const processName = `${name}-${index + 1}`;
      const url = replicaUrls[name][index]!;
      const env = { ...common, PORT: String(replicaPorts[name][index]), ...(name === 'workflows' ? {} : { DATABASE_URL: serviceUrls[name] }) };
      const script = join(root, 'services', name, 'dist', 'server.js');
      return supervise(processName, () =>
        startReady(startNodeProcess(root, processName, script, env, log), async () => httpOk(`${url}/health`), { timeoutMs: 120_000, what: `${processName} /health` }),
      );
    };
    // The data services first (their replicas race for the migration lock), then the bridges, which consume their events.
    await Promise.all(names.filter((n) => n !== 'workflows').flatMap((name) => Array.from({ length: replicas }, (_, i) => startReplica(name, i))));
    await Promise.all(Array.from({ length: replicas }, (_, i) => startReplica('workflows', i)));

    // Only the workers' commands go through the fault proxies; people and the bridges reach the front doors directly.
    const commandProxies = options.faultProxies ? await startCommandProxies(urls, options.faultProxies, (line) => log('fault-proxy', line)) : undefined;
    if (commandProxies) started.push(commandProxies);
    const proxies = commandProxies?.proxies;
    const workerScript = join(root, 'services', 'workflows', 'dist', 'worker.js');
    // The worker says it polls at info level; that line is how readiness is known.
    // Each worker serves its /health, /ready and /metrics on a port of its own.
    const workerPorts = await Promise.all(Array.from({ length: workers }, () => freePort()));
    await Promise.all(
      Array.from({ length: workers }, (_, i) => {
        const name = `worker-${i + 1}`;
        const workerEnv = { ...common, ...commandProxies?.commandUrls, LOG_LEVEL: 'info', WORKER_PORT: String(workerPorts[i]) };
        return supervise(name, () => {
          const w = startNodeProcess(root, name, workerScript, workerEnv, log);
          return startReady(w, async () => w.recentOutput().includes('worker started'), { timeoutMs: 120_000, what: `${name} to poll its task queue` });
        });
      }),
    );

    // The consoles, like the services: replicas behind one address, their sessions sealed with the
    // data folder's key in the NATS cluster's session bucket, replicated as the streams are.
    let consoleUrls: { url: string; replicaUrls: string[] } | undefined;
    if ((options.consoles ?? 0) > 0) {
      const consolePorts = await Promise.all(Array.from({ length: options.consoles! }, () => freePort()));
      const door = await startFrontDoor(consolePorts.map((port) => ({ host: '127.0.0.1', port })));
      started.push(door);
      consoleUrls = { url: door.url, replicaUrls: consolePorts.map((p) => `http://127.0.0.1:${p}`) };
      const consoleEnv = { ...common, WORKFLOWS_URL: urls.workflows, PUBLIC_URL: door.url, SESSION_SEALING_KEYS: await sessionSealingKey(dataDir) };
      const consoleScript = join(root, 'apps', 'console', 'dist', 'server.js');
      await Promise.all(
        consolePorts.map((port, i) => {
          const name = `console-${i + 1}`;
          return supervise(name, () =>
            startReady(startNodeProcess(root, name, consoleScript, { ...consoleEnv, PORT: String(port) }, log), async () => httpOk(`${consoleUrls!.replicaUrls[i]}/health`), { timeoutMs: 60_000, what: `${name} /health` }),
          );
        }),
      );
    }

    const components = Object.fromEntries([...supervisors].map(([name, supervisor]) => [name, control(supervisor)]));
    return {
      urls,
      replicaUrls,
      ...(consoleUrls ? { console: consoleUrls } : {}),
      temporal: { address: plan.address, uiUrl: plan.uiUrl, namespace: CLUSTER_NAMESPACE, historyShards: plan.historyShards },
      nats: { url: natsUrl, nodes: natsNodes.map((n: NatsClusterNode) => ({ name: n.name, url: n.url, monitorUrl: n.monitorUrl })) },
      postgres: { url: pg.url, serviceUrls },
      auth,
      components,
      ...(proxies ? { proxies } : {}),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Runs the project's Temporal setup (namespace, search attributes) as a deployment's migrations job would. */
async function runTemporalSetup(root: string, address: string, log: (source: string, line: string) => void): Promise<void> {
  const script = join(root, 'services', 'workflows', 'dist', 'setup.js');
  const result = await runCommand(process.execPath, [script], {
    env: { ...clientEnv(), TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: CLUSTER_NAMESPACE, LOG_LEVEL: 'info' },
    cwd: root,
    timeoutMs: 120_000,
  });
  for (const line of `${result.stdout}${result.stderr}`.split('\n').filter(Boolean)) log('temporal-setup', line);
  if (result.code !== 0) throw new Error(`The Temporal setup failed (exit ${result.code}):\n${result.stderr || result.stdout}`);
}
