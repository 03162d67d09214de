import { listCustomerCredits } from '../../finance/incoming-payments.js';
import type { QueryContext } from '../context.js';

/** What customers paid beyond their fee invoices, to return to them. */
export async function customerCredits(ctx: QueryContext) {
  return { credits: await listCustomerCredits(ctx.db) };
}
