import { lastDayOfMonth } from '@kundval/domain';
import { sql } from 'kysely';
import type { BillingDb } from './db.js';
import { deliveryUnitOf, orderEnd } from '../areas.js';
import { amendmentsInForce } from '../pricing/order-terms.js';
import { type Measure, type OrderMonthFacts, type TermsStep } from '../follow-up/granted-delivered.js';

export type FollowUpFilter = { providerId?: string | undefined; areaId?: string | undefined; customerId?: string | undefined };

const MEASURE = { 'minutes-by-band': 'minutes', 'attendance-day': 'days', session: 'sessions' } as const;

/**
 * The facts of every order in force in any of `months` (consecutive, oldest first), one per order
 * and month it was in force: its terms, what was delivered and approved, and what was paid.
 * Nursing-home placements (paid per occupied day) are left out: a placement is followed through its
 * move-in, stays and move-out, not against granted time.
 */
export async function loadOrderMonthFacts(db: BillingDb, months: readonly string[], filter: FollowUpFilter = {}): Promise<OrderMonthFacts[]> {
  const first = `${months[0]!}-01`;
  const last = lastDayOfMonth(months.at(-1)!);
  let orderQuery = db
    .selectFrom('orders')
    .selectAll()
    .where('valid_from', '<=', last)
    .where('valid_to', '>=', first)
    .where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', first)]));
  if (filter.providerId) orderQuery = orderQuery.where('provider_id', '=', filter.providerId);
  if (filter.areaId) orderQuery = orderQuery.where('area_id', '=', filter.areaId);
  if (filter.customerId) orderQuery = orderQuery.where('customer_id', '=', filter.customerId);
  const orders = (await orderQuery.orderBy('customer_id').orderBy('order_id').execute()).filter((o) => deliveryUnitOf(o.area_id) !== 'occupancy-day');
  if (orders.length === 0) return [];
  const ids = orders.map((o) => o.order_id);

  const changes = await db.selectFrom('order_changes').select(['order_id', 'effective_from', 'care_hours_per_month', 'service_hours_per_month', 'occurred_at']).where('order_id', 'in', ids).execute();
  const visits = await db
    .selectFrom('visits')
    .select((eb) => [
      'order_id',
      'local_month',
      'status',
      // Whole minutes per visit, as they are priced.
      eb.fn.sum<number>(sql<number>`round(extract(epoch from (end_at - start_at)) / 60)`).as('minutes'),
    ])
    .where('order_id', 'in', ids)
    .where('local_month', 'in', [...months])
    .groupBy(['order_id', 'local_month', 'status'])
    .execute();
  const days = await db
    .selectFrom('attendance_days')
    .select((eb) => ['order_id', 'local_month', 'status', eb.fn.countAll<number>().as('n')])
    .where('order_id', 'in', ids)
    .where('local_month', 'in', [...months])
    .groupBy(['order_id', 'local_month', 'status'])
    .execute();
  const sessions = await db
    .selectFrom('sessions')
    .select((eb) => ['order_id', 'local_month', 'status', eb.fn.countAll<number>().as('n')])
    .where('order_id', 'in', ids)
    .where('local_month', 'in', [...months])
    .groupBy(['order_id', 'local_month', 'status'])
    .execute();
  const paid = await db
    .selectFrom('provider_payments')
    .select((eb) => ['order_id', 'month', eb.fn.sum<number>('amount_ore').as('ore')])
    .where('order_id', 'in', ids)
    .where('month', 'in', [...months])
    .groupBy(['order_id', 'month'])
    .execute();

  const counted = new Map<string, { delivered: number; approved: number }>();
  for (const r of [...visits.map((v) => ({ ...v, n: v.minutes })), ...days, ...sessions]) {
    const key = `${r.order_id}|${r.local_month}`;
    const c = counted.get(key) ?? { delivered: 0, approved: 0 };
    const n = Number(r.n);
    if (r.status !== 'rejected') c.delivered += n;
    if (r.status === 'approved') c.approved += n;
    counted.set(key, c);
  }
  const paidOre = new Map(paid.map((p) => [`${p.order_id}|${p.month}`, Number(p.ore)]));
  const changesByOrder = new Map<string, typeof changes>();
  for (const c of changes) changesByOrder.set(c.order_id, [...(changesByOrder.get(c.order_id) ?? []), c]);

  const facts: OrderMonthFacts[] = [];
  for (const o of orders) {
    const unit = deliveryUnitOf(o.area_id);
    const measure: Measure = MEASURE[unit as keyof typeof MEASURE];
    const validTo = orderEnd(o);
    for (const month of months) {
      if (o.valid_from > lastDayOfMonth(month) || validTo < `${month}-01`) continue;
      const c = counted.get(`${o.order_id}|${month}`) ?? { delivered: 0, approved: 0 };
      facts.push({
        orderId: o.order_id,
        customerId: o.customer_id,
        providerId: o.provider_id,
        areaId: o.area_id,
        month,
        measure,
        validFrom: o.valid_from,
        validTo,
        terms: measure === 'minutes' ? termsOf(o, changesByOrder.get(o.order_id) ?? []) : [],
        delivered: c.delivered,
        approved: c.approved,
        paidOre: paidOre.get(`${o.order_id}|${month}`) ?? 0,
      });
    }
  }
  return facts;
}

/**
 * The order's granted minutes per month by day: its amendments in force from their first days on;
 * before the first of them, the hours billing holds on the order (its latest terms: the hours it
 * was placed with are not kept apart, so an order amended in a month reads the amended hours for
 * the days before, too). An order whose hours billing never received has no terms.
 */
function termsOf(
  o: { valid_from: string; care_hours_per_month: number | null; service_hours_per_month: number | null },
  changes: ReadonlyArray<{ effective_from: string; care_hours_per_month: number; service_hours_per_month: number; occurred_at: Date }>,
): TermsStep[] {
  const inForce = amendmentsInForce(changes);
  const steps: TermsStep[] = [];
  if (o.care_hours_per_month !== null || o.service_hours_per_month !== null) {
    steps.push({ from: o.valid_from, minutesPerMonth: Math.round(((o.care_hours_per_month ?? 0) + (o.service_hours_per_month ?? 0)) * 60) });
  }
  for (const c of inForce) steps.push({ from: c.effective_from, minutesPerMonth: Math.round((c.care_hours_per_month + c.service_hours_per_month) * 60) });
  return steps.sort((a, b) => a.from.localeCompare(b.from));
}

export type AlertRow = { alert_id: string; order_id: string; customer_id: string; provider_id: string; area_id: string; kind: 'under-delivery' | 'over-delivery'; first_month: string; raised_month: string; shares: number[]; raised_at: Date };
type AlertKey = { orderId: string; kind: 'under-delivery' | 'over-delivery'; firstMonth: string };

/** Inserts an alert unless one of its run (order, kind, first month) is there; the row when inserted, else undefined. */
export function insertAlert(
  db: BillingDb,
  a: AlertKey & { alertId: string; customerId: string; providerId: string; areaId: string; raisedMonth: string; shares: number[]; raisedBy: string },
): Promise<AlertRow | undefined> {
  return db
    .insertInto('follow_up_alerts')
    .values({ alert_id: a.alertId, order_id: a.orderId, customer_id: a.customerId, provider_id: a.providerId, area_id: a.areaId, kind: a.kind, first_month: a.firstMonth, raised_month: a.raisedMonth, shares: JSON.stringify(a.shares), raised_by: a.raisedBy })
    .onConflict((oc) => oc.columns(['order_id', 'kind', 'first_month']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The alerts of the given runs, oldest raised first. */
export async function alertsOfRuns(db: BillingDb, runs: readonly AlertKey[]): Promise<AlertRow[]> {
  if (runs.length === 0) return [];
  return db
    .selectFrom('follow_up_alerts')
    .selectAll()
    .where((eb) => eb.or(runs.map((a) => eb.and([eb('order_id', '=', a.orderId), eb('kind', '=', a.kind), eb('first_month', '=', a.firstMonth)]))))
    .orderBy('raised_at')
    .orderBy('alert_id')
    .execute();
}

/** The alerts raised, newest first, of one month or all. */
export function latestAlerts(db: BillingDb, q: { month?: string | undefined; limit: number }): Promise<AlertRow[]> {
  let query = db.selectFrom('follow_up_alerts').selectAll();
  if (q.month) query = query.where('raised_month', '=', q.month);
  return query.orderBy('raised_at', 'desc').orderBy('alert_id').limit(q.limit).execute();
}

/** The application an order was placed under (the case handler's task is made on it). */
export async function applicationOfOrder(db: BillingDb, orderId: string): Promise<string> {
  const order = await db.selectFrom('orders').select('application_id').where('order_id', '=', orderId).executeTakeFirstOrThrow();
  return order.application_id;
}
