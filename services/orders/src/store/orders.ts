import { sql, type Expression, type Insertable, type Selectable, type SqlBool, type Updateable } from 'kysely';
import { notFound } from '@kundval/platform';
import type { OrdersDb } from '../store/db.js';
import type { OrderEndReason, OrderStatus, OrdersTables, RefusalReason, ReminderAbout } from './schema.js';

export type OrderRow = Selectable<OrdersTables['orders']>;

export type OrderView = {
  orderId: string;
  decisionId: string;
  applicationId: string;
  customerId: string;
  providerId: string;
  areaId: string;
  status: OrderStatus;
  validFrom: string;
  validTo: string;
  level: number | null;
  careHoursPerMonth: number;
  serviceHoursPerMonth: number;
  endDate: string | null;
  endReason: OrderEndReason | null;
  refusal: { reason: RefusalReason; explanation: string } | null;
  carePlanAgreedOn: string | null;
  carePlanDueBy: string | null;
  carePlanOverdue: boolean;
  /** Areas paid per attendance day: the first day of attendance and the days a week agreed in the care plan. */
  startsOn: string | null;
  daysPerWeek: number | null;
};

export type ReminderView = { reminderId: string; orderId: string; about: ReminderAbout; key: string; createdAt: string };

/** The order row, locked for the rest of the transaction when `lock` is set; 404 when there is none, or none within `scope` (`orderScope`). */
export async function orderRow(db: OrdersDb, orderId: string, lock = false, scope?: Expression<SqlBool>): Promise<OrderRow> {
  let query = db.selectFrom('orders').selectAll().where('order_id', '=', orderId);
  if (scope) query = query.where(scope);
  if (lock) query = query.forUpdate();
  const order = await query.executeTakeFirst();
  if (!order) throw notFound('ORDERS.ORDER_NOT_FOUND', 'No such order.');
  return order;
}

function ordersWithCarePlans(db: OrdersDb) {
  return db
    .selectFrom('orders as o')
    .leftJoin('care_plans as cp', 'cp.order_id', 'o.order_id')
    .selectAll('o')
    .select(['cp.agreed_on', 'cp.starts_on', 'cp.days_per_week']);
}

/**
 * The first of the decision's orders in force at some point from `from` to `to` (a refused order, or
 * one ended before it began, never was): what a new or longer order may not run into. With
 * `providerId`, only that provider's orders count (areas with several providers at once, where each
 * provider's orders follow one another beside the others'); `exceptOrderId` leaves out the order
 * being lengthened.
 */
export async function overlappingOrder(
  db: OrdersDb,
  q: { decisionId: string; from: string; to: string; providerId?: string; exceptOrderId?: string },
): Promise<{ order_id: string; valid_from: string } | undefined> {
  let query = db
    .selectFrom('orders')
    .select(['order_id', 'valid_from'])
    .where('decision_id', '=', q.decisionId)
    .where('status', '<>', 'refused')
    .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`)
    .where(sql<boolean>`coalesce(end_date, valid_to) >= ${q.from}::date`)
    .where('valid_from', '<=', q.to);
  if (q.providerId !== undefined) query = query.where('provider_id', '=', q.providerId);
  if (q.exceptOrderId !== undefined) query = query.where('order_id', '<>', q.exceptOrderId);
  return query.executeTakeFirst();
}

/** One order as the API shows it, or undefined (also when it lies outside `scope`, an `orderScope(principal, 'o')`). */
export async function findOrder(db: OrdersDb, orderId: string, today: string, scope?: Expression<SqlBool>): Promise<OrderView | undefined> {
  let query = ordersWithCarePlans(db).where('o.order_id', '=', orderId);
  if (scope) query = query.where(scope);
  const row = await query.executeTakeFirst();
  return row ? toOrder(row, today) : undefined;
}

/** Like {@link findOrder} for an order the caller knows exists (it wrote it in this transaction). */
export async function readOrder(db: OrdersDb, orderId: string, today: string): Promise<OrderView> {
  const order = await findOrder(db, orderId, today);
  if (!order) throw new Error(`order ${orderId} vanished inside its own transaction`);
  return order;
}

/** Orders matching the filter (a provider's, a decision's, a status), oldest first; at most 500. */
export async function listOrders(db: OrdersDb, filter: { providerId?: string; decisionId?: string; status?: OrderStatus }, today: string, scope?: Expression<SqlBool>): Promise<OrderView[]> {
  let query = ordersWithCarePlans(db);
  if (scope) query = query.where(scope);
  if (filter.providerId) query = query.where('o.provider_id', '=', filter.providerId);
  if (filter.decisionId) query = query.where('o.decision_id', '=', filter.decisionId);
  if (filter.status) query = query.where('o.status', '=', filter.status);
  const rows = await query.orderBy('o.placed_at').orderBy('o.valid_from').limit(500).execute();
  return rows.map((r) => toOrder(r, today));
}

export async function remindersOf(db: OrdersDb, orderId: string): Promise<ReminderView[]> {
  const rows = await db.selectFrom('reminders').selectAll().where('order_id', '=', orderId).orderBy('created_at').orderBy('about').orderBy('key').execute();
  return rows.map(toReminder);
}

export function toReminder(r: Selectable<OrdersTables['reminders']>): ReminderView {
  return { reminderId: r.reminder_id, orderId: r.order_id, about: r.about, key: r.key, createdAt: new Date(r.created_at).toISOString() };
}

/**
 * The API's order. The care plan is overdue once its due date has passed without one agreed,
 * while the order is accepted and still in force.
 */
export function toOrder(row: OrderRow & { agreed_on: string | null; starts_on: string | null; days_per_week: number | null }, today: string): OrderView {
  const inForce = row.end_date === null || row.end_date >= today;
  return {
    orderId: row.order_id,
    decisionId: row.decision_id,
    applicationId: row.application_id,
    customerId: row.customer_id,
    providerId: row.provider_id,
    areaId: row.area_id,
    status: row.status,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    level: row.level,
    careHoursPerMonth: Number(row.care_hours_per_month),
    serviceHoursPerMonth: Number(row.service_hours_per_month),
    endDate: row.end_date,
    endReason: row.end_reason,
    refusal: row.refusal_reason ? { reason: row.refusal_reason, explanation: row.refusal_explanation ?? '' } : null,
    carePlanAgreedOn: row.agreed_on,
    carePlanDueBy: row.care_plan_due_by,
    carePlanOverdue: row.status === 'accepted' && inForce && row.agreed_on === null && row.care_plan_due_by !== null && row.care_plan_due_by < today,
    startsOn: row.starts_on,
    daysPerWeek: row.days_per_week,
  };
}

/**
 * The decision's order placed from `from` (for `providerId` where given) that is or was in force: a
 * placement asked again finds it. A refused order, or one ended before it began, does not count.
 */
export async function orderPlacedFrom(db: OrdersDb, q: { decisionId: string; from: string; providerId?: string | undefined }): Promise<{ order_id: string } | undefined> {
  let query = db
    .selectFrom('orders')
    .select('order_id')
    .where('decision_id', '=', q.decisionId)
    .where('valid_from', '=', q.from)
    .where('status', '<>', 'refused')
    .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`);
  if (q.providerId !== undefined) query = query.where('provider_id', '=', q.providerId);
  return query.executeTakeFirst();
}

/**
 * The decision's orders a change from `day` reaches: not refused, and not ended before `day` (nor
 * before they began). An order that ran out at its last day without being ended is still reached: a
 * renewal carries it on. Locked, in the order they began, for the amendments in the same transaction.
 */
export async function ordersInForceFrom(db: OrdersDb, decisionId: string, day: string): Promise<Array<Pick<OrderRow, 'order_id' | 'valid_from'>>> {
  return db
    .selectFrom('orders')
    .select(['order_id', 'valid_from'])
    .where('decision_id', '=', decisionId)
    .where('status', '<>', 'refused')
    .where((eb) => eb.or([eb('end_date', 'is', null), eb.and([eb('end_date', '>=', day), eb('end_date', '>=', eb.ref('valid_from'))])]))
    .orderBy('valid_from')
    .orderBy('order_id')
    .forUpdate()
    .execute();
}

export async function insertOrder(db: OrdersDb, row: Insertable<OrdersTables['orders']>): Promise<void> {
  await db.insertInto('orders').values(row).execute();
}

export async function updateOrder(db: OrdersDb, orderId: string, set: Updateable<OrdersTables['orders']>): Promise<void> {
  await db.updateTable('orders').set(set).where('order_id', '=', orderId).execute();
}

/** Another provider's order of the decision that stays in force after `endDate`, if any. */
export async function otherProviderOrderAfter(db: OrdersDb, order: OrderRow, endDate: string): Promise<{ order_id: string } | undefined> {
  return db
    .selectFrom('orders')
    .select('order_id')
    .where('decision_id', '=', order.decision_id)
    .where('provider_id', '<>', order.provider_id)
    .where('status', '<>', 'refused')
    .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`)
    .where(sql<boolean>`coalesce(end_date, valid_to) > ${endDate}::date`)
    .executeTakeFirst();
}

/**
 * The days a week agreed in the care plans of the decision's other orders that overlap `from`–`to`:
 * what the customer attends elsewhere while this plan runs (a provider left earlier no longer counts,
 * and a decision that lies in the past is checked the same way as a current one).
 */
export async function daysAgreedAlongside(db: OrdersDb, order: OrderRow, from: string, to: string): Promise<number> {
  const row = await db
    .selectFrom('orders as o')
    .innerJoin('care_plans as cp', 'cp.order_id', 'o.order_id')
    .select(sql<string | null>`sum(cp.days_per_week)`.as('days'))
    .where('o.decision_id', '=', order.decision_id)
    .where('o.order_id', '<>', order.order_id)
    .where('o.status', '<>', 'refused')
    .where(sql<boolean>`coalesce(o.end_date, o.valid_to) >= o.valid_from`)
    .where(sql<boolean>`coalesce(o.end_date, o.valid_to) >= ${from}::date`)
    .where(sql<boolean>`coalesce(cp.starts_on, o.valid_from) <= ${to}::date`)
    .executeTakeFirstOrThrow();
  return Number(row.days ?? 0);
}

export async function hasCarePlan(db: OrdersDb, orderId: string): Promise<boolean> {
  return (await db.selectFrom('care_plans').select('care_plan_id').where('order_id', '=', orderId).executeTakeFirst()) !== undefined;
}

export async function insertCarePlan(db: OrdersDb, row: Insertable<OrdersTables['care_plans']>): Promise<void> {
  await db.insertInto('care_plans').values(row).execute();
}

export async function findReminder(db: OrdersDb, q: { orderId: string; about: ReminderAbout; key: string }): Promise<Selectable<OrdersTables['reminders']> | undefined> {
  return db.selectFrom('reminders').selectAll().where('order_id', '=', q.orderId).where('about', '=', q.about).where('key', '=', q.key).executeTakeFirst();
}

export async function insertReminder(db: OrdersDb, row: Insertable<OrdersTables['reminders']>): Promise<void> {
  await db.insertInto('reminders').values(row).execute();
}

/** The district the service's copy of the order's decision names, null when unknown. */
export async function districtOf(db: OrdersDb, decisionId: string): Promise<string | null> {
  return (await db.selectFrom('decisions').select('district').where('decision_id', '=', decisionId).executeTakeFirstOrThrow()).district;
}
