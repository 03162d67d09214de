import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';
import { changeDecisionTerms } from '../../application/decisions/change-decision.js';
import { endDecisionEarly, expireDecision } from '../../application/decisions/end-decision.js';
import { readDecision } from '../../application/decisions/read-decision.js';
import { Decision, DecisionParams, FreeText, IsoDate, TermsFields } from '../../schemas.js';
import { queryContext, useCaseRunner } from '../use-case.js';

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
  const run = useCaseRunner(deps);
  const query = queryContext(deps);
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
      async (req) => readDecision(query(req), req.params),
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
      async (req, reply) => run(req, reply, (ctx) => changeDecisionTerms(ctx, { ...req.params, ...req.body })),
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
      async (req, reply) => run(req, reply, (ctx) => endDecisionEarly(ctx, { ...req.params, ...req.body })),
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
      async (req, reply) => run(req, reply, (ctx) => expireDecision(ctx, { ...req.params, expectedValidTo: req.body?.expectedValidTo })),
    );

  };
}
