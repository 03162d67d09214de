import { storedArea } from '../../areas.js';
import { checkTerms } from '../../decision-terms.js';
import { invalidFields } from '../../http/field-issues.js';
import { lockDecision, type DecisionView } from '../../store/decisions.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { decisionScope } from '../scope.js';
import { assertChangeable, changeDecision } from './lifecycle.js';

export type ChangeDecision = {
  decisionId: string;
  effectiveFrom: string;
  validTo: string;
  reason: string;
  careHoursPerMonth?: number | undefined;
  serviceHoursPerMonth?: number | undefined;
  level?: number | undefined;
  careNeedPoints?: number | undefined;
  daysPerWeek?: number | undefined;
};

/**
 * The case handler changes a decision (omprövning) or renews it: new terms from `effectiveFrom`,
 * checked against the area's definition. Terms left out keep their value where the area allows; new
 * care-need points give a new level. The current terms again change nothing.
 */
export async function changeDecisionTerms(ctx: UseCaseContext, input: ChangeDecision): Promise<Outcome<DecisionView>> {
  const row = await lockDecision(ctx.db, input.decisionId, decisionScope(ctx.principal));
  assertChangeable(row, input.effectiveFrom);
  const checked = checkTerms(storedArea(row.area_id), row.outcome, {
    careHoursPerMonth: input.careHoursPerMonth,
    serviceHoursPerMonth: input.serviceHoursPerMonth,
    careNeedPoints: input.careNeedPoints ?? row.care_need_points ?? undefined,
    // New care-need points give a new level; without them the level stays unless stated.
    level: input.level ?? (input.careNeedPoints === undefined ? (row.level ?? undefined) : undefined),
    daysPerWeek: input.daysPerWeek ?? row.days_per_week ?? undefined,
  });
  if (!checked.ok) throw invalidFields(checked.issues);
  const { changed, view, event } = await changeDecision(
    ctx.db,
    row,
    { effectiveFrom: input.effectiveFrom, terms: checked.terms, validTo: input.validTo, reason: input.reason },
    { actor: ctx.principal, correlationId: ctx.correlationId },
  );
  return { result: view, created: changed, events: event ? [event] : [] };
}
