import { listFeeCredits as feeCredits, type FeeCreditView } from '../../fees/fee-statement.js';
import type { QueryContext } from '../context.js';

/** Fee credits owed back to customers, oldest first, of one status or all. */
export function listFeeCredits(ctx: QueryContext, input: { status?: FeeCreditView['status'] | undefined; limit: number }) {
  return feeCredits(ctx.db, input);
}
