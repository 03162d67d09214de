import type { BillingDb } from './db.js';

/** Marks the batch sent to the bank at `sentAt`. */
export async function markBatchSentAt(db: BillingDb, batchId: string, sentAt: Date): Promise<void> {
  await db.updateTable('payment_batches').set({ status: 'sent', sent_at: sentAt }).where('batch_id', '=', batchId).execute();
}
