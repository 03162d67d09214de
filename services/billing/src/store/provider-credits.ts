import type { BillingDb } from './db.js';

/** Negative provider payments in no payment batch and on no provider invoice, oldest first. */
export function outstandingCreditRows(db: BillingDb, providerId: string | undefined) {
  let q = db
    .selectFrom('provider_payments as p')
    .select(['p.payment_id', 'p.order_id', 'p.provider_id', 'p.month', 'p.period_month', 'p.amount_ore', 'p.basis', 'p.created_at'])
    .where('p.amount_ore', '<', 0)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('payment_batch_items as i').select('i.payment_id').whereRef('i.payment_id', '=', 'p.payment_id'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('provider_invoice_items as x').select('x.payment_id').whereRef('x.payment_id', '=', 'p.payment_id'))));
  if (providerId !== undefined) q = q.where('p.provider_id', '=', providerId);
  return q.orderBy('p.created_at').orderBy('p.payment_id').execute();
}
