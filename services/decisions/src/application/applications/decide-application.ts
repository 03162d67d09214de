import { audit, conflict, notFound } from '@kundval/platform';
import { storedArea } from '../../areas.js';
import { checkTerms } from '../../decision-terms.js';
import { invalidFields } from '../../http/field-issues.js';
import { findApplication } from '../../store/applications.js';
import type { DecisionView } from '../../store/decisions.js';
import { insertDecision } from '../decisions/lifecycle.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { applicationScope } from '../scope.js';

export type DecideApplication = Parameters<typeof checkTerms>[2] & {
  applicationId: string;
  outcome: Parameters<typeof checkTerms>[1];
  validFrom: string;
  validTo: string;
  denialReason?: string | undefined;
  deniedPart?: string | undefined;
};

/**
 * Decides an application (biståndsbeslut): granted, partly granted or denied, with the terms the
 * area's definition asks for. An area decided in full needs its assessment first.
 */
export async function decideApplication(ctx: UseCaseContext, input: DecideApplication): Promise<Outcome<DecisionView>> {
  const application = await findApplication(ctx.db, input.applicationId, true, applicationScope(ctx.principal));
  if (!application) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
  const area = storedArea(application.area_id);
  if (application.status === 'decided') throw conflict('DECISIONS.ALREADY_DECIDED', 'The application is already decided.');
  if (application.status === 'received' && area.decisionKind === 'full') throw conflict('DECISIONS.NOT_ASSESSED', 'Record the assessment before the decision.');
  const checked = checkTerms(area, input.outcome, input);
  if (!checked.ok) throw invalidFields(checked.issues);
  // insertDecision builds `decisionMade`: the import of external decisions shares it.
  const { view: decision, event } = await insertDecision(
    ctx.db,
    {
      application,
      outcome: input.outcome,
      terms: checked.terms,
      validFrom: input.validFrom,
      validTo: input.validTo,
      denialReason: input.denialReason ?? null,
      deniedPart: input.deniedPart ?? null,
      decidedOn: ctx.today,
      decidingMunicipality: null,
    },
    { actor: ctx.principal, correlationId: ctx.correlationId },
  );
  await audit(ctx.db, ctx.principal, {
    action: 'decision.made',
    entity: 'application',
    entityId: application.application_id,
    before: { status: application.status },
    after: { ...decision, history: undefined },
    correlationId: ctx.correlationId,
  });
  return { result: decision, created: true, events: [event] };
}
