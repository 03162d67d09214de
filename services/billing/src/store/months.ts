import type { BillingDb } from './db.js';

/** The three kinds of delivery a customer approves by the month, each table with its id column. */
const DELIVERY_TABLES = [
  ['visits', 'visit_id'],
  ['attendance_days', 'attendance_id'],
  ['sessions', 'session_id'],
] as const;

export type DeliveryStatus = 'reported' | 'approved' | 'disputed' | 'rejected';

/** The ids of an order's deliveries in a month (optionally only those of one status), by kind. */
export async function deliveriesOfMonth(db: BillingDb, orderId: string, month: string, status?: DeliveryStatus): Promise<{ visits: string[]; days: string[]; sessions: string[] }> {
  // One after another: the three reads share the caller's transaction (one connection).
  const ids: string[][] = [];
  for (const [table, id] of DELIVERY_TABLES) {
    let q = db.selectFrom(table).select(`${id} as id`).where('order_id', '=', orderId).where('local_month', '=', month);
    if (status) q = q.where('status', '=', status);
    ids.push((await q.orderBy(id).execute()).map((r) => r.id));
  }
  return { visits: ids[0]!, days: ids[1]!, sessions: ids[2]! };
}

/** Sets the status of the listed deliveries of an order, whichever kind each is. */
export async function setDeliveryStatus(db: BillingDb, orderId: string, ids: readonly string[], status: DeliveryStatus): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('visits').set({ status }).where('visit_id', 'in', ids).where('order_id', '=', orderId).execute();
  await db.updateTable('attendance_days').set({ status }).where('attendance_id', 'in', ids).where('order_id', '=', orderId).execute();
  await db.updateTable('sessions').set({ status }).where('session_id', 'in', ids).where('order_id', '=', orderId).execute();
}

/** The month's approval (or closing as nothing delivered), if any. */
export function monthApproval(db: BillingDb, orderId: string, month: string) {
  return db.selectFrom('month_approvals').select(['month', 'nothing_delivered']).where('order_id', '=', orderId).where('month', '=', month).executeTakeFirst();
}

export function insertMonthApproval(
  db: BillingDb,
  row: { order_id: string; month: string; approved_by: string; approved_visits: number; disputed_visits: number; nothing_delivered?: boolean; nothing_delivered_reason?: string },
) {
  return db.insertInto('month_approvals').values(row).returning('approved_at').executeTakeFirstOrThrow();
}

/** The resolution of a month's disputes, if any. */
export function disputeResolution(db: BillingDb, orderId: string, month: string) {
  return db.selectFrom('dispute_resolutions').select('resolved_at').where('order_id', '=', orderId).where('month', '=', month).executeTakeFirst();
}

export function insertDisputeResolution(db: BillingDb, row: { order_id: string; month: string; resolved_by: string; approve: readonly string[]; reject: readonly string[] }) {
  return db
    .insertInto('dispute_resolutions')
    .values({ order_id: row.order_id, month: row.month, resolved_by: row.resolved_by, approved_ids: JSON.stringify(row.approve), rejected_ids: JSON.stringify(row.reject) })
    .returning('resolved_at')
    .executeTakeFirstOrThrow();
}

/** An order's visits in a month, in time order. */
export function visitsOfMonth(db: BillingDb, orderId: string, month: string) {
  return db.selectFrom('visits').selectAll().where('order_id', '=', orderId).where('local_month', '=', month).orderBy('start_at').execute();
}
