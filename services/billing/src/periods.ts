import type { BillingDb } from './store/db.js';

/** `2025-12` → `2026-01`. */
export function nextMonth(month: string): string {
  const [year, mm] = month.split('-').map(Number) as [number, number];
  return mm === 12 ? `${year + 1}-01` : `${year}-${String(mm + 1).padStart(2, '0')}`;
}

export function firstDayOf(month: string): string {
  return `${month}-01`;
}

/** `2024-02` → `2024-02-29`. */
export function lastDayOf(month: string): string {
  const [year, mm] = month.split('-').map(Number) as [number, number];
  // Day 0 of the next month is the last day of this one; UTC keeps the time zone out of it.
  return new Date(Date.UTC(year, mm, 0)).toISOString().slice(0, 10);
}

/** Batch states that mean the file went to the bank: the period's payments are paid. */
export const SENT_BATCH_STATES = ['sent', 'accepted', 'rejected-partly', 'rejected'] as const;

/**
 * The period a payment or fee of service month `month` is booked in now (ADR 0011): the service
 * month itself while its payment run has not gone to the bank, otherwise the first later month
 * whose run has not. A paid period is never reopened, so a late approval or a correction after
 * the bank has the file lands as a delta in the next open period instead of changing a paid row.
 */
export async function openPeriod(db: BillingDb, month: string): Promise<string> {
  const closed = await db
    .selectFrom('payment_batches')
    .select('month')
    .distinct()
    .where('month', '>=', month)
    .where('status', 'in', [...SENT_BATCH_STATES])
    .orderBy('month')
    .execute();
  let period = month;
  for (const { month: paid } of closed) {
    if (paid === period) period = nextMonth(period);
    else if (paid > period) break;
  }
  return period;
}
