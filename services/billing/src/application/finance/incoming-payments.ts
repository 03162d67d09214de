import { listIncomingPayments as incomingPayments } from '../../finance/incoming-payments.js';
import type { QueryContext } from '../context.js';

/** Customers' payments from the bank files, newest first; `unmatched` is finance's work list. */
export async function listIncomingPayments(ctx: QueryContext, input: { status?: 'matched' | 'unmatched' | undefined; limit: number }) {
  return { payments: await incomingPayments(ctx.db, input.status === undefined ? { limit: input.limit } : { status: input.status, limit: input.limit }) };
}
