import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorBody, conflict } from '@kundval/platform';
import type { OrdersDeps } from '../app.js';
import type { Tx } from '../store/tx.js';
import { stockholmDate, systemClock } from '../calendar.js';

export type { Tx };

/** The error answers every route declares. */
export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/**
 * The headers of a command: an optional `Idempotency-Key`. A client that may retry (the journey's
 * activities, a browser on a flaky network) sends one; the first successful answer is kept and a
 * retry with the same key gets it again without the command running twice.
 */
export const CommandHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, '1 to 200 visible ASCII characters')
    .optional()
    .describe('Makes the command safe to retry: the same key and request answer the same, once.'),
});

export type CommandResult<T> = { status: number; body: T };

/**
 * Runs every state-changing route of the service the same way: one transaction for the change, its
 * events (outbox) and its audit rows; the relay kicked after commit; and the Idempotency-Key kept
 * in that same transaction, so a retried command either replays the stored answer or runs once.
 * A refusal rolls everything back, the key included: the retry is then judged afresh.
 */
export function commandRunner(deps: OrdersDeps) {
  const clock = deps.clock ?? systemClock;
  return async function command<R extends CommandResult<unknown>>(req: FastifyRequest, reply: FastifyReply, work: (tx: Tx) => Promise<R>) {
    const key = (req.headers as Record<string, unknown>)['idempotency-key'];
    const now = clock();
    const result = await deps.db.transaction().execute(async (trx) => {
      const tx: Tx = { db: trx, today: stockholmDate(now), now, actor: req.principal, correlationId: req.correlationId };
      if (typeof key !== 'string') return { ...(await work(tx)), replayed: false };
      const actor = `${req.principal.role}:${req.principal.sub}`;
      const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
      const fingerprint = createHash('sha256').update(canonicalJson({ route, params: req.params, query: req.query, body: req.body })).digest('hex');
      const claimed = await trx
        .insertInto('idempotency_keys')
        .values({ actor, key, route, fingerprint, status_code: 0, body: null })
        .onConflict((oc) => oc.columns(['actor', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) {
        // A concurrent first use waits on the key's row until it commits, so this reads its answer.
        const kept = await trx.selectFrom('idempotency_keys').selectAll().where('actor', '=', actor).where('key', '=', key).executeTakeFirstOrThrow();
        if (kept.fingerprint !== fingerprint) {
          throw conflict('ORDERS.IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request; use a new key for a new command.');
        }
        return { status: kept.status_code, body: kept.body, replayed: true };
      }
      const done = await work(tx);
      await trx
        .updateTable('idempotency_keys')
        .set({ status_code: done.status, body: JSON.stringify(done.body) })
        .where('actor', '=', actor)
        .where('key', '=', key)
        .execute();
      return { ...done, replayed: false };
    });
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    else deps.afterCommit();
    // The body was built for this route's response schema; the serializer checks it once more.
    return reply.code(result.status).send(result.body as never);
  };
}

/** JSON with object keys sorted, so that equal requests hash equal whatever the key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
