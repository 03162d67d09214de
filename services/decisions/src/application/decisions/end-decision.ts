import { conflict } from '@kundval/platform';
import { lockDecision, readDecisionView, type DecisionView } from '../../store/decisions.js';
import type { EndReason } from '../../store/schema.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { decisionScope } from '../scope.js';
import { endDecision } from './lifecycle.js';

/** The case handler ends a decision (moved, deceased, withdrawn, replaced); the same end again changes nothing. */
export async function endDecisionEarly(ctx: UseCaseContext, input: { decisionId: string; endDate: string; reason: Exclude<EndReason, 'expired'> }): Promise<Outcome<DecisionView>> {
  const row = await lockDecision(ctx.db, input.decisionId, decisionScope(ctx.principal));
  const { view, event } = await endDecision(ctx.db, row, { endDate: input.endDate, reason: input.reason }, { actor: ctx.principal, correlationId: ctx.correlationId });
  return { result: view, created: false, events: event ? [event] : [] };
}

/**
 * The journey expires a decision whose validity passed without renewal: it ends on its last valid
 * day. A decision already ended, for whatever reason, is answered as it stands; one renewed since
 * the caller looked (`expectedValidTo`) is refused.
 */
export async function expireDecision(ctx: UseCaseContext, input: { decisionId: string; expectedValidTo?: string | undefined }): Promise<Outcome<DecisionView>> {
  const row = await lockDecision(ctx.db, input.decisionId, decisionScope(ctx.principal));
  if (row.end_date) return { result: await readDecisionView(ctx.db, row), created: false, events: [] };
  const expected = input.expectedValidTo;
  if (expected !== undefined && expected !== row.valid_to) {
    throw conflict('DECISIONS.VALIDITY_CHANGED', `The decision now runs to ${row.valid_to}, not ${expected}.`, { validTo: row.valid_to });
  }
  const { view, event } = await endDecision(ctx.db, row, { endDate: row.valid_to, reason: 'expired' }, { actor: ctx.principal, correlationId: ctx.correlationId });
  return { result: view, created: false, events: event ? [event] : [] };
}
