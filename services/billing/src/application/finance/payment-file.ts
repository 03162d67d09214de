import type { FinanceSettings } from '../../finance/config.js';
import { batchPain001, findBatch } from '../../finance/payment-batches.js';
import type { QueryContext } from '../context.js';

/**
 * The batch's payment file (pain.001.001.03), the same message each time with the same MsgId, so a
 * file uploaded twice is refused by the bank as a duplicate; named by its MsgId.
 */
export async function paymentFile(ctx: QueryContext, input: { batchId: string }, settings: FinanceSettings): Promise<{ fileName: string; xml: string }> {
  const { batch, items } = await findBatch(ctx.db, input.batchId);
  return { fileName: `${batch.message_id}.xml`, xml: batchPain001(batch, items, settings) };
}
