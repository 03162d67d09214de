import { stockholmDate } from '@kundval/domain';
import { audit, conflict, invalid, isUniqueViolation } from '@kundval/platform';
import { createMonthBatch, createRetryBatch, findBatch, recordRejections, toBatch } from '../../finance/payment-batches.js';
import { markBatchSentAt } from '../../store/payment-batches.js';
import type { Outcome, UseCaseContext } from '../context.js';

type Batch = ReturnType<typeof toBatch>;
type Skipped = Awaited<ReturnType<typeof createMonthBatch>>['skipped'];

/** The execution date asked for, or today in Stockholm; the bank refuses a date already past. */
function checkedExecutionDate(ctx: UseCaseContext, asked: string | undefined): string {
  const today = stockholmDate(ctx.now);
  if (asked !== undefined && asked < today) throw invalid('BILLING.EXECUTION_DATE_PAST', `The execution date ${asked} is before today (${today}).`, { field: 'body.executionDate' });
  return asked ?? today;
}

/** Two batches racing for the same payment: the database lets one win; the other is told to look again. */
export async function uniqueOrConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('BILLING.BATCH_CONFLICT', 'Another batch took some of these payments at the same time; fetch the batches and try again.');
    throw err;
  }
}

/** Finance batches the month's open provider payments into one payment file (pain.001), credits set off; what cannot go yet is listed as skipped. */
export async function createPaymentBatch(ctx: UseCaseContext, input: { month: string; executionDate?: string | undefined }): Promise<Outcome<Batch & { skipped: Skipped }>> {
  const executionDate = checkedExecutionDate(ctx, input.executionDate);
  const made = await createMonthBatch(ctx.db, { month: input.month, executionDate, createdBy: ctx.principal.sub });
  await audit(ctx.db, ctx.principal, { action: 'payment-batch.created', entity: 'payment-batch', entityId: made.batchId, after: { month: input.month, executionDate, skipped: made.skipped }, correlationId: ctx.correlationId });
  const { batch, items } = await findBatch(ctx.db, made.batchId);
  return { result: { ...toBatch(batch, items), skipped: made.skipped }, created: true, events: [] };
}

/** Finance marks a created batch as sent to the bank; marking a sent batch again changes nothing. */
export async function markBatchSent(ctx: UseCaseContext, input: { batchId: string }): Promise<Outcome<Batch>> {
  const { batch } = await findBatch(ctx.db, input.batchId);
  if (batch.status !== 'sent') {
    if (batch.status !== 'created') throw conflict('BILLING.BATCH_STATUS', `The batch is ${batch.status}; only a created batch can be marked sent.`);
    await markBatchSentAt(ctx.db, batch.batch_id, ctx.now);
    await audit(ctx.db, ctx.principal, { action: 'payment-batch.sent', entity: 'payment-batch', entityId: batch.batch_id, before: { status: batch.status }, after: { status: 'sent' }, correlationId: ctx.correlationId });
  }
  const now = await findBatch(ctx.db, input.batchId);
  return { result: toBatch(now.batch, now.items), created: false, events: [] };
}

export type BatchRejection = { providerId: string; reason: string };

/** The bank rejected the payments of some providers in a batch: each provider named must have a payment in it (400 naming the entry otherwise). */
export async function recordBatchRejections(ctx: UseCaseContext, input: { batchId: string; rejections: readonly BatchRejection[] }): Promise<Outcome<Batch>> {
  const { batch, items } = await findBatch(ctx.db, input.batchId);
  const rejections = input.rejections.map((r, i) => {
    const own = items.filter((item) => item.provider_id === r.providerId);
    if (own.length === 0) throw invalid('BILLING.NOT_IN_BATCH', `Provider ${r.providerId} has no payment in this batch.`, { field: `body.rejections.${i}.providerId` });
    return { paymentIds: own.map((item) => item.payment_id), reason: r.reason };
  });
  const { newlyRejected, status } = await recordRejections(ctx.db, batch, rejections);
  if (newlyRejected.length > 0) {
    await audit(ctx.db, ctx.principal, {
      action: 'payment-batch.rejections-recorded',
      entity: 'payment-batch',
      entityId: batch.batch_id,
      before: { status: batch.status },
      after: { status, rejections: input.rejections, payments: newlyRejected },
      correlationId: ctx.correlationId,
    });
  }
  const now = await findBatch(ctx.db, input.batchId);
  return { result: toBatch(now.batch, now.items), created: false, events: [] };
}

/** Finance pays a batch's rejected payments again in a new batch (once the providers' accounts are put right). */
export async function retryPaymentBatch(ctx: UseCaseContext, input: { batchId: string; executionDate?: string | undefined }): Promise<Outcome<Batch & { skipped: Skipped }>> {
  const executionDate = checkedExecutionDate(ctx, input.executionDate);
  const { batch } = await findBatch(ctx.db, input.batchId);
  const made = await createRetryBatch(ctx.db, { batch, executionDate, createdBy: ctx.principal.sub });
  await audit(ctx.db, ctx.principal, { action: 'payment-batch.retried', entity: 'payment-batch', entityId: made.batchId, after: { retryOf: batch.batch_id, executionDate, skipped: made.skipped }, correlationId: ctx.correlationId });
  const retried = await findBatch(ctx.db, made.batchId);
  return { result: { ...toBatch(retried.batch, retried.items), skipped: made.skipped }, created: true, events: [] };
}
