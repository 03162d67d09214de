import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';
import { checkApplication, registerApplication } from '../../application/applications/register-application.js';
import { decideApplication } from '../../application/applications/decide-application.js';
import { readApplication } from '../../application/applications/read-application.js';
import { recordAssessment } from '../../application/applications/record-assessment.js';
import { Decision } from '../../schemas.js';
import { stockholmDate } from '@kundval/domain';
import { queryContext, useCaseRunner } from '../use-case.js';
import { Application, ApplicationBody, Assessment, AssessmentBody, DecisionBody, IdParams } from './schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Applications, their assessment and the decision: the case handler's part of the journey. */
export function applicationRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const query = queryContext(deps);
  return async (app) => {

    app.post(
      '/applications',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'Register an application for a voucher area',
          description:
            'From the citizen, a relative or a hospital discharge planner (channel; onBehalfOf names who applied for the customer). Creates the customer (pseudonymous id) on first contact. Send an Idempotency-Key header to make a retry safe.',
          tags: ['applications'],
          body: ApplicationBody,
          response: { 201: Application, 200: Application, ...errors },
        },
      },
      async (req, reply) => {
        const { identityNumber: _identityNumber, ...application } = req.body;
        const applicant = checkApplication(req.body, stockholmDate(new Date()));
        return run(req, reply, (ctx) => registerApplication(ctx, { ...application, ...applicant }));
      },
    );

    app.get(
      '/applications/:applicationId',
      {
        config: { roles: ['case-handler', 'operator', 'citizen'] },
        schema: { summary: 'Read an application', tags: ['applications'], params: IdParams, response: { 200: Application, ...errors } },
      },
      async (req) => readApplication(query(req), req.params),
    );

    app.post(
      '/applications/:applicationId/assessment',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'Record the assessment (utredning) of an application',
          description: 'Needs per IBIC life area and assessment instruments such as Katz ADL. One assessment per application.',
          tags: ['applications'],
          params: IdParams,
          body: AssessmentBody,
          response: { 201: Assessment, 200: Assessment, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => recordAssessment(ctx, { ...req.params, ...req.body })),
    );

    app.post(
      '/applications/:applicationId/decision',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'Decide an application (biståndsbeslut)',
          description:
            "Granted, partly granted (naming the part denied and why) or denied (with its reason and appeal information), with a validity period. The terms follow the area's definition: hours of care and service per month for home care; a level for areas with levels (day activities 1–3, with days per week); care-need points for the nursing home, which give its level. Simplified areas need no assessment first.",
          tags: ['applications'],
          params: IdParams,
          body: DecisionBody,
          response: { 201: Decision, 200: Decision, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => decideApplication(ctx, { ...req.params, ...req.body })),
    );

  };
}
