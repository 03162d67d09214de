import { paymentsOfProvider } from '../../store/provider-payments.js';
import type { QueryContext } from '../context.js';
import { assertOwnerNamed } from '../scope.js';
import { toPayment, type PaymentView } from './views.js';

/** A provider's payments (and credits), optionally of one month, in month and creation order; a provider asks only for its own. */
export async function providerPayments(ctx: QueryContext, input: { providerId: string; month?: string | undefined }): Promise<PaymentView[]> {
  assertOwnerNamed(ctx.principal, { providerId: input.providerId });
  return (await paymentsOfProvider(ctx.db, input.providerId, input.month)).map(toPayment);
}
