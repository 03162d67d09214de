import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Migrator, sql, type Migration } from 'kysely';
import type { AnyServiceDb } from './outbox.js';
import { z } from 'zod';
import type { NatsConnection } from '@nats-io/nats-core';

/**
 * One dependency `/ready` checks: it resolves when the dependency answers, and throws (with a
 * reason an operator can act on) when it does not. Each check has `timeoutMs` to answer.
 */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export const ReadyBody = z.object({
  status: z.enum(['ready', 'not-ready']),
  service: z.string(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), reason: z.string().optional(), ms: z.number() })),
});
export type ReadyBody = z.infer<typeof ReadyBody>;

const CHECK_TIMEOUT_MS = 2_000;

/** Runs every check at once, each bounded by a timeout, and says which failed and why. */
export async function readiness(service: string, checks: readonly ReadinessCheck[], timeoutMs = CHECK_TIMEOUT_MS): Promise<ReadyBody> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
        ]);
        return { name, ok: true, ms: Math.round(performance.now() - started) };
      } catch (err) {
        return { name, ok: false, reason: err instanceof Error ? err.message : String(err), ms: Math.round(performance.now() - started) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { status: results.every((r) => r.ok) ? 'ready' : 'not-ready', service, checks: results };
}

/**
 * `GET /ready`: 200 when every dependency of the process answers, 503 naming the one that does not.
 * An orchestrator sends traffic only to a ready replica and keeps it out while its database or NATS
 * is away; `/health` stays the liveness answer (the process runs), so a dependency's outage never
 * gets every replica restarted at once. Open like `/health` (ADR 0028).
 */
export const readyRoute = fp<{ service: string; checks: readonly ReadinessCheck[] }>(
  async (app: FastifyInstance, { service, checks }) => {
    app.get('/ready', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
      const body = await readiness(service, checks);
      return reply.code(body.status === 'ready' ? 200 : 503).send(body);
    });
  },
  { name: 'kundval-ready' },
);

/** The database answers a query. */
export function databaseCheck(db: AnyServiceDb): ReadinessCheck {
  return { name: 'database', check: async () => void (await sql`select 1`.execute(db)) };
}

/** Every migration the process knows has been applied (a replica of a newer version waits for its migrations). */
export function migrationsCheck(db: AnyServiceDb, schema: string, migrations: Record<string, Migration>): ReadinessCheck {
  return {
    name: 'migrations',
    check: async () => {
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableSchema: schema });
      const pending = (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
      if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')}`);
    },
  };
}

/** The NATS connection is up and the server answers a round trip. */
export function natsCheck(nc: NatsConnection): ReadinessCheck {
  return {
    name: 'nats',
    check: async () => {
      if (nc.isClosed()) throw new Error('connection closed');
      await nc.flush();
    },
  };
}

/** Temporal answers: the caller passes the SDK's own health call (`connection.healthService.check` or `nativeConnection…`). */
export function temporalCheck(ping: () => Promise<unknown>): ReadinessCheck {
  return { name: 'temporal', check: async () => void (await ping()) };
}
