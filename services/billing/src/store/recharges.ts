import type { BillingDb } from './db.js';

/** The recharges booked in the period, of one deciding municipality or all, by municipality, provider, order, service month and time. */
export function rechargesOfPeriod(db: BillingDb, periodMonth: string, municipality?: string | undefined) {
  let q = db.selectFrom('municipal_recharges').selectAll().where('period_month', '=', periodMonth);
  if (municipality !== undefined) q = q.where('deciding_municipality', '=', municipality);
  return q.orderBy('deciding_municipality').orderBy('provider_id').orderBy('order_id').orderBy('month').orderBy('created_at').orderBy('recharge_id').execute();
}
