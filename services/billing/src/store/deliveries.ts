import type { Insertable } from 'kysely';
import type { BillingDb } from './db.js';
import type { BillingTables } from './schema.js';

/** Which of the months the customer has approved (or closed as nothing delivered) for the order. */
export async function approvedMonthsOf(db: BillingDb, orderId: string, months: readonly string[]): Promise<Set<string>> {
  const rows = await db.selectFrom('month_approvals').select('month').where('order_id', '=', orderId).where('month', 'in', months).execute();
  return new Set(rows.map((r) => r.month));
}

/** The customer's attendance reported on any of the days, under whichever order. */
export function customerAttendanceOn(db: BillingDb, customerId: string, dates: readonly string[]) {
  return db.selectFrom('attendance_days').selectAll().where('customer_id', '=', customerId).where('date', 'in', dates).execute();
}

export function insertAttendanceDays(db: BillingDb, days: ReadonlyArray<Insertable<BillingTables['attendance_days']>>) {
  return db.insertInto('attendance_days').values(days).returningAll().execute();
}

/** The order's occupancy records (move-in, hospital stays, move-out), by their first day. */
export function occupancyOf(db: BillingDb, orderId: string) {
  return db.selectFrom('occupancy_periods').selectAll().where('order_id', '=', orderId).orderBy('from_date').execute();
}

export function insertOccupancy(db: BillingDb, period: Insertable<BillingTables['occupancy_periods']>) {
  return db.insertInto('occupancy_periods').values(period).returningAll().executeTakeFirstOrThrow();
}

/** Gives an open hospital stay its end (the day back, exclusive). */
export function endHospitalStay(db: BillingDb, periodId: string, to: string) {
  return db.updateTable('occupancy_periods').set({ to_date: to }).where('period_id', '=', periodId).returningAll().executeTakeFirstOrThrow();
}
