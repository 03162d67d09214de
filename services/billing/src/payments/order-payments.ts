import { sql } from 'kysely';
import type { BillingDb } from '../store/db.js';
import { deliveryUnitOf, unitArea, type RateTableCache } from '../areas.js';
import { emptyLedger, recordPaid, type OrderDeliveries, type PaidLedger } from '../pricing/lines.js';
import { OrderVisitPricer, occupiedDays, priceOrderDays, type DayForPricing, type ExcludedDelivery } from '../pricing/order-pricing.js';
import { loadLevelTimeline } from '../pricing/order-terms.js';
import type { OrderRow } from '../visits/record-visit.js';

/** Why a payment is made; one payment per order, month and basis (ADR 0011). */
export const PAYMENT_BASES = ['approval', 'dispute-resolution', 'occupancy', 'attendance'] as const;
/** A payment correcting a month for the order's amendment from that day (a changed level or last day). */
export type DecisionChangeBasis = `decision-change:${string}`;
export type PaymentBasis = (typeof PAYMENT_BASES)[number] | DecisionChangeBasis;

const DECISION_CHANGE = 'decision-change:';

/** The first day of the amendment a `decision-change:<date>` basis names, or null for another basis. */
export function decisionChangeFrom(basis: PaymentBasis): string | null {
  return basis.startsWith(DECISION_CHANGE) ? basis.slice(DECISION_CHANGE.length) : null;
}

/** `to_char` pattern giving the strict ISO instant the domain's fast path reads, straight from the database. */
export const ISO_UTC = `YYYY-MM-DD"T"HH24:MI:SS"Z"`;

/**
 * Serialises payments of one provider's month: each payment is booked against the lines the
 * provider's month has paid so far (DOMAIN.md §2 rounding), so two at once must not read the same.
 */
export async function lockProviderMonth(trx: BillingDb, providerId: string, month: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`provider-month|${providerId}|${month}`}))`.execute(trx);
}

/** Serialises the fee invoices of one customer's month: each charges what earlier ones did not. */
export async function lockCustomerMonth(trx: BillingDb, customerId: string, month: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`customer-month|${customerId}|${month}`}))`.execute(trx);
}

/** What the payments of a provider's month have paid, in total and per order. */
export async function loadPaidLedgers(trx: BillingDb, providerId: string, month: string): Promise<{ provider: PaidLedger; byOrder: Map<string, PaidLedger> }> {
  const rows = await trx.selectFrom('provider_payments').select(['order_id', 'lines', 'unit_lines', 'amount_ore']).where('provider_id', '=', providerId).where('month', '=', month).execute();
  const provider = emptyLedger();
  const byOrder = new Map<string, PaidLedger>();
  for (const row of rows) {
    recordPaid(provider, row);
    let own = byOrder.get(row.order_id);
    if (!own) {
      own = emptyLedger();
      byOrder.set(row.order_id, own);
    }
    recordPaid(own, row);
  }
  return { provider, byOrder };
}

export type OrderMonthNow = OrderDeliveries & { excluded: ExcludedDelivery[]; unpricedMinutes: number; hospitalDays: number; deliveries: number };

/**
 * What one order's month is worth now, before rounding: its approved minutes per line (home care,
 * priced visit by visit with the domain's accumulator), or its approved attendance days, sessions or
 * occupied days per level and rate (unit areas). Throws a 409 AppError when pricing is refused.
 */
export async function orderMonthNow(trx: BillingDb, order: OrderRow, month: string, tables: RateTableCache): Promise<OrderMonthNow> {
  const unit = deliveryUnitOf(order.area_id);
  if (unit === 'minutes-by-band') {
    const visits = await trx
      .selectFrom('visits')
      .select(['visit_id', 'customer_id', 'kind', 'status', sql<string>`to_char(start_at at time zone 'UTC', ${ISO_UTC})`.as('start'), sql<string>`to_char(end_at at time zone 'UTC', ${ISO_UTC})`.as('end')])
      .where('order_id', '=', order.order_id)
      .where('local_month', '=', month)
      .orderBy('start_at')
      .orderBy('visit_id')
      .execute();
    const pricer = new OrderVisitPricer(order, month, await tables.minuteTables(order.municipality, order.area_id));
    for (const v of visits) pricer.add(v);
    const priced = pricer.finish();
    return { lines: priced.lines, unitLines: [], excluded: priced.excluded, unpricedMinutes: priced.unpricedMinutes, hospitalDays: 0, deliveries: priced.visitCount };
  }
  const area = unitArea(order.area_id);
  if (!area) return { lines: [], unitLines: [], excluded: [], unpricedMinutes: 0, hospitalDays: 0, deliveries: 0 };
  let days: DayForPricing[] = [];
  let hospitalDays = 0;
  if (unit === 'attendance-day') {
    const rows = await trx.selectFrom('attendance_days').select(['attendance_id', 'date', 'status']).where('order_id', '=', order.order_id).where('local_month', '=', month).orderBy('date').execute();
    days = rows.map((r) => ({ id: r.attendance_id, date: r.date, status: r.status }));
  } else if (unit === 'session') {
    const rows = await trx.selectFrom('sessions').select(['session_id', 'date', 'status']).where('order_id', '=', order.order_id).where('local_month', '=', month).orderBy('date').orderBy('session_id').execute();
    days = rows.map((r) => ({ id: r.session_id, date: r.date, status: r.status }));
  } else if (unit === 'occupancy-day') {
    const records = await trx.selectFrom('occupancy_periods').select(['kind', 'from_date', 'to_date']).where('order_id', '=', order.order_id).orderBy('from_date').execute();
    ({ days, hospitalDays } = occupiedDays(order, month, records));
  }
  const priced = priceOrderDays(area, await tables.unitTables(order.municipality, area.id), order, month, days, await loadLevelTimeline(trx, order));
  return { lines: [], unitLines: priced.lines, excluded: priced.excluded, unpricedMinutes: 0, hospitalDays, deliveries: days.length };
}
