import { sql } from 'kysely';
import type { OrdersDb } from './db.js';

export async function findSurvey(db: OrdersDb, surveyId: string) {
  return db.selectFrom('surveys').selectAll().where('survey_id', '=', surveyId).executeTakeFirst();
}

export async function lockSurvey(db: OrdersDb, surveyId: string) {
  return db.selectFrom('surveys').selectAll().where('survey_id', '=', surveyId).forUpdate().executeTakeFirst();
}

export async function findSurveyOf(db: OrdersDb, areaId: string, year: number) {
  return db.selectFrom('surveys').selectAll().where('area_id', '=', areaId).where('year', '=', year).executeTakeFirst();
}

/** Inserts the survey unless the area has one for the year; the row either way, and whether it was new. */
export async function insertSurveyOnce(db: OrdersDb, row: { survey_id: string; area_id: string; year: number; opened_by: string }) {
  const inserted = await db
    .insertInto('surveys')
    .values({ ...row, status: 'open' })
    .onConflict((oc) => oc.columns(['area_id', 'year']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ? { survey: inserted, created: true } : { survey: (await findSurveyOf(db, row.area_id, row.year))!, created: false };
}

export async function listSurveys(db: OrdersDb, q: { areaId?: string | undefined; year?: number | undefined }) {
  let query = db.selectFrom('surveys').selectAll();
  if (q.areaId) query = query.where('area_id', '=', q.areaId);
  if (q.year) query = query.where('year', '=', q.year);
  return query.orderBy('year', 'desc').orderBy('area_id').execute();
}

/** Whether the customer had an order with the provider in the area in force some day of the year. */
export async function servedInYear(db: OrdersDb, q: { customerId: string; providerId: string; areaId: string; year: number }): Promise<boolean> {
  const row = await db
    .selectFrom('orders')
    .select('order_id')
    .where('customer_id', '=', q.customerId)
    .where('provider_id', '=', q.providerId)
    .where('area_id', '=', q.areaId)
    .where('status', 'in', ['placed', 'accepted'])
    .where('valid_from', '<=', `${q.year}-12-31`)
    .where(sql<boolean>`coalesce(end_date, valid_to) >= ${`${q.year}-01-01`}::date`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findAnswer(db: OrdersDb, surveyId: string, customerId: string) {
  return db.selectFrom('survey_answers').selectAll().where('survey_id', '=', surveyId).where('customer_id', '=', customerId).executeTakeFirst();
}

/** Inserts the customer's answer unless they have answered; whether it was inserted. */
export async function insertAnswerOnce(db: OrdersDb, row: { survey_id: string; customer_id: string; provider_id: string; score: number }): Promise<boolean> {
  const inserted = await db.insertInto('survey_answers').values(row).onConflict((oc) => oc.columns(['survey_id', 'customer_id']).doNothing()).returning('survey_id').executeTakeFirst();
  return inserted !== undefined;
}

/** The answers per provider: their count and the sum of scores. */
export async function answerTotals(db: OrdersDb, surveyId: string) {
  const rows = await db
    .selectFrom('survey_answers')
    .select((eb) => ['provider_id', eb.fn.countAll<string>().as('answers'), eb.fn.sum<string>('score').as('total')])
    .where('survey_id', '=', surveyId)
    .groupBy('provider_id')
    .orderBy('provider_id')
    .execute();
  return rows.map((r) => ({ providerId: r.provider_id, answers: Number(r.answers), total: Number(r.total) }));
}

export async function insertResults(db: OrdersDb, rows: { survey_id: string; provider_id: string; area_id: string; year: number; score_tenths: number; answers: number }[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('survey_results').values(rows).execute();
}

export async function resultsOf(db: OrdersDb, surveyId: string) {
  return db.selectFrom('survey_results').selectAll().where('survey_id', '=', surveyId).orderBy('provider_id').execute();
}

/** Each provider's result in the area's latest published survey that has one for it. */
export async function latestResultsInArea(db: OrdersDb, areaId: string): Promise<Map<string, { scoreTenths: number; answers: number; year: number }>> {
  const rows = await db
    .selectFrom('survey_results')
    .select(['provider_id', 'score_tenths', 'answers', 'year'])
    .where('area_id', '=', areaId)
    .orderBy('provider_id')
    .orderBy('year', 'desc')
    .execute();
  const out = new Map<string, { scoreTenths: number; answers: number; year: number }>();
  for (const r of rows) if (!out.has(r.provider_id)) out.set(r.provider_id, { scoreTenths: r.score_tenths, answers: r.answers, year: r.year });
  return out;
}
