import { randomUUID } from 'node:crypto';
import { parseIdentityNumber } from '@kundval/domain';
import { ErrorBody, assertCustomerScope, audit, conflict, enqueueEvent, invalid, notFound, commandRunner, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';
import { areaOf, storedArea } from '../../areas.js';
import { checkTerms } from '../../decision-terms.js';
import { invalidFields } from '../../http/field-issues.js';
import { Decision } from '../../schemas.js';
import { customerIdFor, insertDecision, stockholmToday } from '../../store/decisions.js';
import type { DecisionsTables } from '../../store/schema.js';
import type { Selectable } from 'kysely';
import { Application, ApplicationBody, Assessment, AssessmentBody, DecisionBody, IdParams } from './schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Applications, their assessment and the decision: the case handler's part of the journey. */
export function applicationRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const { db, municipality } = deps;
  const runCommand = commandRunner(db, { afterCommit: deps.afterCommit });
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
        const identity = parseIdentityNumber(req.body.identityNumber, { referenceDate: stockholmToday() });
        if (!identity.ok) throw invalid(identity.error.code, identity.error.message, { field: 'body.identityNumber' });
        const area = areaOf(req.body.areaId);
        return runCommand(req, reply, async (trx) => {
          const application = await trx
            .insertInto('applications')
            .values({
              application_id: randomUUID(),
              customer_id: await customerIdFor(trx, identity.value.digits),
              area_id: area.id,
              municipality,
              channel: req.body.channel,
              status: 'received',
              received_at: new Date(req.body.receivedAt ?? Date.now()),
              created_by: req.principal.sub,
              on_behalf_name: req.body.onBehalfOf?.name ?? null,
              on_behalf_relation: req.body.onBehalfOf?.relation ?? null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          // Who applied on the customer's behalf stays here: the event carries only the channel.
          await enqueueEvent(
            trx,
            'applicationReceived',
            {
              applicationId: application.application_id,
              customerId: application.customer_id,
              areaId: application.area_id,
              municipality,
              channel: application.channel,
              receivedAt: application.received_at.toISOString(),
            },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'application.registered', entity: 'application', entityId: application.application_id, after: toApplication(application), correlationId: req.correlationId });
          return { status: 201, body: toApplication(application) };
        });
      },
    );

    app.get(
      '/applications/:applicationId',
      {
        config: { roles: ['case-handler', 'operator', 'citizen'] },
        schema: { summary: 'Read an application', tags: ['applications'], params: IdParams, response: { 200: Application, ...errors } },
      },
      async (req) => {
        const row = await db.selectFrom('applications').selectAll().where('application_id', '=', req.params.applicationId).executeTakeFirst();
        if (!row) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
        assertCustomerScope(req.principal, row.customer_id);
        return toApplication(row);
      },
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
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const application = await trx.selectFrom('applications').selectAll().where('application_id', '=', req.params.applicationId).forUpdate().executeTakeFirst();
          if (!application) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
          if (application.status !== 'received') throw conflict('DECISIONS.ALREADY_ASSESSED', `The application is already ${application.status}.`);
          const assessment = await trx
            .insertInto('assessments')
            .values({
              assessment_id: randomUUID(),
              application_id: application.application_id,
              life_areas: JSON.stringify(req.body.lifeAreas),
              instruments: JSON.stringify(req.body.instruments),
              assessed_on: req.body.assessedOn,
              recorded_by: req.principal.sub,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await trx.updateTable('applications').set({ status: 'assessed' }).where('application_id', '=', application.application_id).execute();
          await enqueueEvent(
            trx,
            'assessmentRecorded',
            {
              applicationId: application.application_id,
              customerId: application.customer_id,
              assessmentId: assessment.assessment_id,
              lifeAreas: req.body.lifeAreas.map((l) => l.area),
            },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'assessment.recorded', entity: 'application', entityId: application.application_id, before: { status: application.status }, after: { status: 'assessed', assessment: req.body }, correlationId: req.correlationId });
          return { status: 201, body: { assessmentId: assessment.assessment_id, applicationId: application.application_id, assessedOn: assessment.assessed_on } };
        }),
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
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const body = req.body;
          const application = await trx.selectFrom('applications').selectAll().where('application_id', '=', req.params.applicationId).forUpdate().executeTakeFirst();
          if (!application) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
          const area = storedArea(application.area_id);
          if (application.status === 'decided') throw conflict('DECISIONS.ALREADY_DECIDED', 'The application is already decided.');
          if (application.status === 'received' && area.decisionKind === 'full') throw conflict('DECISIONS.NOT_ASSESSED', 'Record the assessment before the decision.');
          const checked = checkTerms(area, body.outcome, body);
          if (!checked.ok) throw invalidFields(checked.issues);
          const decision = await insertDecision(
            trx,
            {
              application,
              outcome: body.outcome,
              terms: checked.terms,
              validFrom: body.validFrom,
              validTo: body.validTo,
              denialReason: body.denialReason ?? null,
              deniedPart: body.deniedPart ?? null,
              decidedOn: stockholmToday(),
              decidingMunicipality: null,
            },
            { actor: req.principal, correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'decision.made', entity: 'application', entityId: application.application_id, before: { status: application.status }, after: { ...decision, history: undefined }, correlationId: req.correlationId });
          return { status: 201, body: decision };
        }),
    );
  };
}

function toApplication(row: Selectable<DecisionsTables['applications']>) {
  return {
    applicationId: row.application_id,
    customerId: row.customer_id,
    areaId: row.area_id,
    municipality: row.municipality,
    channel: row.channel,
    onBehalfOf: row.on_behalf_name !== null && row.on_behalf_relation !== null ? { name: row.on_behalf_name, relation: row.on_behalf_relation } : null,
    status: row.status,
    receivedAt: row.received_at.toISOString(),
  };
}
