import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { ServerProcess, waitUntilReady } from './process.js';
import { startNatsServer, type NatsServer } from './nats.js';
import { startTemporalDevServer, type SearchAttributeType, type TemporalDevServer } from './temporal.js';
import { findRepoRoot } from './tools.js';

/** The services of the platform, each a Node process of its own, and the port each prefers locally. */
const SERVICES = { decisions: 4101, orders: 4102, billing: 4103, workflows: 4104 } as const;
export type ServiceName = keyof typeof SERVICES;

export interface LocalPlatformOptions {
  /** Folder that keeps Temporal's SQLite file, the JetStream store, PGlite data and the dev token secret across runs; a temporary one (removed on stop) when omitted. */
  dataDir?: string;
  /** Prefer the well-known local ports (4101–4104, 7233, 8233, 4222) when free; tests leave this off and get free ports. */
  preferWellKnownPorts?: boolean;
  /** One PostgreSQL server for all services (each keeps its own schema); PGlite per service when omitted. */
  databaseUrl?: string;
  /** Custom search attributes for the Temporal dev server (the journeys' KundvalArea, …). */
  searchAttributes?: Record<string, SearchAttributeType>;
  /** Extra environment for every service and the worker (e.g. CHOICE_DEADLINE_MS for fast tests). */
  env?: Record<string, string>;
  logLevel?: 'info' | 'warn' | 'error' | 'debug' | 'silent';
  /** Receives every line the services, the worker and the servers print. */
  log?: (source: string, line: string) => void;
}

export interface LocalPlatform {
  urls: Record<ServiceName, string>;
  temporal: { address: string; uiUrl: string; namespace: string };
  nats: { url: string; monitorUrl: string };
  /** The development token issuer's settings, so tools and tests can sign tokens the services accept. */
  auth: { secret: string; issuer: string };
  /** The journey worker, a process of its own so that it can be killed and restarted mid-journey. */
  worker: { kill(signal?: NodeJS.Signals): Promise<void>; start(): Promise<void>; readonly running: boolean };
  stop(): Promise<void>;
}

/**
 * Starts the whole platform on this machine with real components: the Temporal dev server,
 * nats-server with JetStream, the four services (built `dist/server.js`) and the journey worker.
 * Used by `npm start` (persistent data folder, well-known ports) and by the end-to-end tests
 * (temporary folder, free ports). Everything started here is stopped by `stop()` or when the
 * process exits.
 */
export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const root = findRepoRoot();
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kundval-')));
  await mkdir(dataDir, { recursive: true });
  const port = (preferred: number) => (options.preferWellKnownPorts ? freePort(preferred) : freePort());
  const log = options.log ?? (() => undefined);
  const started: Array<{ stop(): Promise<void> }> = [];

  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    if (temporary) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const temporal: TemporalDevServer = await startTemporalDevServer({
      dataDir: join(dataDir, 'temporal'),
      port: await port(7233),
      uiPort: await port(8233),
      searchAttributes: options.searchAttributes ?? {},
      log: (line) => log('temporal', line),
    });
    started.push(temporal);
    const nats: NatsServer = await startNatsServer({
      storeDir: join(dataDir, 'nats'),
      port: await port(4222),
      monitorPort: await port(8222),
      log: (line) => log('nats', line),
    });
    started.push(nats);

    const auth = { secret: await devSecret(dataDir), issuer: 'kundval-dev' };
    const ports = Object.fromEntries(
      await Promise.all(Object.entries(SERVICES).map(async ([name, p]) => [name, await port(p)] as const)),
    ) as Record<ServiceName, number>;
    const urls = Object.fromEntries(Object.entries(ports).map(([name, p]) => [name, `http://127.0.0.1:${p}`])) as Record<ServiceName, string>;

    const common: Record<string, string> = {
      NATS_URL: nats.url,
      AUTH_SECRET: auth.secret,
      AUTH_ISSUER: auth.issuer,
      LOG_LEVEL: options.logLevel ?? 'info',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_UI_URL: temporal.uiUrl,
      DECISIONS_URL: urls.decisions,
      ORDERS_URL: urls.orders,
      BILLING_URL: urls.billing,
      ...options.env,
    };
    const databaseUrl = (service: string) => options.databaseUrl ?? `pglite://${join(dataDir, 'pglite', service)}`;

    for (const name of Object.keys(SERVICES) as ServiceName[]) {
      const env = { ...common, PORT: String(ports[name]), ...(name === 'workflows' ? {} : { DATABASE_URL: databaseUrl(name) }) };
      const service = startNodeProcess(root, name, join(root, 'services', name, 'dist', 'server.js'), env, log);
      started.push(service);
      await waitUntilReady(service, () => httpOk(`${urls[name]}/health`), { timeoutMs: 60_000, what: `${name} /health` });
    }

    let worker: ServerProcess | undefined;
    const startWorker = async () => {
      // The worker says it polls at info level; that line is how readiness is known, whatever the level asked for.
      const w = startNodeProcess(root, 'worker', join(root, 'services', 'workflows', 'dist', 'worker.js'), { ...common, LOG_LEVEL: 'info' }, log);
      worker = w;
      await waitUntilReady(w, async () => w.recentOutput().includes('worker started'), { timeoutMs: 120_000, what: 'the worker to poll its task queue' });
    };
    await startWorker();
    started.push({ stop: async () => worker?.stop() });

    return {
      urls,
      temporal: { address: temporal.address, uiUrl: temporal.uiUrl, namespace: temporal.namespace },
      nats: { url: nats.url, monitorUrl: nats.monitorUrl },
      auth,
      worker: {
        async kill(signal: NodeJS.Signals = 'SIGKILL') {
          if (!worker) return;
          if (signal === 'SIGKILL') worker.killNow();
          else await worker.stop();
          await worker.exited;
          worker = undefined;
        },
        start: startWorker,
        get running() {
          return worker !== undefined && worker.exitInfo === undefined;
        },
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function startNodeProcess(root: string, name: string, script: string, env: Record<string, string>, log: (source: string, line: string) => void) {
  if (!existsSync(script)) throw new Error(`${script} is missing: build first (npm run build).`);
  return new ServerProcess({
    name,
    command: process.execPath,
    args: ['--enable-source-maps', script],
    cwd: root,
    env: { ...process.env, ...env },
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 15_000,
    log: (line) => log(name, line),
  });
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  return res.ok;
}

/** The development issuer's signing secret: made once per data folder, so tokens survive a restart. */
async function devSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'dev-auth-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('hex');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}
