import { randomUUID } from 'node:crypto';
import { eventCatalog, type EventEnvelope, type EventInput, type EventName } from '@kundval/contracts';
import type { BillingDb } from './store/db.js';
import { insertRows } from './store/insert-rows.js';

const OUTBOX_COLUMNS = ['event_id', 'subject', 'envelope', 'published_at'] as const;

/**
 * Writes many events of one kind to the outbox in the caller's transaction, a few hundred rows per
 * statement: the billing run makes one per payment and invoice, and `enqueueEvent`'s row-at-a-time
 * insert would dominate its time; each statement is pre-built (`insertRows`), not compiled per page. The rows are the ones `enqueueEvent` writes: each payload checked
 * against the catalog, an envelope with a fresh event id (the JetStream de-duplication id).
 */
export async function enqueueEvents<N extends EventName>(
  trx: BillingDb,
  name: N,
  payloads: readonly EventInput<N>[],
  context: { correlationId?: string | null; occurredAt?: Date; chunkSize?: number } = {},
): Promise<void> {
  const { subject, schema } = eventCatalog[name];
  const occurredAt = (context.occurredAt ?? new Date()).toISOString();
  const chunkSize = context.chunkSize ?? 500;
  const rows = payloads.map((payload) => {
    const eventId = randomUUID();
    const envelope: EventEnvelope = { eventId, subject, occurredAt, correlationId: context.correlationId ?? null, payload: schema.parse(payload) };
    return { event_id: eventId, subject, envelope: JSON.stringify(envelope), published_at: null };
  });
  await insertRows(trx, 'outbox', OUTBOX_COLUMNS, rows, chunkSize);
}
