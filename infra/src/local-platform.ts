import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { COMMAND_TARGETS, startCommandProxies, type CommandTarget, type FaultProxy } from './fault-proxy.js';

export type { CommandTarget } from './fault-proxy.js';
import { startIdentityProvider, type IdentityProvider, type IdpClient, type IdpPerson } from './idp/identity-provider.js';
import { freePort } from './ports.js';
import { ServerProcess, startReady } from './process.js';
import { startNatsServer, type NatsServer } from './nats.js';
import { startFrontDoor } from './cluster/front-door.js';
import { supervision, type BackoffPolicy, type Supervisor, type SupervisorEvent } from './supervisor.js';
import { startTemporalDevServer, type SearchAttributeType, type TemporalDevServer } from './temporal.js';
import { findRepoRoot } from './tools.js';

/** The services of the platform, each a Node process of its own, and the port each prefers locally. */
export const SERVICES = { decisions: 4101, orders: 4102, billing: 4103, workflows: 4104 } as const;
export type ServiceName = keyof typeof SERVICES;
/** Every process the platform runs, each under a supervisor of its own. */
export type ComponentName = 'temporal' | 'nats' | ServiceName | 'worker' | 'console';

/** One supervised process of the platform, as a fault test or an operator handles it. */
export interface ComponentControl {
  readonly running: boolean;
  readonly pid: number | undefined;
  /** How many times the supervisor has brought it back after a crash. */
  readonly restarts: number;
  /**
   * Kills the process (SIGKILL unless told otherwise), as a crash would, and resolves once the
   * supervisor has brought it back: how long it was down and when it was ready again (epoch ms).
   */
  crash(signal?: NodeJS.Signals): Promise<{ downMs: number; backAt: number }>;
  /** Kills the process and keeps it down, unsupervised, until `start()`. */
  halt(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again after a `halt()` and supervises it from then on. */
  start(): Promise<void>;
}

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
  /**
   * Restart policy of the supervisors that bring a crashed component back (defaults: 0.5 s doubling
   * to 30 s, counted afresh after a minute up). Each crash and restart is reported to
   * `onSupervisorEvent`, and logged as source `supervisor`.
   */
  supervision?: Partial<BackoffPolicy>;
  onSupervisorEvent?: (event: SupervisorEvent) => void;
  /**
   * Puts a fault proxy (`startFaultProxy`) between the worker and each service it commands, so a test
   * can lose a command's answer after the service has carried it out. Off by default.
   */
  faultProxies?: boolean | { seed?: number };
  /**
   * Runs the local identity provider (oidc-provider, ADR 0032) and configures every process for it:
   * the services verify its RS256 tokens by its JWKS with their own audiences and no longer accept
   * the development secret; the worker gets its tokens with its own client (client credentials).
   * `people` may sign in (authorization code + PKCE); `clients` are integrations besides the worker.
   */
  identityProvider?: boolean | { people?: IdpPerson[]; clients?: IdpClient[] };
  /**
   * Console processes: 1 by default (component `console`). More run as `console`, `console-2`, …
   * (`consoleReplicas`) behind a front door at `consoleUrl`, sharing their sessions in NATS (ADR 0043).
   */
  consoles?: number;
}

/** The identity provider the platform runs, and the journey worker's client at it. */
export type LocalIdentity = { provider: IdentityProvider; worker: IdpClient; /** The bearer key of the provider's directory (`enrolThroughDirectory`). */ directoryKey: string };

export interface LocalPlatform {
  urls: Record<ServiceName, string>;
  /** The operators' console (apps/console), with a development sign-in (ADR 0027); the front door of its replicas when there are several. */
  consoleUrl: string;
  /** Each console process's own address (one, or each replica's), and its control, in the same order. */
  consoleReplicaUrls: string[];
  consoleReplicas: ComponentControl[];
  /** The worker's own /health, /ready and /metrics (ADR 0028). */
  workerUrl: string;
  temporal: { address: string; uiUrl: string; namespace: string };
  nats: { url: string; monitorUrl: string };
  /** The development token issuer's settings, so tools and tests can sign tokens the services accept. */
  auth: { secret: string; issuer: string };
  /** The journey worker, a process of its own so that it can be killed and restarted mid-journey. */
  worker: { kill(signal?: NodeJS.Signals): Promise<void>; start(): Promise<void>; readonly running: boolean };
  /** Every process of the platform under its supervisor: crash one, halt and start it. */
  components: Record<ComponentName, ComponentControl>;
  /** The fault proxies between the worker and the services it commands, when asked for. */
  proxies?: Record<CommandTarget, FaultProxy>;
  /** The identity provider, when asked for (`identityProvider`): then `auth`'s secret signs nothing the services accept. */
  identity?: LocalIdentity;
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
  /** Starts a component under a supervisor of its own; the first start must succeed. */
  const { supervise, supervisors } = supervision({ backoff: options.supervision ?? {}, log, ...(options.onSupervisorEvent ? { onEvent: options.onSupervisorEvent } : {}), started });

  try {
    const temporalOptions = {
      dataDir: join(dataDir, 'temporal'),
      port: await port(7233),
      uiPort: await port(8233),
      searchAttributes: options.searchAttributes ?? {},
      log: (line: string) => log('temporal', line),
    };
    // The same ports and data on every restart: clients reconnect to the address they know.
    let temporal!: TemporalDevServer;
    await supervise('temporal', async () => (temporal = await startTemporalDevServer(temporalOptions)));
    const natsOptions = { storeDir: join(dataDir, 'nats'), port: await port(4222), monitorPort: await port(8222), log: (line: string) => log('nats', line) };
    let nats!: NatsServer;
    await supervise('nats', async () => (nats = await startNatsServer(natsOptions)));

    const auth = { secret: await devSecret(dataDir), issuer: 'kundval-dev' };
    // Known before the identity provider starts: the console's callback is registered there.
    const consolePort = await port(4100);
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    let identity: LocalIdentity | undefined;
    let workerKeyFile: string | undefined;
    if (options.identityProvider) {
      const given = options.identityProvider === true ? {} : options.identityProvider;
      const commanded = COMMAND_TARGETS.flatMap((s) => [`${s}:read`, `${s}:write`]);
      // The worker authenticates with its own key (private_key_jwt), made at start into the data folder: the provider holds only the public half.
      const directoryKey = randomBytes(24).toString('base64url');
      const workerKey = await machineKey(join(dataDir, 'keys', 'kundval-worker.private.jwk.json'));
      const worker: IdpClient = { clientId: 'kundval-worker', jwks: { keys: [workerKey.publicJwk] }, role: 'system', scopes: commanded, actsOnBehalf: true };
      workerKeyFile = workerKey.file;
      const provider = await startIdentityProvider({
        services: Object.keys(SERVICES),
        clients: [worker, ...(given.clients ?? [])],
        // The scopes the services' routes declare of their own (`config.scope`).
        scopes: ['decisions:import', 'billing:pay'],
        people: given.people ?? [],
        consoleRedirectUris: [`${consoleUrl}/signin/callback`],
        directoryKey,
        consolePostLogoutRedirectUris: [`${consoleUrl}/signin`],
        keyFile: temporary ? undefined : join(dataDir, 'idp', 'signing-key.json'),
        ...(options.preferWellKnownPorts ? { port: await port(4109) } : {}),
      });
      started.push(provider);
      identity = { provider, worker, directoryKey };
    }
    // With the identity provider, no process is given the development secret: a token it signs is refused.
    const authEnv: Record<string, string> = identity
      ? { AUTH_ISSUER: identity.provider.issuer, AUTH_JWKS_URL: identity.provider.jwksUri }
      : { AUTH_SECRET: auth.secret, AUTH_ISSUER: auth.issuer };
    const ports = Object.fromEntries(
      await Promise.all(Object.entries(SERVICES).map(async ([name, p]) => [name, await port(p)] as const)),
    ) as Record<ServiceName, number>;
    const urls = Object.fromEntries(Object.entries(ports).map(([name, p]) => [name, `http://127.0.0.1:${p}`])) as Record<ServiceName, string>;

    const common: Record<string, string> = {
      NATS_URL: nats.url,
      ...authEnv,
      LOG_LEVEL: options.logLevel ?? 'info',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_UI_URL: temporal.uiUrl,
      DECISIONS_URL: urls.decisions,
      ORDERS_URL: urls.orders,
      BILLING_URL: urls.billing,
      // The local platform serves a developer, the demo and the test drivers, which poll many journeys
      // under one subject (the operator, the case handler); production keeps the per-client defaults
      // of ADR 0024, and the edge's own tests check them.
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_SYSTEM_PER_MINUTE: '1000000',
      // Each service's root names the console.
      CONSOLE_URL: consoleUrl,
      ...options.env,
    };
    const databaseUrl = (service: string) => options.databaseUrl ?? `pglite://${join(dataDir, 'pglite', service)}`;

    for (const name of Object.keys(SERVICES) as ServiceName[]) {
      // One bridge here: it needs no pin to keep a journey's events in order, and a restarted one resumes at once (ADR 0041).
      const env = { ...common, PORT: String(ports[name]), ...(name === 'workflows' ? { BRIDGE_PINNED: 'false' } : { DATABASE_URL: databaseUrl(name) }) };
      const script = join(root, 'services', name, 'dist', 'server.js');
      await supervise(name, () =>
        startReady(startNodeProcess(root, name, script, env, log), async () => httpOk(`${urls[name]}/health`), { timeoutMs: 60_000, what: `${name} /health` }),
      );
    }

    const workerPort = await port(4105);
    const commandProxies = options.faultProxies ? await startCommandProxies(urls, options.faultProxies, (line) => log('fault-proxy', line)) : undefined;
    if (commandProxies) started.push(commandProxies);
    const proxies = commandProxies?.proxies;
    // Only the worker's commands go through the proxies; people and the bridge reach the services directly.
    const workerEnv = {
      ...common,
      ...commandProxies?.commandUrls,
      ...(identity ? { AUTH_TOKEN_URL: identity.provider.tokenUrl, AUTH_CLIENT_ID: identity.worker.clientId, AUTH_CLIENT_KEY_FILE: workerKeyFile! } : {}),
      // The worker says it polls at info level; that line is how readiness is known, whatever the level asked for.
      LOG_LEVEL: 'info',
      // Its /health, /ready and /metrics (ADR 0028).
      WORKER_PORT: String(workerPort),
    };
    const workerScript = join(root, 'services', 'workflows', 'dist', 'worker.js');
    const worker = await supervise('worker', () => {
      const w = startNodeProcess(root, 'worker', workerScript, workerEnv, log);
      return startReady(w, async () => w.recentOutput().includes('worker started'), { timeoutMs: 120_000, what: 'the worker to poll its task queue' });
    });

    // The console talks to the services directly (never through the worker's fault proxies), and
    // offers the development sign-in with the local issuer's secret.
    // With the identity provider, people sign in through it (authorization code + PKCE, ADR 0037), and nothing else.
    // Its sessions are sealed with the data folder's key and kept in NATS, so a restart keeps them (ADR 0043).
    const consoleEnv = { ...common, WORKFLOWS_URL: urls.workflows, PUBLIC_URL: consoleUrl, SESSION_SEALING_KEYS: await sessionSealingKey(dataDir), ...(identity ? { OIDC_ISSUER: identity.provider.issuer } : {}) };
    const consoleScript = join(root, 'apps', 'console', 'dist', 'server.js');
    const consoles = options.consoles ?? 1;
    // Several replicas share the public address through a front door, as they would behind a load balancer.
    const consolePorts = consoles === 1 ? [consolePort] : await Promise.all(Array.from({ length: consoles }, () => freePort()));
    const consoleReplicaUrls = consolePorts.map((p) => `http://127.0.0.1:${p}`);
    await Promise.all(
      consolePorts.map((p, i) => {
        const name = i === 0 ? 'console' : `console-${i + 1}`;
        return supervise(name, () =>
          startReady(startNodeProcess(root, name, consoleScript, { ...consoleEnv, PORT: String(p) }, log), async () => httpOk(`${consoleReplicaUrls[i]}/health`), { timeoutMs: 60_000, what: `${name} /health` }),
        );
      }),
    );
    if (consoles > 1) started.push(await startFrontDoor(consolePorts.map((p) => ({ host: '127.0.0.1', port: p })), { port: consolePort }));

    const components = Object.fromEntries([...supervisors].map(([name, supervisor]) => [name, control(supervisor)])) as Record<ComponentName, ComponentControl>;
    return {
      urls,
      consoleUrl,
      consoleReplicaUrls,
      consoleReplicas: consolePorts.map((_, i) => control(supervisors.get(i === 0 ? 'console' : `console-${i + 1}`)!)),
      workerUrl: `http://127.0.0.1:${workerPort}`,
      temporal: { address: temporal.address, uiUrl: temporal.uiUrl, namespace: temporal.namespace },
      nats: { url: nats.url, monitorUrl: nats.monitorUrl },
      auth,
      worker: {
        async kill(signal: NodeJS.Signals = 'SIGKILL') {
          if (signal === 'SIGKILL') await worker.halt('SIGKILL');
          else await worker.stop();
        },
        start: () => worker.start(),
        get running() {
          return worker.running;
        },
      },
      components,
      ...(proxies ? { proxies } : {}),
      ...(identity ? { identity } : {}),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export function control(supervisor: Supervisor): ComponentControl {
  return {
    get running() {
      return supervisor.running;
    },
    get pid() {
      return supervisor.current?.pid;
    },
    get restarts() {
      return supervisor.restarts;
    },
    async crash(signal: NodeJS.Signals = 'SIGKILL') {
      const back = supervisor.nextRestart();
      supervisor.kill(signal);
      const { downMs } = await back;
      return { downMs, backAt: Date.now() };
    },
    halt: (signal: NodeJS.Signals = 'SIGKILL') => supervisor.halt(signal),
    start: () => supervisor.start(),
  };
}

export function startNodeProcess(root: string, name: string, script: string, env: Record<string, string>, log: (source: string, line: string) => void) {
  if (!existsSync(script)) throw new Error(`${script} is missing: build first (npm run build).`);
  return new ServerProcess({
    name,
    command: process.execPath,
    // KUNDVAL_CPU_PROF_DIR: every Node process of the platform writes a V8 CPU profile there on exit (diagnosis, bench/README.md).
    args: ['--enable-source-maps', ...cpuProfileArgs(), script],
    cwd: root,
    env: { ...process.env, ...env },
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 15_000,
    log: (line) => log(name, line),
  });
}

function cpuProfileArgs(): string[] {
  const dir = process.env['KUNDVAL_CPU_PROF_DIR'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  return res.ok;
}

/** The development issuer's signing secret: made once per data folder, so tokens survive a restart. */
export async function devSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'dev-auth-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('hex');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

/** The key that seals the console's sessions (ADR 0043): made once per data folder, so sessions survive a restart. */
export async function sessionSealingKey(dataDir: string): Promise<string> {
  const file = join(dataDir, 'console-session-key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = randomBytes(32).toString('base64url');
  await writeFile(file, key, { mode: 0o600 });
  return key;
}

/**
 * A machine client's ES256 key pair for `private_key_jwt`, kept in `file` (private, mode 600) so
 * that a restarted platform keeps it; made when the file is missing.
 */
async function machineKey(file: string): Promise<{ file: string; publicJwk: JsonWebKey }> {
  let privateJwk: JsonWebKey & { kid?: string };
  try {
    privateJwk = JSON.parse(await readFile(file, 'utf8')) as JsonWebKey & { kid?: string };
  } catch {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'ES256', use: 'sig' } as JsonWebKey & { kid?: string };
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  return { file, publicJwk };
}
