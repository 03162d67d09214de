import type { PostgresServer } from '../postgres.js';

/** The database role of each service with a database, and the schema it owns (the service's `schema`). */
export const SERVICE_SCHEMAS = { decisions: 'decisions', orders: 'orders', billing: 'billing' } as const;
export type DatabaseService = keyof typeof SERVICE_SCHEMAS;

/**
 * Gives each service a role of its own that may connect to the platform's database and owns its
 * schema, and nothing else: no other service's schema, no right to create schemas, no superuser.
 * A service's migrations run as that role, so a migration that touched another service's tables
 * would fail. Idempotent: a warm start changes nothing.
 */
export async function setupServiceRoles(postgres: PostgresServer, database: string): Promise<Record<DatabaseService, string>> {
  const statements = [
    // PostgreSQL lets every role connect and make temporary tables unless told otherwise.
    `REVOKE ALL ON DATABASE ${database} FROM PUBLIC`,
    `REVOKE ALL ON SCHEMA public FROM PUBLIC`,
  ];
  for (const [service, schema] of Object.entries(SERVICE_SCHEMAS)) {
    statements.push(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${service}') THEN CREATE ROLE ${service} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$`,
      `GRANT CONNECT ON DATABASE ${database} TO ${service}`,
      `CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${service}`,
      `ALTER SCHEMA ${schema} OWNER TO ${service}`,
      `ALTER ROLE ${service} SET search_path TO ${schema}`,
    );
  }
  await postgres.psql(statements.join(';\n'));
  return Object.fromEntries(
    Object.keys(SERVICE_SCHEMAS).map((service) => [service, `postgres://${service}@${postgres.host}:${postgres.port}/${database}`]),
  ) as Record<DatabaseService, string>;
}
