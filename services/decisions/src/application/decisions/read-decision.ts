import { notFound } from '@kundval/platform';
import { findDecision, readDecisionView, type DecisionView } from '../../store/decisions.js';
import type { QueryContext } from '../context.js';
import { decisionScope } from '../scope.js';

/** One decision with its versions; a citizen sees only their own (another's is not found). */
export async function readDecision(ctx: QueryContext, input: { decisionId: string }): Promise<DecisionView> {
  const row = await findDecision(ctx.db, input.decisionId, decisionScope(ctx.principal));
  if (!row) throw notFound('DECISIONS.DECISION_NOT_FOUND', 'No such decision.');
  return readDecisionView(ctx.db, row);
}
