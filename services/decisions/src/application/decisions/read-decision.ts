import { notFound } from '@kundval/platform';
import { findDecision, readDecisionView, type DecisionView } from '../../store/decisions.js';
import type { QueryContext } from '../context.js';
import { assertSeesCustomer } from '../scope.js';

/** One decision with its versions; a citizen sees only their own. */
export async function readDecision(ctx: QueryContext, input: { decisionId: string }): Promise<DecisionView> {
  const row = await findDecision(ctx.db, input.decisionId);
  if (!row) throw notFound('DECISIONS.DECISION_NOT_FOUND', 'No such decision.');
  assertSeesCustomer(ctx.principal, row.customer_id);
  return readDecisionView(ctx.db, row);
}
