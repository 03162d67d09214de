import { runPeriodically } from './periodic.js';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Generated, type Kysely } from 'kysely';
import { z } from 'zod';
import { AppError, isUniqueViolation, refusalAnswer, unprocessable } from './errors.js';
import type { Logger } from './logger.js';
import type { AnyServiceDb } from './outbox.js';

/**
 * `Idempotency-Key` on every command (POST, PUT, PATCH) of every service: one mechanism, so that a
 * client that retries (the journey's activities above all) gets the answer of the command it sent
 * instead of a second change or a refusal of its own first success.
 *
 * - **Scope.** A key belongs to the calling principal (the token's subject), the method and the
 *   concrete path (the route pattern with its params, `/orders/8f…/end`): the same key sent by
 *   another caller, or to another order, is another command.
 * - **First use.** The key is claimed (a row inserted) in the command's own transaction, before
 *   the command runs; the answer (status and body) is written to that row before commit. The
 *   command's writes and the stored answer commit together or not at all, so a crash can neither
 *   leave the writes without the answer (a retry would act again) nor the answer without the writes.
 * - **Replay.** The same key with the same request (a SHA-256 of the canonical JSON of the parsed
 *   body, object keys sorted; of body and query string when there is one) answers the stored status
 *   and body with `Idempotent-Replayed: true`, and changes nothing.
 * - **Reuse.** The same key with a different request is refused, 422 `IDEMPOTENCY.KEY_REUSED`
 *   naming the key: answering it with another request's result would be silently wrong.
 * - **Concurrency.** A second request with a key whose first request is still running waits on the
 *   key's row (the uncommitted insert) and then replays the first's answer, or runs if the first
 *   was rolled back. We serialise rather than answer 409 `IDEMPOTENCY.IN_PROGRESS` because the
 *   claim lives inside the command's transaction: nothing "in progress" is ever visible or left
 *   behind by a crash (it rolls back with the transaction), so no pending state and no takeover
 *   timeout are needed, and the caller gets the real answer instead of one more retry. The wait is
 *   bounded by the first request's transaction, which every command keeps short.
 * - **What is stored.** Successful answers (2xx) and definite validation refusals of the command
 *   (400, 422): asked again, the command would answer the same. Nothing else: a 404 or 409 often
 *   means "not yet" — another service's event (the decision, the order) has not reached this
 *   service's copy, or a month is not over — and the journey retries exactly such a refusal until
 *   the copy catches up; a stored 409 would be replayed to it forever. 401/403 are decided before
 *   the command, a 5xx is a failure, not an answer. A request refused by its schema (400 before
 *   the command runs) claims no key either.
 * - **Retention.** Keys are purged `IDEMPOTENCY_RETENTION_DAYS` (90 by default) after first use,
 *   longer than any journey keeps retrying one command; see {@link purgeIdempotencyKeys}.
 *
 * A request without the header runs as before, unkeyed. ADR 0016 has the reasoning.
 */

/** The request header carrying the key. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** The answer header that marks a replayed answer. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** The methods that are commands, and take a key. */
export const COMMAND_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH'];

const HEADER = IDEMPOTENCY_KEY_HEADER.toLowerCase();

/** The header as a command route declares it (Node lowercases header names); other headers pass. */
export const IdempotencyHeaders = z.looseObject({
  [HEADER]: z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, '1 to 200 visible ASCII characters')
    .optional()
    .describe(
      'Makes the command safe to retry: a key of your choosing, unique per command (a UUID, or a business key). The same key and request again answer the first answer (marked Idempotent-Replayed: true) without acting twice; the same key with another request is refused (422 IDEMPOTENCY.KEY_REUSED). Kept for the retention the service is configured with, 90 days by default.',
    ),
});

/** The table every service's migrations create with {@link createIdempotencyTable}. */
export type IdempotencyTables = {
  idempotency_keys: {
    principal: string;
    method: string;
    path: string;
    key: string;
    request_hash: string;
    /** Null only inside the claiming transaction, never once committed. */
    status: number | null;
    /** The answer's body as JSON text: text rather than jsonb, so that its members keep their order. */
    body: string | null;
    created_at: Generated<Date>;
  };
};

/** Creates the key table in the service's schema; call it from one of the service's migrations. */
export async function createIdempotencyTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('body', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['principal', 'method', 'path', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').column('created_at').execute();
}

/**
 * A command's answer: the status and the body the route's response schema serialises, and how many
 * events the command wrote to the outbox when it knows. The relay is kicked after a commit unless
 * the command says it wrote none (`enqueued: 0`): a pass for nothing costs four statements, which
 * under load ran for nearly every visit report (bench README, section 9).
 */
export type CommandAnswer<T = unknown> = { status: number; body: T; enqueued?: number };

/** True for an answer a key keeps and replays: 2xx, and the definite refusals 400 and 422 (see the module's doc). */
export function isStoredStatus(status: number): boolean {
  return (status >= 200 && status < 300) || status === 400 || status === 422;
}

/** Who, where and which key: the row a keyed request claims. */
export type IdempotencyScope = { principal: string; method: string; path: string; key: string };

/** The scope of a keyed command, or null for a request without the header or not a command. */
export function idempotencyScopeOf(req: FastifyRequest): IdempotencyScope | null {
  const key = req.headers[HEADER];
  if (typeof key !== 'string' || key.length === 0 || !COMMAND_METHODS.includes(req.method) || !req.principal) return null;
  return { principal: req.principal.sub, method: req.method, path: req.url.split('?')[0]!, key };
}

/** The fingerprint two requests with one key are compared by. */
export function requestHash(body: unknown, query?: unknown): string {
  const hasQuery = query !== null && typeof query === 'object' && Object.keys(query).length > 0;
  return createHash('sha256')
    .update(canonicalJson(hasQuery ? { body: body ?? null, query } : (body ?? null)))
    .digest('hex');
}

/** JSON with object keys sorted and undefined members left out, so equal requests hash equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Requests whose key a runner took care of; the app's guard reports a keyed command that bypassed it. */
const honoured = new WeakSet<FastifyRequest>();

/** True when the request's key, if any, went through a {@link commandRunner}. */
export function idempotencyHonoured(req: FastifyRequest): boolean {
  return honoured.has(req);
}

/**
 * For a command that an engine de-duplicates by an id of its own (a Temporal update, whose id the
 * server answers again with the first outcome): the id to give it, derived from who sent the key,
 * where, and the key, or undefined for a request without one. Marks the key as honoured. Unlike the
 * runner, a reused key with another body is not refused here: the engine answers the first outcome.
 */
export function keyedOperationId(req: FastifyRequest): string | undefined {
  honoured.add(req);
  const scope = idempotencyScopeOf(req);
  if (!scope) return undefined;
  return `key-${createHash('sha256').update(canonicalJson(scope)).digest('base64url').slice(0, 32)}`;
}

type Outcome = CommandAnswer & { replayed: boolean };

export type CommandRunnerOptions = {
  /** Tells the outbox relay that a transaction committed events. */
  afterCommit: () => void;
};

export type RunOptions = {
  /**
   * Run the command once more when it fails on a unique constraint: a concurrent command (without
   * this key) took the same business key, and the second run finds its row and answers with it.
   */
  retryOnUniqueViolation?: boolean;
};

/**
 * Runs a service's commands: one transaction for the command's writes, its events and audit rows
 * and, with an `Idempotency-Key`, the key and the answer (see the module's doc for the rules).
 * The relay is kicked after a commit that ran the command, unless the command answered that it
 * wrote no events (`enqueued: 0`), and never after a replay.
 *
 * `run` is for a command that writes in one transaction (every command but the billing run).
 * `runSpanning` is for a command that commits several transactions of its own: its answer is
 * stored after its last commit, so a crash in between leaves the writes without the answer; use it
 * only where the command is idempotent by its own business key, so that the retry acting again
 * finds its work done and answers the same.
 */
export function commandRunner<DB extends AnyServiceDb>(db: DB, options: CommandRunnerOptions) {
  const keys = db as unknown as Kysely<IdempotencyTables>;

  async function run<T>(req: FastifyRequest, reply: FastifyReply, work: (trx: DB) => Promise<CommandAnswer<T>>, runOptions: RunOptions = {}): Promise<FastifyReply> {
    honoured.add(req);
    const scope = idempotencyScopeOf(req);
    const hash = scope ? requestHash(req.body, req.query) : '';
    for (let attempt = 1; ; attempt++) {
      let failedInWork = false;
      try {
        const outcome = await db.transaction().execute(async (trx): Promise<Outcome> => {
          const keyed = trx as unknown as Kysely<IdempotencyTables>;
          if (scope) {
            const stored = await claim(keyed, scope, hash);
            if (stored) return stored;
          }
          let answer: CommandAnswer<T>;
          try {
            answer = await work(trx as unknown as DB);
          } catch (err) {
            failedInWork = true;
            throw err;
          }
          if (scope) await record(keyed, scope, answer);
          return { ...answer, replayed: false };
        });
        if (!outcome.replayed && outcome.enqueued !== 0) options.afterCommit();
        return send(reply, outcome);
      } catch (err) {
        if (failedInWork && runOptions.retryOnUniqueViolation && attempt === 1 && isUniqueViolation(err)) continue;
        if (failedInWork && scope) await storeRefusal(keys, scope, hash, err, req);
        throw err;
      }
    }
  }

  async function runSpanning<T>(req: FastifyRequest, reply: FastifyReply, work: () => Promise<CommandAnswer<T>>): Promise<FastifyReply> {
    honoured.add(req);
    const scope = idempotencyScopeOf(req);
    const hash = scope ? requestHash(req.body, req.query) : '';
    if (scope) {
      const stored = await storedAnswer(keys, scope, hash);
      if (stored) return send(reply, stored);
    }
    let answer: CommandAnswer<T>;
    try {
      answer = await work();
    } catch (err) {
      if (scope) await storeRefusal(keys, scope, hash, err, req);
      throw err;
    }
    options.afterCommit();
    if (scope && isStoredStatus(answer.status)) {
      const inserted = await keys
        .insertInto('idempotency_keys')
        .values({ ...scope, request_hash: hash, status: answer.status, body: JSON.stringify(answer.body) })
        .onConflict((oc) => oc.columns(['principal', 'method', 'path', 'key']).doNothing())
        .executeTakeFirst();
      // A concurrent request with the key finished first: its answer is the key's answer.
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
        const stored = await storedAnswer(keys, scope, hash);
        if (stored) return send(reply, stored);
      }
    }
    return send(reply, { ...answer, replayed: false });
  }

  return Object.assign(run, { runSpanning });
}

export type RunCommand = ReturnType<typeof commandRunner>;

/**
 * Claims the key inside the command's transaction. The insert waits while another transaction holds
 * an uncommitted claim of the same key; once that one commits, its answer is read and returned.
 */
async function claim(trx: Kysely<IdempotencyTables>, scope: IdempotencyScope, hash: string): Promise<Outcome | null> {
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({ ...scope, request_hash: hash, status: null, body: null })
    .onConflict((oc) => oc.columns(['principal', 'method', 'path', 'key']).doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 1) return null;
  const stored = await storedAnswer(trx, scope, hash);
  if (!stored) throw new Error(`Idempotency-Key ${scope.key} is claimed but holds no answer`);
  return stored;
}

/** The stored answer to the key, or null when there is none; refuses a key reused for another request. */
async function storedAnswer(db: Kysely<IdempotencyTables>, scope: IdempotencyScope, hash: string): Promise<Outcome | null> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'body'])
    .where('principal', '=', scope.principal)
    .where('method', '=', scope.method)
    .where('path', '=', scope.path)
    .where('key', '=', scope.key)
    .executeTakeFirst();
  if (!row || row.status === null) return null;
  if (row.request_hash !== hash) {
    throw unprocessable(
      'IDEMPOTENCY.KEY_REUSED',
      `The Idempotency-Key "${scope.key}" was used for a different request to ${scope.method} ${scope.path}; send a new key for a new command.`,
      { field: `headers.${HEADER}` },
    );
  }
  return { status: row.status, body: row.body === null ? null : (JSON.parse(row.body) as unknown), replayed: true };
}

/** Writes the answer to the claimed row, or gives the claim up for an answer that is not kept. */
async function record(trx: Kysely<IdempotencyTables>, scope: IdempotencyScope, answer: CommandAnswer): Promise<void> {
  const row = trx
    .updateTable('idempotency_keys')
    .where('principal', '=', scope.principal)
    .where('method', '=', scope.method)
    .where('path', '=', scope.path)
    .where('key', '=', scope.key);
  if (isStoredStatus(answer.status)) {
    await row.set({ status: answer.status, body: JSON.stringify(answer.body ?? null) }).execute();
  } else {
    await trx
      .deleteFrom('idempotency_keys')
      .where('principal', '=', scope.principal)
      .where('method', '=', scope.method)
      .where('path', '=', scope.path)
      .where('key', '=', scope.key)
      .execute();
  }
}

/**
 * Keeps a definite refusal (400, 422) of the command with its key. The command's transaction was
 * rolled back, so nothing it did is left to keep together with the answer; a concurrent request
 * that stored first wins.
 */
async function storeRefusal(db: Kysely<IdempotencyTables>, scope: IdempotencyScope, hash: string, err: unknown, req: FastifyRequest): Promise<void> {
  if (!(err instanceof AppError)) return;
  const { status, body } = refusalAnswer(err);
  if (!isStoredStatus(status)) return;
  try {
    await db
      .insertInto('idempotency_keys')
      .values({ ...scope, request_hash: hash, status, body: JSON.stringify(body) })
      .onConflict((oc) => oc.columns(['principal', 'method', 'path', 'key']).doNothing())
      .execute();
  } catch (storeErr) {
    // The refusal is still the answer; a retry is judged afresh, which refuses it again.
    req.log.warn({ err: storeErr }, 'could not keep the refusal with its Idempotency-Key');
  }
}

function send(reply: FastifyReply, outcome: Outcome): FastifyReply {
  if (outcome.replayed) void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
  // The body was built for this route's response schema (or is a stored one of them); the serializer checks it again.
  return reply.code(outcome.status).send(outcome.body as never);
}

/**
 * Deletes the keys first used more than `retentionDays` before `now`. The retention must outlive
 * every retry of the command (a journey retries a command for days at most, across a worker
 * restart); after it, the same key is a new command.
 */
export async function purgeIdempotencyKeys(db: AnyServiceDb, options: { now: Date; retentionDays: number }): Promise<number> {
  const cutoff = new Date(options.now.getTime() - options.retentionDays * 24 * 3600_000);
  const result = await (db as Kysely<IdempotencyTables>).deleteFrom('idempotency_keys').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Purges expired keys now and then every `intervalMs` (an hour by default) in the service process.
 * A failed pass is logged and tried again at the next interval.
 */
export function startIdempotencyPurge(
  db: AnyServiceDb,
  options: { retentionDays: number; logger: Logger; intervalMs?: number; clock?: () => Date },
): { stop(): Promise<void> } {
  const clock = options.clock ?? (() => new Date());
  return runPeriodically(
    async () => {
      const purged = await purgeIdempotencyKeys(db, { now: clock(), retentionDays: options.retentionDays });
      if (purged > 0) options.logger.info({ purged, retentionDays: options.retentionDays }, 'expired idempotency keys purged');
    },
    { intervalMs: options.intervalMs ?? 3600_000, logger: options.logger, failure: 'idempotency key purge failed; will retry' },
  );
}
