import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, commandRunner as platformCommandRunner, type CommandAnswer, type RunOptions } from '@kundval/platform';
import type { OrdersDeps } from '../deps.js';
import { enqueueAll, type Outcome, type QueryContext, type UseCaseContext } from '../application/context.js';
import type { Tx } from '../store/tx.js';
import { stockholmDate, systemClock } from '../calendar.js';

export type { Tx };

/** The error answers every route declares. */
export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export type CommandResult<T> = CommandAnswer<T>;

/**
 * Runs every state-changing route of the service through the platform's command runner: one
 * transaction for the change, its events (outbox), its audit rows and the Idempotency-Key with its
 * answer (ADR 0016); the relay kicked after commit. The work sees the transaction as a {@link Tx}
 * with the day and instant it runs on, read once from the service's clock.
 */
export function commandRunner(deps: OrdersDeps) {
  const clock = deps.clock ?? systemClock;
  const run = platformCommandRunner(deps.db, { afterCommit: deps.afterCommit });
  return function command<R extends CommandResult<unknown>>(req: FastifyRequest, reply: FastifyReply, work: (tx: Tx) => Promise<R>, options?: RunOptions) {
    const now = clock();
    return run(req, reply, (trx) => work({ db: trx, today: stockholmDate(now), now, actor: req.principal, correlationId: req.correlationId }), options);
  };
}

/**
 * Runs a command use case behind a route: builds its context (transaction, today, now, principal,
 * id generator) inside the platform's command runner, writes the events it returns to the outbox in
 * the same transaction, and answers 201 when it created something, else 200.
 */
export function useCaseRunner(deps: OrdersDeps) {
  const command = commandRunner(deps);
  return function run<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    useCase: (ctx: UseCaseContext) => Promise<Outcome<T>>,
    options?: RunOptions & {
      /** The answer's status where 201/200 does not say it all (a choice queued for a place is 202). */
      status?: (outcome: Outcome<T>) => number;
    },
  ) {
    return command(
      req,
      reply,
      async (tx) => {
        const ctx: UseCaseContext = { ...tx, principal: req.principal, newId: randomUUID };
        const outcome = await useCase(ctx);
        await enqueueAll(ctx, outcome.events);
        return { status: options?.status?.(outcome) ?? (outcome.created ? 201 : 200), body: outcome.result };
      },
      options,
    );
  };
}

/** The context a query use case reads in: the service's database, today by its clock, the caller. */
export function queryContext(deps: OrdersDeps) {
  const clock = deps.clock ?? systemClock;
  return (req: FastifyRequest): QueryContext => ({ db: deps.db, today: stockholmDate(clock()), principal: req.principal });
}
