import { assertCustomerScope } from '@kundval/platform';
import { customerFeeStatement } from '../../fees/fee-statement.js';
import type { QueryContext } from '../context.js';

/** A customer's fee statement: invoices, credit notes with their cause, set-offs and payments. A citizen sees only their own. */
export function feeStatement(ctx: QueryContext, input: { customerId: string }) {
  assertCustomerScope(ctx.principal, input.customerId);
  return customerFeeStatement(ctx.db, input.customerId);
}
