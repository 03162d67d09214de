import { audit, conflict, forbidden, invalid, notFound } from '@kundval/platform';
import { areaDefinition } from '../../store/providers.js';
import { answerTotals, findAnswer, findSurvey, insertAnswerOnce, insertResults, insertSurveyOnce, listSurveys as listSurveyRows, lockSurvey, resultsOf, servedInYear } from '../../store/surveys.js';
import { pendingEvent, type Outcome, type QueryContext, type UseCaseContext } from '../context.js';

/*
 * The yearly customer survey, "Vad tycker kunden?" (ADR 0040): a case handler or finance opens one
 * per area and year, each customer served in the area that year answers once (a score 1–5 for the
 * provider that served them), and publishing it sets each provider's mean score and number of
 * answers into the choice listing; a provider below the threshold gets a follow-up task.
 */

export type SurveyView = {
  surveyId: string;
  areaId: string;
  year: number;
  status: 'open' | 'published';
  openedAt: string;
  followUpBelow: number | null;
  publishedAt: string | null;
};
export type ProviderResult = { providerId: string; score: number; answers: number; followUp: boolean };
export type SurveyResults = SurveyView & { answers: number; results: ProviderResult[] };

type SurveyRow = NonNullable<Awaited<ReturnType<typeof findSurvey>>>;

const toSurvey = (r: SurveyRow): SurveyView => ({
  surveyId: r.survey_id,
  areaId: r.area_id,
  year: r.year,
  status: r.status,
  openedAt: new Date(r.opened_at).toISOString(),
  followUpBelow: r.follow_up_below === null ? null : Number(r.follow_up_below),
  publishedAt: r.published_at === null ? null : new Date(r.published_at).toISOString(),
});

/** The mean of `answers` scores summing to `total`, in tenths, rounded half up (4,25 → 4,3). */
export function meanTenths(total: number, answers: number): number {
  return Math.floor((total * 20 + answers) / (2 * answers));
}

/** Opens the area's survey of the year; opening it again answers the survey as it stands. */
export async function openSurvey(ctx: UseCaseContext, input: { areaId: string; year: number }): Promise<Outcome<SurveyView>> {
  if (!areaDefinition(input.areaId)) throw invalid('ORDERS.UNKNOWN_AREA', `No voucher area ${input.areaId}.`, { field: 'body.areaId' });
  const { survey, created } = await insertSurveyOnce(ctx.db, { survey_id: ctx.newId(), area_id: input.areaId, year: input.year, opened_by: ctx.principal.sub });
  if (created) await audit(ctx.db, ctx.principal, { action: 'survey.opened', entity: 'survey', entityId: survey.survey_id, after: { areaId: input.areaId, year: input.year }, correlationId: ctx.correlationId });
  return { result: toSurvey(survey), created, events: [] };
}

/**
 * The customer answers: once per survey, for a provider whose order in the area was in force some
 * day of the survey's year. The same answer again answers as it stands; another is 409.
 */
export async function answerSurvey(ctx: UseCaseContext, input: { surveyId: string; providerId: string; score: number }): Promise<Outcome<{ surveyId: string; providerId: string; score: number }>> {
  const customerId = ctx.principal.customerId;
  if (ctx.principal.role !== 'citizen' || !customerId) throw forbidden('Only the customer answers their survey, with a token naming them.');
  const survey = await lockSurvey(ctx.db, input.surveyId);
  if (!survey) throw notFound('ORDERS.SURVEY_NOT_FOUND', 'No such survey.');
  const given = await findAnswer(ctx.db, survey.survey_id, customerId);
  if (given) {
    if (given.provider_id === input.providerId && given.score === input.score) return { result: { surveyId: survey.survey_id, providerId: given.provider_id, score: given.score }, created: false, events: [] };
    throw conflict('ORDERS.SURVEY_ALREADY_ANSWERED', 'You have answered this survey already; each customer answers once.');
  }
  if (survey.status !== 'open') throw conflict('ORDERS.SURVEY_CLOSED', `The survey of ${survey.year} is published; it takes no more answers.`);
  if (!(await servedInYear(ctx.db, { customerId, providerId: input.providerId, areaId: survey.area_id, year: survey.year }))) {
    throw conflict('ORDERS.NOT_SERVED_BY_PROVIDER', `${input.providerId} did not serve you in ${survey.area_id} in ${survey.year}.`, { field: 'body.providerId' });
  }
  await insertAnswerOnce(ctx.db, { survey_id: survey.survey_id, customer_id: customerId, provider_id: input.providerId, score: input.score });
  // The audit row names who answered; the score is the customer's to give, so it is kept with the answer only.
  await audit(ctx.db, ctx.principal, { action: 'survey.answered', entity: 'survey', entityId: survey.survey_id, after: { providerId: input.providerId }, correlationId: ctx.correlationId });
  return { result: { surveyId: survey.survey_id, providerId: input.providerId, score: input.score }, created: true, events: [] };
}

/**
 * Publishes the survey: each provider's mean score and number of answers, into the choice listing;
 * a provider below `followUpBelow` is named in the event for a follow-up task. Published once: again, it answers the results.
 */
export async function publishSurvey(ctx: UseCaseContext, input: { surveyId: string; followUpBelow: number }): Promise<Outcome<SurveyResults>> {
  const survey = await lockSurvey(ctx.db, input.surveyId);
  if (!survey) throw notFound('ORDERS.SURVEY_NOT_FOUND', 'No such survey.');
  if (survey.status === 'published') return { result: await resultsView(ctx, survey), created: false, events: [] };
  const totals = await answerTotals(ctx.db, survey.survey_id);
  if (totals.length === 0) throw conflict('ORDERS.SURVEY_UNANSWERED', 'Nobody has answered the survey yet; there is nothing to publish.');
  const rows = totals.map((t) => ({ survey_id: survey.survey_id, provider_id: t.providerId, area_id: survey.area_id, year: survey.year, score_tenths: meanTenths(t.total, t.answers), answers: t.answers }));
  await insertResults(ctx.db, rows);
  const published = await ctx.db
    .updateTable('surveys')
    .set({ status: 'published', follow_up_below: input.followUpBelow.toFixed(1), published_by: ctx.principal.sub, published_at: ctx.now })
    .where('survey_id', '=', survey.survey_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const view = await resultsView(ctx, published);
  await audit(ctx.db, ctx.principal, { action: 'survey.published', entity: 'survey', entityId: survey.survey_id, after: { followUpBelow: input.followUpBelow, results: view.results }, correlationId: ctx.correlationId });
  return {
    result: view,
    created: true,
    events: [
      pendingEvent('surveyPublished', {
        surveyId: survey.survey_id,
        areaId: survey.area_id,
        year: survey.year,
        followUpBelow: input.followUpBelow,
        results: view.results.map(({ providerId, score, answers }) => ({ providerId, score, answers })),
        belowThreshold: view.results.filter((r) => r.followUp).map((r) => r.providerId),
      }),
    ],
  };
}

async function resultsView(ctx: Pick<QueryContext, 'db'>, survey: SurveyRow): Promise<SurveyResults> {
  const threshold = survey.follow_up_below === null ? null : Number(survey.follow_up_below);
  if (survey.status === 'published') {
    const rows = await resultsOf(ctx.db, survey.survey_id);
    const results = rows.map((r) => ({ providerId: r.provider_id, score: r.score_tenths / 10, answers: r.answers, followUp: threshold !== null && r.score_tenths < Math.round(threshold * 10) }));
    return { ...toSurvey(survey), answers: results.reduce((s, r) => s + r.answers, 0), results };
  }
  // Open: the results so far, for the case handler; nothing is followed up before publishing.
  const results = (await answerTotals(ctx.db, survey.survey_id)).map((t) => ({ providerId: t.providerId, score: meanTenths(t.total, t.answers) / 10, answers: t.answers, followUp: false }));
  return { ...toSurvey(survey), answers: results.reduce((s, r) => s + r.answers, 0), results };
}

/** A survey with its results per provider (so far, while open). */
export async function surveyResults(ctx: QueryContext, input: { surveyId: string }): Promise<SurveyResults> {
  const survey = await findSurvey(ctx.db, input.surveyId);
  if (!survey) throw notFound('ORDERS.SURVEY_NOT_FOUND', 'No such survey.');
  return resultsView(ctx, survey);
}

export async function listSurveys(ctx: QueryContext, input: { areaId?: string | undefined; year?: number | undefined }): Promise<SurveyView[]> {
  return (await listSurveyRows(ctx.db, input)).map(toSurvey);
}
