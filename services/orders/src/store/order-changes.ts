import type { Insertable, Selectable } from 'kysely';
import type { OrdersDb } from '../store/db.js';
import type { DecisionRow } from './decisions.js';
import type { OrdersTables } from './schema.js';

export type OrderChangeRow = Selectable<OrdersTables['order_changes']>;

/** The terms an amendment gives an order from its first day. Hours in cents of an hour, as the columns keep them. */
export type ChangeTerms = { validTo: string; careCents: number; serviceCents: number; level: number | null };

export type OrderChangeView = {
  effectiveFrom: string;
  validTo: string;
  careHoursPerMonth: number;
  serviceHoursPerMonth: number;
  level: number | null;
  changedAt: string;
};

/**
 * Hours as the `decimal(6, 2)` columns hold them, in whole hundredths: a copy and a request agree
 * when they round alike, so 7.499999 sent for a stored 7.50 is the same term, not a new one.
 */
export function hoursInCents(hours: number | string): number {
  return Math.round(Number(hours) * 100);
}

/** The column value of hours given in hundredths. */
export function centsToColumn(cents: number): string {
  return (cents / 100).toFixed(2);
}

function sameTerms(
  row: Pick<OrderChangeRow, 'valid_to' | 'care_hours_per_month' | 'service_hours_per_month' | 'level'>,
  terms: ChangeTerms,
): boolean {
  return (
    row.valid_to === terms.validTo &&
    hoursInCents(row.care_hours_per_month) === terms.careCents &&
    hoursInCents(row.service_hours_per_month) === terms.serviceCents &&
    row.level === terms.level
  );
}

/**
 * The amendment in force from exactly `effectiveFrom` when it has these terms: the same change asked
 * for again (a retried activity), which is answered without recording anything.
 */
export async function sameAmendment(db: OrdersDb, orderId: string, effectiveFrom: string, terms: ChangeTerms): Promise<boolean> {
  const row = await db
    .selectFrom('order_changes')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('effective_from', '=', effectiveFrom)
    .where('superseded_by', 'is', null)
    .executeTakeFirst();
  return row !== undefined && sameTerms(row, terms);
}

/**
 * Whether the service's copy of the decision has these terms: they are the decision's terms now, or
 * those of a change the copy received that takes effect on `effectiveFrom` or before (the journey
 * amends an order from the change's first day, or from the order's first day when that is later).
 * Until `decisionChanged` is consumed neither holds, and the amendment is refused for the journey to
 * retry; a change since overtaken by another still counts, so the journey's amendments, made change
 * by change in order, never wait for terms the copy has moved past.
 */
export async function decisionHasTerms(db: OrdersDb, decision: DecisionRow, effectiveFrom: string, terms: ChangeTerms): Promise<boolean> {
  if (sameTerms(decision, terms)) return true;
  const changes = await db
    .selectFrom('decision_changes')
    .selectAll()
    .where('decision_id', '=', decision.decision_id)
    .where('effective_from', '<=', effectiveFrom)
    .where('valid_to', '=', terms.validTo)
    .execute();
  return changes.some((c) => sameTerms(c, terms));
}

/** An order's amendments in force (those no later one superseded), by their first day. */
export async function changesOf(db: OrdersDb, orderId: string): Promise<OrderChangeView[]> {
  const rows = await db
    .selectFrom('order_changes')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('superseded_by', 'is', null)
    .orderBy('effective_from')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({
    effectiveFrom: r.effective_from,
    validTo: r.valid_to,
    careHoursPerMonth: Number(r.care_hours_per_month),
    serviceHoursPerMonth: Number(r.service_hours_per_month),
    level: r.level,
    changedAt: new Date(r.changed_at).toISOString(),
  }));
}

export async function insertOrderChange(db: OrdersDb, row: Insertable<OrdersTables['order_changes']>): Promise<void> {
  await db.insertInto('order_changes').values(row).execute();
}

/** A correction: the order's amendments from `effectiveFrom` on give way to `changeId` (the latest wins). Returns those it replaced. */
export async function supersedeChangesFrom(db: OrdersDb, orderId: string, changeId: string, effectiveFrom: string): Promise<{ change_id: string; effective_from: string }[]> {
  return db
    .updateTable('order_changes')
    .set({ superseded_by: changeId })
    .where('order_id', '=', orderId)
    .where('change_id', '<>', changeId)
    .where('effective_from', '>=', effectiveFrom)
    .where('superseded_by', 'is', null)
    .returning(['change_id', 'effective_from'])
    .execute();
}
