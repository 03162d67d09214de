import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { conflict, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDb } from './app.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The header every command takes; other headers pass through untouched (a loose object). */
const IdempotencyHeaders = z.looseObject({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, 'expected 1–200 printable ASCII characters')
    .optional()
    .describe('A key of your choosing, unique per command: sending the same command with the same key again returns the first answer instead of acting twice'),
});

type Reservation = { actor: string; key: string };

/**
 * `Idempotency-Key` for every command (POST) of the wrapped routes, in one place. The first request
 * with a key reserves it; a 2xx answer is stored with it and replayed, byte for byte and marked
 * `idempotent-replayed: true`, to a retry with the same key and the same request. A refusal or a
 * failure releases the key, so a retry after the cause is fixed acts (a 404 because billing has not
 * seen the order yet must not be replayed forever). The same key with another request is a 409,
 * as is a key whose first request is still running. Keys belong to the caller (token subject).
 *
 * The stored answer is written after the command's transaction commits: a crash in between leaves
 * the key pending, taken over after `pendingTimeoutMs`; every billing command is also idempotent by
 * its business key (order, month and basis; provider and external id; …), so acting again is safe.
 */
export function withIdempotency(db: BillingDb, routes: FastifyPluginAsyncZod, options: { pendingTimeoutMs?: number } = {}): FastifyPluginAsyncZod {
  const pendingTimeoutMs = options.pendingTimeoutMs ?? 60_000;
  return async (app) => {
    const reservations = new WeakMap<FastifyRequest, Reservation>();

    app.addHook('onRoute', (route) => {
      if (![route.method].flat().includes('POST')) return;
      route.schema = { ...(route.schema ?? {}), headers: route.schema?.headers ?? IdempotencyHeaders };
    });

    app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
      const key = req.headers[IDEMPOTENCY_HEADER];
      if (req.method !== 'POST' || typeof key !== 'string') return;
      const actor = `${req.principal.role}:${req.principal.sub}`;
      const route = req.routeOptions.url ?? req.url;
      const requestHash = createHash('sha256')
        .update(JSON.stringify({ params: req.params ?? null, query: req.query ?? null, body: req.body ?? null }))
        .digest('hex');
      const inserted = await db
        .insertInto('idempotency_keys')
        .values({ actor, idem_key: key, method: req.method, route, request_hash: requestHash, state: 'pending', response_status: null, response_type: null, response_body: null })
        .onConflict((oc) => oc.columns(['actor', 'idem_key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) {
        reservations.set(req, { actor, key });
        return;
      }
      const row = await db.selectFrom('idempotency_keys').selectAll().where('actor', '=', actor).where('idem_key', '=', key).executeTakeFirstOrThrow();
      if (row.method !== req.method || row.route !== route || row.request_hash !== requestHash) {
        throw conflict('BILLING.IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another request; use a new key for a new command.', { field: `headers.${IDEMPOTENCY_HEADER}` });
      }
      if (row.state === 'done' && row.response_status !== null) {
        return reply
          .code(row.response_status)
          .header('content-type', row.response_type ?? 'application/json; charset=utf-8')
          .header('idempotent-replayed', 'true')
          .send(row.response_body ?? '');
      }
      const taken = await db
        .updateTable('idempotency_keys')
        .set({ created_at: new Date() })
        .where('actor', '=', actor)
        .where('idem_key', '=', key)
        .where('state', '=', 'pending')
        .where('created_at', '<', new Date(Date.now() - pendingTimeoutMs))
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) {
        throw conflict('BILLING.IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly.', { field: `headers.${IDEMPOTENCY_HEADER}` });
      }
      reservations.set(req, { actor, key });
    });

    app.addHook('onSend', async (req, reply, payload) => {
      const reservation = reservations.get(req);
      if (!reservation) return payload;
      reservations.delete(req);
      const where = db.updateTable('idempotency_keys').where('actor', '=', reservation.actor).where('idem_key', '=', reservation.key);
      try {
        if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string') {
          const type = reply.getHeader('content-type');
          await where.set({ state: 'done', response_status: reply.statusCode, response_type: typeof type === 'string' ? type : null, response_body: payload }).execute();
        } else {
          await db.deleteFrom('idempotency_keys').where('actor', '=', reservation.actor).where('idem_key', '=', reservation.key).where('state', '=', 'pending').execute();
        }
      } catch (err) {
        // The command is done; a key left pending is taken over after the timeout.
        req.log.warn({ err }, 'could not record the idempotency key');
      }
      return payload;
    });

    await app.register(routes);
  };
}
