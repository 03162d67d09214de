import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { conflict } from '@kundval/platform';
import type { DecisionsDb } from '../app.js';

/**
 * The optional Idempotency-Key header of every command route. Declare it in the route's schema so
 * that it is documented and checked like any other input.
 */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(8)
    .max(100)
    .optional()
    .describe('A key unique to this command (a UUID): a retry with the same key and request gets the first answer (200) instead of doing the command again'),
});

/** What a command's work produced: the status of a first answer, and its body. */
export type CommandResult<T> = { status: 200 | 201; body: T };

/**
 * Runs commands the same way on every route: one transaction for the change, its events and its
 * audit row; with an Idempotency-Key, the key and the answer are stored in that same transaction,
 * so a retry after a lost answer (or a crash after commit) gets the first answer back instead of a
 * second change. A key is scoped to the route and the caller; reusing it for a different request is
 * refused (409), since answering with the other request's result would be silently wrong.
 *
 * A refused command stores no key: the retry of a 4xx runs again, which lets a caller correct it.
 * Concurrent requests with one key serialise on the key's row: the second waits for the first to
 * commit and then replays its answer.
 */
export function commandRunner(db: DecisionsDb, afterCommit: () => void) {
  return async function runCommand<T>(req: FastifyRequest, reply: FastifyReply, work: (trx: DecisionsDb) => Promise<CommandResult<T>>): Promise<FastifyReply> {
    const key = idempotencyKeyOf(req);
    const scope = `${req.method} ${req.routeOptions.url ?? req.url}`;
    const actor = req.principal.sub;
    const fingerprint = key ? requestFingerprint(req) : null;

    const outcome = await db.transaction().execute(async (trx) => {
      if (key) {
        const claimed = await trx
          .insertInto('idempotency_keys')
          .values({ scope, actor, key, request_hash: fingerprint, status: 0, response: 'null' })
          .onConflict((oc) => oc.columns(['scope', 'actor', 'key']).doNothing())
          .returning('key')
          .executeTakeFirst();
        if (!claimed) {
          const prior = await trx
            .selectFrom('idempotency_keys')
            .select(['request_hash', 'response'])
            .where('scope', '=', scope)
            .where('actor', '=', actor)
            .where('key', '=', key)
            .executeTakeFirstOrThrow();
          if (prior.request_hash !== null && prior.request_hash !== fingerprint) {
            throw conflict('DECISIONS.IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request; use a new key for a new command.');
          }
          return { replayed: true, status: 200, body: prior.response as T };
        }
      }
      const result = await work(trx);
      if (key) {
        await trx
          .updateTable('idempotency_keys')
          .set({ status: result.status, response: JSON.stringify(result.body) })
          .where('scope', '=', scope)
          .where('actor', '=', actor)
          .where('key', '=', key)
          .execute();
      }
      return { replayed: false, ...result };
    });
    // The relay publishes what the transaction wrote; a replay wrote nothing.
    if (!outcome.replayed) afterCommit();
    return reply.code(outcome.status).header('idempotent-replayed', String(outcome.replayed)).send(outcome.body);
  };
}

export type RunCommand = ReturnType<typeof commandRunner>;

function idempotencyKeyOf(req: FastifyRequest): string | null {
  const value = req.headers['idempotency-key'];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** A digest of what the command was asked to do: the route's params and the validated body. */
function requestFingerprint(req: FastifyRequest): string {
  return createHash('sha256')
    .update(canonicalJson({ params: req.params ?? null, body: req.body ?? null }))
    .digest('hex');
}

/** JSON with object keys sorted, so that the same request always has the same fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
