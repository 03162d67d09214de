import { enqueueEvent } from '@kundval/platform';
import type { EventInput, EventName, Principal } from '@kundval/contracts';
import type { BillingDb } from '../store/db.js';

/**
 * What a billing use case is given besides its validated input: the transaction it writes in, the
 * instant it runs on (read once from the service's clock), who acts (the principal, with the person
 * the journey acts for), the request's correlation id and an id generator. Routes build it inside
 * the platform's command runner (`routes/command.ts`); tests build it over a database of their own,
 * without HTTP (`test-support/use-cases.ts`).
 */
export type UseCaseContext = {
  db: BillingDb;
  principal: Principal;
  correlationId: string;
  now: Date;
  newId: () => string;
};

/**
 * What a command that commits several transactions of its own is given (the billing run, which
 * commits per provider and per page of customers): the service's database rather than one
 * transaction, and the clock, read afresh as the work goes on. It writes its events in its own
 * transactions, so it returns none.
 */
export type SpanningContext = Omit<UseCaseContext, 'db' | 'now' | 'newId'> & { db: BillingDb; clock: () => Date };

/** What a query use case is given: the database, the instant it reads on, and who asks (for scoping). */
export type QueryContext = { db: BillingDb; principal: Principal; now: Date };

/** An event a use case has decided to publish; the runner writes it to the outbox in the use case's transaction, in order. */
export type PendingEvent = { [N in EventName]: { name: N; payload: EventInput<N> } }[EventName];

/** Typed constructor of a {@link PendingEvent}. */
export function pendingEvent<N extends EventName>(name: N, payload: EventInput<N>): PendingEvent {
  return { name, payload } as PendingEvent;
}

/**
 * What a command use case returns: its result, whether it created something (a repeat of an
 * idempotent command did not), and the events to enqueue. The HTTP adapter maps `created` to 201.
 */
export type Outcome<T> = { result: T; created: boolean; events: readonly PendingEvent[] };

/** Writes a use case's events to the outbox inside its transaction, in the order it gave them. */
export async function enqueueAll(ctx: Pick<UseCaseContext, 'db' | 'correlationId'>, events: readonly PendingEvent[]): Promise<void> {
  for (const e of events) {
    await enqueueEvent(ctx.db, e.name, e.payload as EventInput<typeof e.name>, { correlationId: ctx.correlationId });
  }
}
