import type { Expression, Insertable, Selectable, SqlBool, Updateable } from 'kysely';
import { conflict, notFound } from '@kundval/platform';
import type { OrdersDb } from '../store/db.js';
import type { OrdersTables } from './schema.js';

export type DecisionRow = Selectable<OrdersTables['decisions']>;

/**
 * A granted (or partly granted) decision from the service's copy, locked for the rest of the
 * transaction when `lock` is set: commands on one decision's choices and orders then run one at a time.
 */
export async function grantedDecision(db: OrdersDb, decisionId: string, lock = false, scope?: Expression<SqlBool>): Promise<DecisionRow> {
  let query = db.selectFrom('decisions').selectAll().where('decision_id', '=', decisionId);
  if (scope) query = query.where(scope);
  if (lock) query = query.forUpdate();
  const decision = await query.executeTakeFirst();
  if (!decision) throw notFound('ORDERS.DECISION_NOT_FOUND', 'No such decision (it may not have reached this service yet).');
  if (decision.outcome === 'denied') throw conflict('ORDERS.DECISION_DENIED', 'A denied decision has no provider.');
  return decision;
}

/** Refuses a new choice on a decision that has ended. */
export function assertNotEnded(decision: DecisionRow): void {
  if (decision.ended_on !== null) throw conflict('ORDERS.DECISION_ENDED', `The decision ended on ${decision.ended_on}; it takes no new choice.`);
}

/** The last day of service under the decision: its validity end, or the day it ended early. */
export function lastDay(decision: Pick<DecisionRow, 'valid_to' | 'ended_on'>): string {
  return decision.ended_on !== null && decision.ended_on < decision.valid_to ? decision.ended_on : decision.valid_to;
}

export async function setDistrict(db: OrdersDb, decisionId: string, district: string): Promise<void> {
  await db.updateTable('decisions').set({ district }).where('decision_id', '=', decisionId).execute();
}

/** Inserts the copy of a decision unless it is there already. */
export async function insertDecisionCopy(db: OrdersDb, row: Insertable<OrdersTables['decisions']>): Promise<void> {
  await db.insertInto('decisions').values(row).onConflict((oc) => oc.column('decision_id').doNothing()).execute();
}

/** Updates the copy of a decision; false when the copy does not hold it. */
export async function updateDecisionCopy(db: OrdersDb, decisionId: string, set: Updateable<OrdersTables['decisions']>): Promise<boolean> {
  const updated = await db.updateTable('decisions').set(set).where('decision_id', '=', decisionId).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

/** Keeps a change of a decision by its id (once). */
export async function insertDecisionChange(db: OrdersDb, row: Insertable<OrdersTables['decision_changes']>): Promise<void> {
  await db.insertInto('decision_changes').values(row).onConflict((oc) => oc.column('change_id').doNothing()).execute();
}
