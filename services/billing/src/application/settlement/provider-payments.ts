import type { QueryContext } from '../context.js';
import { assertOwnerNamed } from '../scope.js';
import { toPayment, type PaymentView } from './views.js';

/** A provider's payments (and credits), optionally of one month, in month and creation order; a provider asks only for its own. */
export async function providerPayments(ctx: QueryContext, input: { providerId: string; month?: string | undefined }): Promise<PaymentView[]> {
  assertOwnerNamed(ctx.principal, { providerId: input.providerId });
  let q = ctx.db.selectFrom('provider_payments').selectAll().where('provider_id', '=', input.providerId);
  if (input.month) q = q.where('month', '=', input.month);
  return (await q.orderBy('month').orderBy('created_at').execute()).map(toPayment);
}
