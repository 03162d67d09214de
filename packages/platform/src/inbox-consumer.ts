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
 *
 * `applyBatch`, when given, applies a batch's new events (in stream order, each once) in one call,
 * so that it can write them with fewer statements (one multi-row INSERT for a run of events of one
 * kind); it must leave the database exactly as `apply` on each event in turn would. Without it the
 * batch applies each event with `apply`.
 */
export function inboxHandlers<DB>(
  db: Kysely<DB>,
  consumer: string,
  apply: (trx: Transaction<DB>, event: CatalogEvent) => Promise<void>,
  options: { maxEvents?: number; applyBatch?: (trx: Transaction<DB>, events: CatalogEvent[]) => Promise<void> } = {},
): Pick<ConsumerOptions, 'handler' | 'batch'> {
  const applyBatch = options.applyBatch;
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
          // Taken out as chosen, so a second delivery of the same event in this batch is skipped.
          const toApply = events.filter((event) => fresh.delete(event.eventId));
          if (applyBatch) {
            if (toApply.length > 0) await applyBatch(trx, toApply);
          } else {
            for (const event of toApply) await apply(trx, event);
          }
        }),
    },
  };
}
