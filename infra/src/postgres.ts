import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { canConnect, runCommand, ServerProcess, waitUntilReady } from './process.js';
import { findPostgresBinDir } from './tools.js';

export interface PostgresOptions {
  /** TCP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Database created for the caller; `kundval` by default. */
  database?: string;
  /** Receives the server's output, line by line. */
  log?: (line: string) => void;
  /**
   * Keep the cluster in this folder across runs (initdb only when it is empty), with durable
   * writes; it is not deleted on stop. Without it the cluster is a throwaway one, as tests want.
   */
  dataDir?: string;
  /** Server settings passed as `-c name=value`, e.g. a benchmark's `shared_preload_libraries`. */
  settings?: Record<string, string>;
}

export interface PostgresServer {
  /** Connection URL, `postgres://postgres@127.0.0.1:<port>/<database>` (no password: trust auth). */
  url: string;
  host: string;
  port: number;
  /** The superuser the URL connects as (trust authentication on loopback). */
  superuser: string;
  /** Runs SQL as the superuser in `database` (default: the caller's), stopping at the first error; resolves to psql's output. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server, waits until it has exited and deletes its data. Safe to call more than once. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const SUPERUSER = 'postgres';
const READY_TIMEOUT_MS = 60_000;

/**
 * Starts a throwaway PostgreSQL cluster for tests: a fresh data folder under the system temp
 * folder, trust authentication on 127.0.0.1 only, and durability switched off for speed.
 * Everything is deleted on stop.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  const database = options.database ?? 'kundval';
  // The name is spliced into SQL and a URL; a plain identifier needs no quoting in either.
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`Database name must be a lower-case identifier, got "${database}".`);
  const port = options.port ?? (await freePort());
  const owner = await unprivilegedOwner();

  const persistent = options.dataDir !== undefined;
  const root = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kundval-pg-')));
  await mkdir(root, { recursive: true });
  const dataDir = join(root, 'data');
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  // Unix sockets go here rather than /var/run/postgresql, which may not exist or be writable.
  const socketDir = join(root, 'socket');
  await mkdir(socketDir, { recursive: true });
  if (owner) {
    await chown(root, owner.uid, owner.gid);
    await chown(socketDir, owner.uid, owner.gid);
  }
  const runAs = owner ? { uid: owner.uid, gid: owner.gid } : {};

  if (fresh) {
    const initdb = await runCommand(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', ...(persistent ? [] : ['--no-sync'])],
      { ...runAs, cwd: root, timeoutMs: 120_000 },
    );
    if (initdb.code !== 0) {
      if (!persistent) await rm(root, { recursive: true, force: true });
      throw new Error(`initdb failed (exit ${initdb.code}):\n${initdb.stderr || initdb.stdout}`);
    }
  }

  const server = new ServerProcess({
    name: 'postgres',
    command: join(binDir, 'postgres'),
    args: [
      '-D', dataDir,
      '-p', String(port),
      '-k', socketDir,
      '-c', `listen_addresses=${HOST}`,
      // Test data is disposable: skip the disk flushes that make a cluster crash-safe. A kept
      // cluster keeps PostgreSQL's durable defaults.
      ...(persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      // The cluster topology runs a Temporal server and two replicas of every service on it.
      '-c', 'max_connections=300',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    ...runAs,
    cwd: root,
    // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions and exit promptly.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 10_000,
    cleanupPaths: persistent ? [] : [root],
    ...(options.log ? { log: options.log } : {}),
  });

  const pgIsReady = join(binDir, 'pg_isready');
  const psql = join(binDir, 'psql');
  try {
    await waitUntilReady(
      server,
      async () => {
        if (!existsSync(pgIsReady)) return canConnect(HOST, port);
        const probe = await runCommand(pgIsReady, ['-h', HOST, '-p', String(port), '-U', SUPERUSER, '-d', 'postgres'], { timeoutMs: 5_000 });
        return probe.code === 0;
      },
      { timeoutMs: READY_TIMEOUT_MS, what: `connections on ${HOST}:${port}` },
    );
    const exists = await runSql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${database}'`);
    if (exists.trim() !== '1') await runSql('postgres', `CREATE DATABASE ${database}`);
  } catch (error) {
    await server.stop();
    throw error;
  }

  async function runSql(db: string, statements: string): Promise<string> {
    const result = await runCommand(
      psql,
      ['-h', HOST, '-p', String(port), '-U', SUPERUSER, '-d', db, '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-t', '-A', '-c', statements],
      { timeoutMs: 60_000 },
    );
    if (result.code !== 0) throw new Error(`SQL on ${db} failed:\n${result.stderr}`);
    return result.stdout;
  }

  return {
    url: `postgres://${SUPERUSER}@${HOST}:${port}/${database}`,
    host: HOST,
    port,
    superuser: SUPERUSER,
    psql: (statements, db = database) => runSql(db, statements),
    stop: () => server.stop(),
  };
}

/**
 * PostgreSQL refuses to run as root. When we are root, the cluster belongs to the `postgres`
 * system user (created by Debian's package) or, failing that, `nobody`. Otherwise we run it ourselves.
 */
async function unprivilegedOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const users = new Map<string, { uid: number; gid: number }>();
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name && uid && gid) users.set(name, { uid: Number(uid), gid: Number(gid) });
  }
  const owner = users.get('postgres') ?? users.get('nobody');
  if (!owner) throw new Error('Running as root, but neither a `postgres` nor a `nobody` user exists to run PostgreSQL as.');
  return owner;
}
