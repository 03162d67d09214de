import { notFound } from '@kundval/platform';
import { RateTableCache } from '../../areas.js';
import { priceProviderMonth } from '../../billing-run/provider-month.js';
import { statementReference } from '../../finance/payment-batches.js';
import { knowsProvider } from '../../store/orders.js';
import { paidToProvider } from '../../store/provider-payments.js';
import type { QueryContext } from '../context.js';
import { assertOwnerNamed } from '../scope.js';

/**
 * A provider's statement of a month, priced live from its approved deliveries (minutes per line
 * rounded once, unit-area days per level and rate, what is left out and why), with what payments of
 * the month have paid so far. A provider asks only for its own; one billing knows no order of is 404.
 */
export async function providerStatement(ctx: QueryContext, input: { providerId: string; month: string }) {
  const { providerId, month } = input;
  assertOwnerNamed(ctx.principal, { providerId });
  if (!(await knowsProvider(ctx.db, providerId))) throw notFound('BILLING.PROVIDER_NOT_FOUND', 'Billing knows no order of this provider.');
  const statement = await priceProviderMonth(ctx.db, { providerId, month, tables: new RateTableCache(ctx.db) });
  const paidOre = await paidToProvider(ctx.db, providerId, month);
  return {
    providerId,
    month,
    providerKind: statement.providerKind,
    lines: statement.lines,
    unitLines: statement.unitLines,
    totalOre: statement.totalOre,
    unpricedMinutes: statement.unpricedMinutes,
    visitCount: statement.visitCount,
    excluded: statement.excluded.map((e) => ({ deliveryId: e.id, orderId: e.orderId, reason: e.reason })),
    refused: statement.refused,
    paymentReference: statementReference(month),
    paidOre,
    outstandingOre: statement.totalOre - paidOre,
  };
}
