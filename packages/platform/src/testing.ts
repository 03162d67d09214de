import type { FastifyInstance } from 'fastify';
import type { Kysely, Migration } from 'kysely';
import type { Principal } from '@kundval/contracts';
import { openDatabase } from './database.js';
import { messagingMigration, type MessagingTables } from './outbox.js';
import { createServiceApp, type FastifyPluginAsyncZod } from './http.js';
import { issueToken } from './auth.js';
import { createLogger } from './logger.js';

/**
 * Builds a service's real app over a real database (PGlite in memory unless `TEST_DATABASE_URL`
 * names a PostgreSQL server) for route tests that call `app.inject()`. Nothing is mocked: the
 * outbox rows a route writes are there to assert on; only the relay to NATS is not running.
 */
export async function createTestService<DB>(spec: {
  name: string;
  schema: string;
  migrations: Record<string, Migration>;
  routes: (deps: { db: Kysely<DB & MessagingTables>; afterCommit: () => void }) => FastifyPluginAsyncZod;
  databaseUrl?: string;
}) {
  const auth = { secret: 'test-secret-that-is-long-enough-for-hs256', issuer: 'kundval-test' };
  const database = await openDatabase<DB & MessagingTables>({
    url: spec.databaseUrl ?? process.env['TEST_DATABASE_URL'] ?? 'pglite://memory',
    schema: spec.schema,
    migrations: { '0000_messaging': messagingMigration, ...spec.migrations },
  });
  let commits = 0;
  const app: FastifyInstance = await createServiceApp({
    name: spec.name,
    version: 'test',
    description: 'test',
    logger: createLogger(spec.name, { level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    auth,
    routes: spec.routes({ db: database.db, afterCommit: () => void commits++ }),
  });
  await app.ready();
  return {
    app,
    db: database.db,
    engine: database.engine,
    /** How many times a route told the relay that it committed events. */
    commits: () => commits,
    /** A bearer header for the principal, signed by the test issuer. */
    as: async (principal: Partial<Principal> & Pick<Principal, 'role'>) => ({
      authorization: `Bearer ${await issueToken(auth, { sub: `${principal.role}-user`, ...principal })}`,
    }),
    /** Events in the outbox, oldest first, as { subject, payload }. */
    outbox: async () => {
      const rows = await (database.db as unknown as Kysely<MessagingTables>).selectFrom('outbox').select('envelope').orderBy('seq').execute();
      return rows.map((r) => ({ subject: r.envelope.subject, payload: r.envelope.payload as Record<string, unknown> }));
    },
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
