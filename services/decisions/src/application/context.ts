import { enqueueEvent } from '@kundval/platform';
import type { EventInput, EventName, Principal } from '@kundval/contracts';
import type { DecisionsDb } from '../store/db.js';
import type { IdentityVault } from '../store/identity-vault.js';

/**
 * What a use case of the decisions service is given besides its validated input: the transaction
 * it writes in, the instant and Stockholm day it runs on (read once), who acts, the correlation id,
 * an id generator and the municipality the service serves. Routes build it; tests build it over a
 * database of their own, without HTTP.
 */
export type UseCaseContext = {
  db: DecisionsDb;
  now: Date;
  today: string;
  principal: Principal;
  correlationId: string;
  newId: () => string;
  municipality: string;
  /** Seals identity numbers and hashes them for look-up (ADR 0032); the development keys when omitted. */
  vault?: IdentityVault;
};

/** What a query is given: the database and who asks (for scoping). */
export type QueryContext = { db: DecisionsDb; principal: Principal };

/** An event a use case has decided to publish; the runner writes it to the outbox in the use case's transaction, in order. */
export type PendingEvent = { [N in EventName]: { name: N; payload: EventInput<N> } }[EventName];

export function pendingEvent<N extends EventName>(name: N, payload: EventInput<N>): PendingEvent {
  return { name, payload } as PendingEvent;
}

/** A command's result, whether it created something (201) or found it done (200), and the events to enqueue. */
export type Outcome<T> = { result: T; created: boolean; events: readonly PendingEvent[] };

/** Writes a use case's events to the outbox inside its transaction, in the order it gave them. */
export async function enqueueAll(ctx: Pick<UseCaseContext, 'db' | 'correlationId'>, events: readonly PendingEvent[]): Promise<void> {
  for (const e of events) await enqueueEvent(ctx.db, e.name, e.payload as EventInput<typeof e.name>, { correlationId: ctx.correlationId });
}
