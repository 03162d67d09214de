import type { Kysely, Transaction } from 'kysely';
import type { CatalogEvent } from '@kundval/contracts';
import { markEventProcessed, markEventsProcessed } from './outbox.js';
import type { ConsumerOptions } from './nats.js';

/** How many waiting events an inbox consumer applies in one transaction unless told otherwise. */
export const INBOX_BATCH_EVENTS = 64;

/**
 * The handlers of a consumer that applies each event at most once with the inbox: the event's id
 * is recorded in `inbox` in the transaction that applies it. Spread the result into
 * `startConsumer`'s options. Events that wait together are applied in one transaction, each id
 * still recorded (one INSERT for the batch) and each new event applied in stream order; if that
 * transaction fails, `startConsumer` applies its events one transaction each, so a failing event
 * is retried and parked alone. `apply` must change only the database through `trx`.
 */
export function inboxHandlers<DB>(
  db: Kysely<DB>,
  consumer: string,
  apply: (trx: Transaction<DB>, event: CatalogEvent) => Promise<void>,
  options: { maxEvents?: number } = {},
): Pick<ConsumerOptions, 'handler' | 'batch'> {
  return {
    handler: (event) =>
      db.transaction().execute(async (trx) => {
        if (await markEventProcessed(trx, consumer, event.eventId)) await apply(trx, event);
      }),
    batch: {
      maxEvents: options.maxEvents ?? INBOX_BATCH_EVENTS,
      handler: (events) =>
        db.transaction().execute(async (trx) => {
          const fresh = await markEventsProcessed(trx, consumer, events.map((e) => e.eventId));
          for (const event of events) {
            // Taken out as applied, so a second delivery of the same event in this batch is skipped.
            if (fresh.delete(event.eventId)) await apply(trx, event);
          }
        }),
    },
  };
}
