import { sql } from 'kysely';
import type { BillingDb } from './db.js';
import { insertRows } from './insert-rows.js';

const TALLY_COLUMNS = ['run_id', 'customer_id', 'area_id', 'provider_id', 'visits', 'visit_microseconds', 'attendance_days', 'sessions'] as const;

/** One provider's approved deliveries to one customer in one area, as the run's provider pass tallied them. */
export type RunDeliveryTally = { customerId: string; areaId: string; visits: number; visitMicroseconds: number; attendanceDays: number; sessions: number };

/** A customer's approved deliveries of one area in the run's month, over all providers. */
export type RunDeliveryTotal = { customerId: string; areaId: string; visits: number; minutes: number; attendanceDays: number; sessions: number };

/** Writes a provider's tally, `batchSize` rows per statement; in the provider's transaction, with its statement. */
export async function insertRunDeliveries(trx: BillingDb, runId: string, providerId: string, tallies: readonly RunDeliveryTally[], batchSize: number): Promise<void> {
  await insertRows(
    trx,
    'billing_run_deliveries',
    TALLY_COLUMNS,
    tallies.map((t) => ({
      run_id: runId,
      customer_id: t.customerId,
      area_id: t.areaId,
      provider_id: providerId,
      visits: t.visits,
      visit_microseconds: t.visitMicroseconds,
      attendance_days: t.attendanceDays,
      sessions: t.sessions,
    })),
    batchSize,
  );
}

/**
 * The customers' approved deliveries per area, summed over the run's providers, in (customer, area)
 * order. Minutes are the summed lengths rounded once, half away from zero, exactly as
 * `(sum(extract(epoch from end_at - start_at)) / 60)::bigint` over the visits themselves.
 */
export async function runDeliveryTotals(db: BillingDb, runId: string, customerIds: readonly string[]): Promise<RunDeliveryTotal[]> {
  if (customerIds.length === 0) return [];
  const rows = await db
    .selectFrom('billing_run_deliveries')
    .select([
      'customer_id',
      'area_id',
      sql<number>`sum(visits)::bigint`.as('visits'),
      sql<number>`(sum(visit_microseconds)::numeric / 60000000)::bigint`.as('minutes'),
      sql<number>`sum(attendance_days)::bigint`.as('attendance_days'),
      sql<number>`sum(sessions)::bigint`.as('sessions'),
    ])
    .where('run_id', '=', runId)
    .where('customer_id', 'in', customerIds)
    .groupBy(['customer_id', 'area_id'])
    .orderBy('customer_id')
    .orderBy('area_id')
    .execute();
  return rows.map((r) => ({ customerId: r.customer_id, areaId: r.area_id, visits: Number(r.visits), minutes: Number(r.minutes), attendanceDays: Number(r.attendance_days), sessions: Number(r.sessions) }));
}
