import { findBatch, toBatch } from '../../finance/payment-batches.js';
import type { QueryContext } from '../context.js';

/** A payment batch with its payments and their status at the bank. */
export async function readPaymentBatch(ctx: QueryContext, input: { batchId: string }) {
  const { batch, items } = await findBatch(ctx.db, input.batchId);
  return toBatch(batch, items);
}
