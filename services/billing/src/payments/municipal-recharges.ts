import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { BillingDb } from '../store/db.js';
import type { BillingTables } from '../store/schema.js';
import type { OrderRow } from '../visits/record-visit.js';

export type RechargeRow = Insertable<BillingTables['municipal_recharges']>;

/** What the recharge rule needs of an order: whose customer it is and who decided the placement. */
export type RechargedOrder = Pick<OrderRow, 'order_id' | 'customer_id' | 'provider_id' | 'municipality' | 'deciding_municipality'>;

/** What it needs of the provider payment it mirrors. */
export type RechargedPayment = { payment_id: string; month: string; period_month: string; amount_ore: number };

/**
 * The recharge a provider payment of `order` owes, or null (ADR 0014). A customer placed here by
 * another municipality's decision stays that municipality's customer: it pays back exactly what each
 * payment pays, in the payment's period, so corrections, closed periods and the billing run's
 * payments are recharged by the same rule as a journey's payment, and the recharges of an order add
 * up to what its provider was paid. A payment of nothing owes nothing; an order decided here (or
 * naming this municipality as the decider) owes nobody.
 */
export function rechargeFor(order: RechargedOrder, payment: RechargedPayment): RechargeRow | null {
  const decider = order.deciding_municipality;
  if (decider === null || decider === order.municipality || payment.amount_ore === 0) return null;
  return {
    recharge_id: randomUUID(),
    payment_id: payment.payment_id,
    order_id: order.order_id,
    customer_id: order.customer_id,
    provider_id: order.provider_id,
    month: payment.month,
    period_month: payment.period_month,
    deciding_municipality: decider,
    amount_ore: payment.amount_ore,
  };
}

/**
 * Writes recharges in the caller's transaction, the one that writes their payments (insert the
 * payments first: a recharge references its payment). Multi-row inserts, `chunkSize` rows each,
 * for the billing run; a payment recharged already is left as it is.
 */
export async function recordRecharges(trx: BillingDb, rows: readonly RechargeRow[], chunkSize = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += chunkSize) {
    await trx
      .insertInto('municipal_recharges')
      .values(rows.slice(i, i + chunkSize))
      .onConflict((oc) => oc.column('payment_id').doNothing())
      .execute();
  }
}
