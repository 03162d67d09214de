import { audit, conflict, notFound } from '@kundval/platform';
import { findApplication, insertAssessment, setApplicationStatus } from '../../store/applications.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { applicationScope } from '../scope.js';

export type RecordAssessment = {
  applicationId: string;
  lifeAreas: { area: string; need: string }[];
  instruments: { instrument: string; score: number }[];
  assessedOn: string;
};

/** Records the assessment (utredning) of a received application: needs per IBIC life area and instruments such as Katz ADL. One per application. */
export async function recordAssessment(ctx: UseCaseContext, input: RecordAssessment): Promise<Outcome<{ assessmentId: string; applicationId: string; assessedOn: string }>> {
  const application = await findApplication(ctx.db, input.applicationId, true, applicationScope(ctx.principal));
  if (!application) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
  if (application.status !== 'received') throw conflict('DECISIONS.ALREADY_ASSESSED', `The application is already ${application.status}.`);
  const assessment = await insertAssessment(ctx.db, {
    assessment_id: ctx.newId(),
    application_id: application.application_id,
    life_areas: JSON.stringify(input.lifeAreas),
    instruments: JSON.stringify(input.instruments),
    assessed_on: input.assessedOn,
    recorded_by: ctx.principal.sub,
  });
  await setApplicationStatus(ctx.db, application.application_id, 'assessed');
  const { applicationId: _applicationId, ...assessed } = input;
  await audit(ctx.db, ctx.principal, {
    action: 'assessment.recorded',
    entity: 'application',
    entityId: application.application_id,
    before: { status: application.status },
    after: { status: 'assessed', assessment: assessed },
    correlationId: ctx.correlationId,
  });
  return {
    result: { assessmentId: assessment.assessment_id, applicationId: application.application_id, assessedOn: assessment.assessed_on },
    created: true,
    events: [
      pendingEvent('assessmentRecorded', {
        applicationId: application.application_id,
        customerId: application.customer_id,
        assessmentId: assessment.assessment_id,
        lifeAreas: input.lifeAreas.map((l) => l.area),
      }),
    ],
  };
}
