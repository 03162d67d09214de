import { z } from 'zod';
import { ErrorBody, assertCustomerScope, conflict, notFound, commandRunner, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';
import { storedArea } from '../../areas.js';
import { checkTerms } from '../../decision-terms.js';
import { invalidFields } from '../../http/field-issues.js';
import { Decision, DecisionParams, FreeText, IsoDate, TermsFields } from '../../schemas.js';
import { assertChangeable, changeDecision, endDecision, lockDecision, readDecisionView } from '../../store/decisions.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const ChangeBody = z
  .object({
    effectiveFrom: IsoDate.describe('The first day the new terms apply'),
    ...TermsFields,
    validTo: IsoDate.describe('The last day of the decision after the change: later than the current one renews it'),
    reason: FreeText(2000),
  })
  .superRefine((c, ctx) => {
    if (c.validTo < c.effectiveFrom) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'validTo must not be before effectiveFrom' });
  });

const EndBody = z.object({
  endDate: IsoDate.describe('The last day of service'),
  reason: z.enum(['moved', 'deceased', 'withdrawn', 'replaced']),
});

const ExpireBody = z
  .object({ expectedValidTo: IsoDate.optional().describe('The last day the caller saw; refused (409) if the decision was renewed since') })
  // The journey sends no body at all; Fastify hands the schema null then.
  .nullish();

/** A decision's life after it was made: reading it, changing (omprövning, renewal), ending and expiring it. */
export function decisionRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  const runCommand = commandRunner(db, { afterCommit: deps.afterCommit });
  return async (app) => {

    app.get(
      '/decisions/:decisionId',
      {
        config: { roles: ['case-handler', 'operator', 'citizen'] },
        schema: {
          summary: 'Read a decision',
          description: 'The decision as it now stands (its latest version), its end if ended, and every version in `history`.',
          tags: ['decisions'],
          params: DecisionParams,
          response: { 200: Decision, ...errors },
        },
      },
      async (req) => {
        const row = await db.selectFrom('decisions').selectAll().where('decision_id', '=', req.params.decisionId).executeTakeFirst();
        if (!row) throw notFound('DECISIONS.DECISION_NOT_FOUND', 'No such decision.');
        assertCustomerScope(req.principal, row.customer_id);
        return readDecisionView(db, row);
      },
    );

    app.post(
      '/decisions/:decisionId/changes',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'Change a decision (omprövning), or renew it',
          description:
            'New terms from effectiveFrom, which must fall within the decision (409 DECISIONS.CHANGE_BEFORE_START / CHANGE_AFTER_END). A validTo later than the current one renews the decision. Terms left out keep their current value where the area allows (level, care-need points, days per week); home care states its hours. Emits decisionChanged. Repeating the current terms changes nothing (200).',
          tags: ['decisions'],
          params: DecisionParams,
          body: ChangeBody,
          response: { 201: Decision, 200: Decision, ...errors },
        },
      },
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const body = req.body;
          const row = await lockDecision(trx, req.params.decisionId);
          assertChangeable(row, body.effectiveFrom);
          const checked = checkTerms(storedArea(row.area_id), row.outcome, {
            careHoursPerMonth: body.careHoursPerMonth,
            serviceHoursPerMonth: body.serviceHoursPerMonth,
            careNeedPoints: body.careNeedPoints ?? row.care_need_points ?? undefined,
            // New care-need points give a new level; without them the level stays unless stated.
            level: body.level ?? (body.careNeedPoints === undefined ? (row.level ?? undefined) : undefined),
            daysPerWeek: body.daysPerWeek ?? row.days_per_week ?? undefined,
          });
          if (!checked.ok) throw invalidFields(checked.issues);
          const { changed, view } = await changeDecision(
            trx,
            row,
            { effectiveFrom: body.effectiveFrom, terms: checked.terms, validTo: body.validTo, reason: body.reason },
            { actor: req.principal, correlationId: req.correlationId },
          );
          return { status: changed ? 201 : 200, body: view };
        }),
    );

    app.post(
      '/decisions/:decisionId/end',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'End a decision (the customer moved, died, withdrew, or a new decision replaces it)',
          description:
            'Emits decisionEnded. The same end again answers the ended decision; a different end of an ended decision is refused (409 DECISIONS.ALREADY_ENDED). The end date may be from the day before the first day to the last day.',
          tags: ['decisions'],
          params: DecisionParams,
          body: EndBody,
          response: { 200: Decision, ...errors },
        },
      },
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const row = await lockDecision(trx, req.params.decisionId);
          const { view } = await endDecision(trx, row, req.body, { actor: req.principal, correlationId: req.correlationId });
          return { status: 200, body: view };
        }),
    );

    app.post(
      '/decisions/:decisionId/expire',
      {
        config: { roles: ['system'] },
        schema: {
          summary: 'Expire a decision whose validity passed without renewal (the journey calls it)',
          description:
            'Emits decisionEnded with reason expired and the last valid day as end date. Idempotent: a decision already ended, for whatever reason, is answered as it stands, so a retry by the journey never fails on it.',
          tags: ['decisions'],
          params: DecisionParams,
          body: ExpireBody,
          response: { 200: Decision, ...errors },
        },
      },
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const row = await lockDecision(trx, req.params.decisionId);
          if (row.end_date) return { status: 200, body: await readDecisionView(trx, row) };
          const expected = req.body?.expectedValidTo;
          if (expected !== undefined && expected !== row.valid_to) {
            throw conflict('DECISIONS.VALIDITY_CHANGED', `The decision now runs to ${row.valid_to}, not ${expected}.`, { validTo: row.valid_to });
          }
          const { view } = await endDecision(trx, row, { endDate: row.valid_to, reason: 'expired' }, { actor: req.principal, correlationId: req.correlationId });
          return { status: 200, body: view };
        }),
    );
  };
}
