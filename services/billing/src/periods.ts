import { nextMonth } from '@kundval/domain';
import type { BillingDb } from './store/db.js';

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
