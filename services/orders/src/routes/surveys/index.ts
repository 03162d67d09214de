import { z } from 'zod';
import type { FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { answerSurvey, listSurveys, openSurvey, publishSurvey, surveyResults } from '../../application/surveys/surveys.js';
import { errors, queryContext, useCaseRunner } from '../command.js';

/** The threshold below which a provider's published score is followed up, when the deployment sets none. */
export const DEFAULT_SURVEY_FOLLOW_UP_BELOW = 3.5;

const Year = z.coerce.number().int().min(2000).max(2100);
const Survey = z.object({
  surveyId: z.uuid(),
  areaId: z.string(),
  year: z.number().int(),
  status: z.enum(['open', 'published']),
  openedAt: z.string(),
  followUpBelow: z.number().nullable(),
  publishedAt: z.string().nullable(),
});
const SurveyResults = Survey.extend({
  answers: z.number().int().describe('Answers in all'),
  results: z.array(
    z.object({
      providerId: z.string(),
      score: z.number().describe('Mean score 1–5, one decimal'),
      answers: z.number().int(),
      followUp: z.boolean().describe('Below the threshold when published: a follow-up task for the case handler'),
    }),
  ),
});
const SurveyParams = z.object({ surveyId: z.uuid() });

/** The yearly customer survey, "Vad tycker kunden?" (ADR 0040). */
export function surveyRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const query = queryContext(deps);
  const followUpBelow = deps.surveyFollowUpBelow ?? DEFAULT_SURVEY_FOLLOW_UP_BELOW;
  return async (app) => {
    app.post(
      '/surveys',
      {
        config: { roles: ['case-handler', 'finance'] },
        schema: {
          summary: "Open the area's customer survey of a year",
          description: 'One survey per area and year; opening it again answers it as it stands (200).',
          tags: ['surveys'],
          body: z.object({ areaId: z.string().min(1).max(50), year: Year }),
          response: { 200: Survey, 201: Survey, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => openSurvey(ctx, req.body)),
    );

    app.get(
      '/surveys',
      {
        config: { roles: ['case-handler', 'finance', 'operator', 'administrator', 'citizen'] },
        schema: { summary: 'The surveys, newest year first', tags: ['surveys'], querystring: z.object({ areaId: z.string().min(1).max(50).optional(), year: Year.optional() }), response: { 200: z.array(Survey), ...errors } },
      },
      async (req) => listSurveys(query(req), req.query),
    );

    app.post(
      '/surveys/:surveyId/answers',
      {
        config: { roles: ['citizen'] },
        schema: {
          summary: "The customer's answer: a score 1–5 for the provider that served them",
          description:
            "Through the citizen's portal, with the customer's own token. Each customer answers a survey once, for a provider whose order in the survey's area was in force some day of its year (else 409 `ORDERS.NOT_SERVED_BY_PROVIDER`); the same answer again is 200, another 409 `ORDERS.SURVEY_ALREADY_ANSWERED`; a published survey takes none (409 `ORDERS.SURVEY_CLOSED`).",
          tags: ['surveys'],
          params: SurveyParams,
          body: z.object({ providerId: z.string().regex(/^[a-z0-9-]{2,50}$/, 'lower-case letters, digits and dashes'), score: z.number().int().min(1).max(5) }),
          response: { 200: z.object({ surveyId: z.uuid(), providerId: z.string(), score: z.number() }), 201: z.object({ surveyId: z.uuid(), providerId: z.string(), score: z.number() }), ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => answerSurvey(ctx, { surveyId: req.params.surveyId, ...req.body })),
    );

    app.get(
      '/surveys/:surveyId/results',
      {
        config: { roles: ['case-handler', 'finance', 'operator', 'administrator'] },
        schema: { summary: "The survey's results per provider (so far, while open)", tags: ['surveys'], params: SurveyParams, response: { 200: SurveyResults, ...errors } },
      },
      async (req) => surveyResults(query(req), req.params),
    );

    app.post(
      '/surveys/:surveyId/publish',
      {
        config: { roles: ['case-handler', 'finance'] },
        schema: {
          summary: 'Publish the results into the provider choice listing',
          description: `Each provider's mean score and number of answers replace its hand-entered score in GET /providers (with the year). A provider below \`followUpBelow\` (default SURVEY_FOLLOW_UP_BELOW, ${followUpBelow}) gets a case handler's follow-up task (event \`surveyPublished\`). Published once: again, it answers the results (200).`,
          tags: ['surveys'],
          params: SurveyParams,
          body: z.object({ followUpBelow: z.number().min(1).max(5).multipleOf(0.1).optional() }).nullish(),
          response: { 200: SurveyResults, 201: SurveyResults, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => publishSurvey(ctx, { surveyId: req.params.surveyId, followUpBelow: req.body?.followUpBelow ?? followUpBelow })),
    );
  };
}
