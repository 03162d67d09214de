import { enqueueEvent } from '@kundval/platform';
import type { EventInput, EventName, Principal } from '@kundval/contracts';
import type { OrdersDb } from '../store/db.js';
import type { Tx } from '../store/tx.js';

/**
 * What a use case is given besides its validated input: the transaction it writes in, the day and
 * instant it runs on (read once from the service's clock), who acts (the principal, with the person
 * the journey acts for) and an id generator. Routes and consumers build it; tests build it over a
 * database of their own, without HTTP.
 */
export type UseCaseContext = Tx & {
  principal: Principal;
  newId: () => string;
};

/** What a query use case is given: the database, the day it reads on, and who asks (for scoping). */
export type QueryContext = { db: OrdersDb; today: string; principal: Principal };

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
export async function enqueueAll(ctx: Pick<UseCaseContext, 'db' | 'correlationId' | 'now'>, events: readonly PendingEvent[]): Promise<void> {
  for (const e of events) {
    await enqueueEvent(ctx.db, e.name, e.payload as EventInput<typeof e.name>, { correlationId: ctx.correlationId, occurredAt: ctx.now });
  }
}
