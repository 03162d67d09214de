import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { DELIVERY_ROUTES, type UnitAreaDefinition } from '@kundval/domain';
import { conflict, invalid } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import type { BillingTables } from '../store/schema.js';
import { deliveryUnitOf, orderEnd, unitArea } from '../areas.js';
import type { OrderRow } from '../visits/record-visit.js';

export type SessionRow = Selectable<BillingTables['sessions']>;

/** One delivered session as a provider reports it, by JSON or in an imported file. */
export type ReportedSession = { externalId: string; date: string };

/**
 * The area of an order paid per session, or a 409 `BILLING.AREA_MISMATCH` naming the route that
 * reports the order's deliveries instead.
 */
export function sessionAreaOf(order: OrderRow): UnitAreaDefinition {
  const unit = deliveryUnitOf(order.area_id);
  const area = unitArea(order.area_id);
  if (unit !== 'session' || !area) {
    throw conflict('BILLING.AREA_MISMATCH', `Order ${order.order_id} is in ${order.area_id}, paid by ${unit}, not per session: report it with ${DELIVERY_ROUTES[unit]}.`);
  }
  return area;
}

/**
 * Records one delivered session of an order inside the caller's transaction, or refuses it with a
 * coded AppError naming `field`. A session re-sent with the same externalId and date is returned as
 * it is (`created: false`), so a provider may send a report twice.
 *
 * The rules: the date lies inside the order's validity (its last day as amended or ended early), not
 * in a month the customer has approved or a case handler closed, and the customer has fewer sessions
 * of the area that day than the area allows (`sessionsPerDay`, 1 unless the definition says more).
 * The caller holds `lockOrderDeliveries` for the order, taken once for the whole report.
 */
export async function recordSession(trx: BillingDb, order: OrderRow, area: UnitAreaDefinition, s: ReportedSession, field: string): Promise<{ row: SessionRow; created: boolean }> {
  const existing = await trx.selectFrom('sessions').selectAll().where('provider_id', '=', order.provider_id).where('external_id', '=', s.externalId).executeTakeFirst();
  if (existing) {
    if (existing.date !== s.date || existing.order_id !== order.order_id) {
      throw conflict('BILLING.SESSION_CHANGED', `Session ${s.externalId} was reported before with other details; correct it through the case handler.`, { field });
    }
    return { row: existing, created: false };
  }
  const lastDay = orderEnd(order);
  if (s.date < order.valid_from || s.date > lastDay) {
    throw invalid('BILLING.OUTSIDE_ORDER', `${s.date} is outside the order's validity ${order.valid_from}–${lastDay}.`, { field: `${field}.date` });
  }
  const month = s.date.slice(0, 7);
  const approved = await trx.selectFrom('month_approvals').select('nothing_delivered').where('order_id', '=', order.order_id).where('month', '=', month).executeTakeFirst();
  if (approved) {
    const why = approved.nothing_delivered ? 'closed by a case handler as nothing delivered' : 'already approved by the customer';
    throw conflict('BILLING.MONTH_APPROVED', `${month} is ${why}; report a correction through the case handler.`, { field: `${field}.date` });
  }
  const allowed = area.sessionsPerDay ?? 1;
  const sameDay = await trx
    .selectFrom('sessions as s')
    .innerJoin('orders as o', 'o.order_id', 's.order_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('s.customer_id', '=', order.customer_id)
    .where('s.date', '=', s.date)
    .where('o.area_id', '=', order.area_id)
    .where('s.status', '!=', 'rejected')
    .executeTakeFirstOrThrow();
  if (Number(sameDay.n) >= allowed) {
    throw conflict('BILLING.SESSIONS_PER_DAY', `The customer already has ${Number(sameDay.n)} ${area.id} session(s) on ${s.date}; the area allows ${allowed} a day.`, { field: `${field}.date` });
  }
  const row = await trx
    .insertInto('sessions')
    .values({ session_id: randomUUID(), order_id: order.order_id, customer_id: order.customer_id, provider_id: order.provider_id, external_id: s.externalId, date: s.date, local_month: month, status: 'reported' })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, created: true };
}

/** A session as the API shows it. */
export function toSession(row: Pick<SessionRow, 'session_id' | 'order_id' | 'external_id' | 'date' | 'local_month' | 'status'>) {
  return { sessionId: row.session_id, orderId: row.order_id, externalId: row.external_id, date: row.date, month: row.local_month, status: row.status };
}
