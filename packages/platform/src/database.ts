import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import type { Logger } from './logger.js';

export type DatabaseOptions = {
  /** `postgres://…` for a PostgreSQL server; `pglite://<dir>` for embedded PGlite on disk; `pglite://memory` for a throwaway one. */
  url: string;
  /** The service's own schema: each service owns its tables and nothing else. */
  schema: string;
  /** The service's migrations, applied in name order at start-up. */
  migrations: Record<string, Migration>;
  logger?: Logger;
};

export type Database<DB> = {
  db: Kysely<DB>;
  /** `postgres` or `pglite`: tests and diagnostics want to know which engine answered. */
  engine: 'postgres' | 'pglite';
  close(): Promise<void>;
};

/** Calendar dates stay 'YYYY-MM-DD' strings: turning them into instants would shift them across time zones. */
const DATE_OID = 1082;
pg.types.setTypeParser(DATE_OID, (v: string) => v);

/** bigint columns hold öre and sequence numbers: plain numbers, refused past 2^53 rather than rounded. */
const INT8_OID = 20;
function parseInt8(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint ${v} is beyond safe integer range`);
  return n;
}
pg.types.setTypeParser(INT8_OID, parseInt8);

const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,40}$/;

/**
 * Opens the service's database, creates its schema and applies pending migrations. PGlite is the
 * zero-setup default (one process, one connection); PostgreSQL is the production path. Both see the
 * same SQL: tables live in the service's schema, reached through the connection's search_path.
 */
export async function openDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`Invalid schema name ${options.schema}`);
  const { url, schema } = options;
  let db: Kysely<DB>;
  let engine: Database<DB>['engine'];

  if (url.startsWith('pglite://')) {
    const location = url.slice('pglite://'.length);
    const inMemory = location === 'memory' || location === '';
    if (!inMemory) mkdirSync(location, { recursive: true });
    const client = new PGlite({ ...(inMemory ? {} : { dataDir: location }), parsers: { [DATE_OID]: (v: string) => v, [INT8_OID]: parseInt8 } });
    await client.exec(`create schema if not exists ${schema}; set search_path to ${schema}`);
    db = new Kysely<DB>({ dialect: new PGliteDialect(client) });
    engine = 'pglite';
  } else if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // In production the schema is made beforehand, owned by the service's role, which has no right
      // to create schemas (ADR 0025): create it only when missing, as the development superuser can.
      const { rowCount } = await admin.query('select 1 from pg_namespace where nspname = $1', [schema]);
      if (!rowCount) await admin.query(`create schema if not exists ${schema}`);
    } finally {
      await admin.end();
    }
    const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 10 });
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    engine = 'postgres';
  } else {
    throw new Error(`DATABASE_URL must start with postgres:// or pglite:// (got ${url.split(':')[0]}:…)`);
  }

  await migrate(db, schema, options.migrations, options.logger);
  return { db, engine, close: () => db.destroy() };
}

async function migrate<DB>(db: Kysely<DB>, schema: string, migrations: Record<string, Migration>, logger?: Logger) {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({ db, provider, migrationTableSchema: schema });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Success') logger?.info({ migration: r.migrationName }, 'migration applied');
    if (r.status === 'Error') logger?.error({ migration: r.migrationName }, 'migration failed');
  }
  if (error) throw error;
}

/** `now()` in the database, for rows whose time must be the commit's, not the caller's clock. */
export const dbNow = sql<Date>`now()`;
