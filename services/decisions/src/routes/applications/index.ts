import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseIdentityNumber, voucherAreaRegistry, DomainError } from '@kundval/domain';
import {
  AppError,
  ErrorBody,
  assertCustomerScope,
  audit,
  conflict,
  enqueueEvent,
  invalid,
  notFound,
  type FastifyPluginAsyncZod,
} from '@kundval/platform';
import type { DecisionsDeps } from '../../app.js';
import { Application, ApplicationBody, Assessment, AssessmentBody, Decision, DecisionBody, IdParams } from './schemas.js';

/** How a denied customer appeals (Social Services Act ch. 16 §3, via the administrative court). */
const APPEAL_INFORMATION =
  'You may appeal this decision to the administrative court (förvaltningsrätten). Send your appeal to the municipality within three weeks of receiving the decision.';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Applications, their assessment and the decision: the case handler's part of the journey. */
export function applicationRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const { db, afterCommit, municipality } = deps;
  return async (app) => {
    app.post(
      '/applications',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'Register an application for a voucher area',
          description: 'Creates the customer (pseudonymous id) on first contact. Send an Idempotency-Key header to make a retry safe.',
          tags: ['applications'],
          headers: z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }),
          body: ApplicationBody,
          response: { 201: Application, 200: Application, ...errors },
        },
      },
      async (req, reply) => {
        const identity = parseIdentityNumber(req.body.identityNumber, { referenceDate: new Date().toISOString().slice(0, 10) });
        if (!identity.ok) throw invalid(identity.error.code, identity.error.message, { field: 'body.identityNumber' });
        const area = findArea(req.body.areaId);
        const idempotencyKey = req.headers['idempotency-key'] ?? null;
        if (idempotencyKey) {
          const existing = await db.selectFrom('applications').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
          if (existing) return reply.code(200).send(toApplication(existing));
        }
        const row = await db.transaction().execute(async (trx) => {
          const customer = await trx
            .insertInto('customers')
            .values({ customer_id: randomUUID(), identity_number: identity.value.digits })
            .onConflict((oc) => oc.column('identity_number').doUpdateSet((eb) => ({ identity_number: eb.ref('excluded.identity_number') })))
            .returning('customer_id')
            .executeTakeFirstOrThrow();
          const application = await trx
            .insertInto('applications')
            .values({
              application_id: randomUUID(),
              customer_id: customer.customer_id,
              area_id: area.id,
              municipality,
              channel: req.body.channel,
              status: 'received',
              received_at: new Date(req.body.receivedAt ?? Date.now()),
              idempotency_key: idempotencyKey,
              created_by: req.principal.sub,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
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
          return application;
        });
        afterCommit();
        return reply.code(201).send(toApplication(row));
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
          response: { 201: Assessment, ...errors },
        },
      },
      async (req, reply) => {
        const result = await db.transaction().execute(async (trx) => {
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
          return { assessmentId: assessment.assessment_id, applicationId: application.application_id, assessedOn: assessment.assessed_on };
        });
        afterCommit();
        return reply.code(201).send(result);
      },
    );

    app.post(
      '/applications/:applicationId/decision',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'Decide an application (biståndsbeslut)',
          description: 'Granted, partly granted or denied, in hours per month of care and of service, with a validity period. A denial states its reason and carries appeal information.',
          tags: ['applications'],
          params: IdParams,
          body: DecisionBody,
          response: { 201: Decision, ...errors },
        },
      },
      async (req, reply) => {
        const body = req.body;
        const decision = await db.transaction().execute(async (trx) => {
          const application = await trx.selectFrom('applications').selectAll().where('application_id', '=', req.params.applicationId).forUpdate().executeTakeFirst();
          if (!application) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
          const area = findArea(application.area_id);
          if (application.status === 'decided') throw conflict('DECISIONS.ALREADY_DECIDED', 'The application is already decided.');
          if (application.status === 'received' && area.decisionKind === 'full')
            throw conflict('DECISIONS.NOT_ASSESSED', 'Record the assessment before the decision.');
          const row = await trx
            .insertInto('decisions')
            .values({
              decision_id: randomUUID(),
              application_id: application.application_id,
              customer_id: application.customer_id,
              area_id: application.area_id,
              outcome: body.outcome,
              care_hours_per_month: String(body.careHoursPerMonth),
              service_hours_per_month: String(body.serviceHoursPerMonth),
              valid_from: body.validFrom,
              valid_to: body.validTo,
              denial_reason: body.denialReason ?? null,
              decided_by: req.principal.sub,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await trx.updateTable('applications').set({ status: 'decided' }).where('application_id', '=', application.application_id).execute();
          const out = toDecision(row);
          await enqueueEvent(
            trx,
            'decisionMade',
            {
              applicationId: out.applicationId,
              decisionId: out.decisionId,
              customerId: out.customerId,
              areaId: out.areaId,
              municipality: application.municipality,
              outcome: out.outcome,
              careHoursPerMonth: out.careHoursPerMonth,
              serviceHoursPerMonth: out.serviceHoursPerMonth,
              validFrom: out.validFrom,
              validTo: out.validTo,
              denialReason: out.denialReason,
            },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'decision.made', entity: 'application', entityId: application.application_id, before: { status: application.status }, after: out, correlationId: req.correlationId });
          return out;
        });
        afterCommit();
        return reply.code(201).send(decision);
      },
    );

    app.get(
      '/decisions/:decisionId',
      {
        config: { roles: ['case-handler', 'operator', 'citizen'] },
        schema: { summary: 'Read a decision', tags: ['decisions'], params: z.object({ decisionId: z.uuid() }), response: { 200: Decision, ...errors } },
      },
      async (req) => {
        const row = await db.selectFrom('decisions').selectAll().where('decision_id', '=', req.params.decisionId).executeTakeFirst();
        if (!row) throw notFound('DECISIONS.DECISION_NOT_FOUND', 'No such decision.');
        assertCustomerScope(req.principal, row.customer_id);
        return toDecision(row);
      },
    );
  };
}

function findArea(areaId: string) {
  try {
    return voucherAreaRegistry.get(areaId);
  } catch (err) {
    if (err instanceof DomainError) throw new AppError('invalid', err.code, `Unknown voucher area ${areaId}.`, { field: 'body.areaId' });
    throw err;
  }
}

type ApplicationRow = { application_id: string; customer_id: string; area_id: string; municipality: string; channel: string; status: 'received' | 'assessed' | 'decided'; received_at: Date };
function toApplication(row: ApplicationRow) {
  return {
    applicationId: row.application_id,
    customerId: row.customer_id,
    areaId: row.area_id,
    municipality: row.municipality,
    channel: row.channel,
    status: row.status,
    receivedAt: row.received_at.toISOString(),
  };
}

type DecisionRow = {
  decision_id: string; application_id: string; customer_id: string; area_id: string; outcome: 'granted' | 'partly-granted' | 'denied';
  care_hours_per_month: string; service_hours_per_month: string; valid_from: string; valid_to: string; denial_reason: string | null;
};
function toDecision(row: DecisionRow) {
  return {
    decisionId: row.decision_id,
    applicationId: row.application_id,
    customerId: row.customer_id,
    areaId: row.area_id,
    outcome: row.outcome,
    careHoursPerMonth: Number(row.care_hours_per_month),
    serviceHoursPerMonth: Number(row.service_hours_per_month),
    validFrom: row.valid_from,
    validTo: row.valid_to,
    denialReason: row.denial_reason,
    appealInformation: row.outcome === 'denied' ? APPEAL_INFORMATION : null,
  };
}
