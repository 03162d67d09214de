import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * The engines route tests run on. PGlite is what a developer runs without setup; PostgreSQL is
 * what production runs, and the two differ in connection pooling, locking and type parsing, so
 * every route suite runs on both.
 */
export const TEST_ENGINES = ['pglite', 'postgres'] as const;
export type TestEngine = (typeof TEST_ENGINES)[number];

/**
 * The engines this run covers: both, unless `KUNDVAL_TEST_ENGINES` (a comma-separated list) narrows
 * them, e.g. `KUNDVAL_TEST_ENGINES=pglite` on a machine without PostgreSQL installed.
 */
export function testEngines(env: Record<string, string | undefined> = process.env): TestEngine[] {
  const wanted = env['KUNDVAL_TEST_ENGINES']?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!wanted?.length) return [...TEST_ENGINES];
  const unknown = wanted.filter((e) => !(TEST_ENGINES as readonly string[]).includes(e));
  if (unknown.length) throw new Error(`KUNDVAL_TEST_ENGINES names unknown engines: ${unknown.join(', ')} (known: ${TEST_ENGINES.join(', ')})`);
  return TEST_ENGINES.filter((e) => wanted.includes(e));
}

/** A running PostgreSQL server, as `startPostgres()` of `@kundval/infra` returns it. */
export type TestPostgresServer = { url: string; stop(): Promise<void> };

/**
 * A vitest globalSetup that starts one PostgreSQL server for the whole run (when the run covers
 * PostgreSQL), hands its URL to the test files as `postgresUrl` (read it with vitest's `inject`)
 * and stops it when the run ends. The server is passed in so that this package does not depend on
 * the launchers: `export default postgresGlobalSetup(startPostgres)`.
 */
export function postgresGlobalSetup(start: () => Promise<TestPostgresServer>) {
  return async (project: { provide(key: 'postgresUrl', value: string): void }): Promise<(() => Promise<void>) | undefined> => {
    if (!testEngines().includes('postgres')) return undefined;
    const server = await start();
    project.provide('postgresUrl', server.url);
    return () => server.stop();
  };
}

/**
 * A database of its own for one suite, so that suites running side by side never see each other's
 * rows: a fresh in-memory PGlite, or a new database on the run's PostgreSQL server.
 */
export async function testDatabaseUrl(engine: TestEngine, postgresUrl: string | undefined, label = 'suite'): Promise<string> {
  if (engine === 'pglite') return 'pglite://memory';
  if (!postgresUrl) throw new Error('No PostgreSQL server for this run: add postgresGlobalSetup(startPostgres) to the vitest globalSetup, or set KUNDVAL_TEST_ENGINES=pglite.');
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  // Made here from [a-z0-9_] only and starting with a letter, so it needs no quoting.
  const name = `t_${slug}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
