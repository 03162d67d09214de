import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { commandRunner, type RunOptions } from '@kundval/platform';
import type { BillingDeps } from '../deps.js';
import { enqueueAll, type Outcome, type QueryContext, type SpanningContext, type UseCaseContext } from '../application/context.js';

/**
 * Runs a billing use case behind a route: builds its context (transaction, now, principal,
 * correlation id, id generator) inside the platform's command runner (one transaction, the
 * Idempotency-Key, ADR 0016), writes the events it returns to the outbox in that transaction, and
 * answers 201 when it created something, else 200 (or the status the route names).
 */
export function useCaseRunner(deps: BillingDeps) {
  const clock = deps.clock ?? (() => new Date());
  const command = commandRunner(deps.db, { afterCommit: deps.afterCommit });
  function run<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    useCase: (ctx: UseCaseContext) => Promise<Outcome<T>>,
    options?: RunOptions & { status?: (outcome: Outcome<T>) => number },
  ) {
    return command(
      req,
      reply,
      async (trx) => {
        const ctx: UseCaseContext = { db: trx, principal: req.principal, correlationId: req.correlationId, now: clock(), newId: randomUUID };
        const outcome = await useCase(ctx);
        await enqueueAll(ctx, outcome.events);
        return { status: options?.status?.(outcome) ?? (outcome.created ? 201 : 200), body: outcome.result, enqueued: outcome.events.length };
      },
      options,
    );
  }
  /**
   * A use case that commits transactions of its own (the billing run): its answer is stored after
   * its last commit (the platform's `runSpanning`), so it must be idempotent by its business key.
   */
  function spanning<T>(req: FastifyRequest, reply: FastifyReply, useCase: (ctx: SpanningContext) => Promise<Omit<Outcome<T>, 'events'>>) {
    return command.runSpanning(req, reply, async () => {
      const outcome = await useCase({ db: deps.db, principal: req.principal, correlationId: req.correlationId, clock });
      return { status: outcome.created ? 201 : 200, body: outcome.result };
    });
  }
  return Object.assign(run, { spanning });
}

/** The context a query use case reads in: the service's database, now by its clock, the caller. */
export function queryContext(deps: Pick<BillingDeps, 'db' | 'clock'>) {
  const clock = deps.clock ?? (() => new Date());
  return (req: FastifyRequest): QueryContext => ({ db: deps.db, principal: req.principal, now: clock() });
}
