import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { commandRunner, type RunOptions } from '@kundval/platform';
import type { DecisionsDeps } from '../deps.js';
import { enqueueAll, type Outcome, type QueryContext, type UseCaseContext } from '../application/context.js';
import { stockholmDate } from '@kundval/domain';

/**
 * Runs a command use case behind a route, through the platform's command runner (one transaction
 * for the change, its events, audit rows and the Idempotency-Key's answer; ADR 0016): builds its
 * context, writes the events it returns to the outbox, and answers 201 when it created something.
 */
export function useCaseRunner(deps: DecisionsDeps) {
  const run = commandRunner(deps.db, { afterCommit: deps.afterCommit });
  return function command<T>(req: FastifyRequest, reply: FastifyReply, useCase: (ctx: UseCaseContext) => Promise<Outcome<T>>, options?: RunOptions) {
    const now = new Date();
    return run(
      req,
      reply,
      async (trx) => {
        const ctx: UseCaseContext = { db: trx, now, today: stockholmDate(now), principal: req.principal, correlationId: req.correlationId, newId: randomUUID, municipality: deps.municipality, ...(deps.vault ? { vault: deps.vault } : {}) };
        const outcome = await useCase(ctx);
        await enqueueAll(ctx, outcome.events);
        return { status: outcome.created ? 201 : 200, body: outcome.result };
      },
      options,
    );
  };
}

/** The context a query use case reads in. */
export function queryContext(deps: DecisionsDeps) {
  return (req: FastifyRequest): QueryContext => ({ db: deps.db, principal: req.principal });
}
