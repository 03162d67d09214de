import { rechargeNetting as netting } from '../../payments/recharge-netting.js';
import type { QueryContext } from '../context.js';

/**
 * The period's recharges with the placed customers' own fees set off (ADR 0036): per deciding
 * municipality, customer and service month, and the totals to invoice each municipality.
 */
export async function rechargeNetting(ctx: QueryContext, input: { periodMonth: string; municipality?: string | undefined }) {
  return { periodMonth: input.periodMonth, ...(await netting(ctx.db, input.periodMonth, input.municipality)) };
}
