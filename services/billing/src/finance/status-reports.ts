import { invalid } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import { findBatch, itemsByTransfer, recordRejections, type BatchRow, type Rejection } from './payment-batches.js';
import { outcomeOf, reasonText, type PaymentOutcome, type PaymentStatusReport, type StatusReason } from './pain002.js';

/**
 * The bank's pain.002 answer to a batch's file, applied to the batch (ADR 0021).
 *
 * A transaction's status is its own `TxSts`; without one, its payment information's `PmtInfSts`;
 * without that, the group's `GrpSts`. Under `PART` (partly accepted) a transaction the report does
 * not name was accepted: the banks list the ones they refuse. `PDNG`/`RCVD` change nothing.
 * Rejected transactions go through the one rejection path (`recordRejections`).
 */
export type ReportOutcome = { endToEndId: string; providerId: string; payments: number; amountOre: number; status: string | null; outcome: PaymentOutcome; reason: string | null };

export async function applyStatusReport(trx: BillingDb, batchId: string, report: PaymentStatusReport, importedBy: string) {
  const { batch, items } = await findBatch(trx, batchId);
  // Two reports for one batch at once are applied one after the other, so the second sees the first.
  await trx.selectFrom('payment_batches').select('batch_id').where('batch_id', '=', batchId).forUpdate().execute();
  const known = await trx.selectFrom('payment_status_reports').select(['batch_id']).where('message_id', '=', report.messageId).executeTakeFirst();
  if (known) {
    if (known.batch_id !== batch.batch_id) throw invalid('BILLING.STATUS_REPORT_OTHER_BATCH', `The status report ${report.messageId} was imported for batch ${known.batch_id}, not this one.`, { field: 'body.CstmrPmtStsRpt.GrpHdr.MsgId' });
    return { duplicate: true as const, batch, outcomes: [] as ReportOutcome[], newlyRejected: [] as string[] };
  }
  if (report.originalMessageId !== batch.message_id) {
    throw invalid('BILLING.STATUS_REPORT_OTHER_BATCH', `The status report answers the file ${report.originalMessageId}; this batch's file is ${batch.message_id}.`, { field: 'body.CstmrPmtStsRpt.OrgnlGrpInfAndSts.OrgnlMsgId' });
  }
  const transfers = itemsByTransfer(items);
  // The file has one PmtInf per debtor account and execution date: a batch has one of each.
  const ownPmtInf = `${batch.message_id}-1`;
  const named = new Map<string, { status: string | null; reasons: StatusReason[] }>();
  const pmtInfStatus: { status: string | null; reasons: StatusReason[] }[] = [];
  for (const pmtInf of report.paymentInfos) {
    if (pmtInf.originalPaymentInfoId !== ownPmtInf) throw invalid('BILLING.STATUS_REPORT_UNKNOWN_PAYMENT', `The batch's file has no payment information ${pmtInf.originalPaymentInfoId}.`, { field: `${pmtInf.field}.OrgnlPmtInfId` });
    pmtInfStatus.push({ status: pmtInf.status, reasons: pmtInf.reasons });
    for (const tx of pmtInf.transactions) {
      if (!transfers.has(tx.endToEndId)) throw invalid('BILLING.STATUS_REPORT_UNKNOWN_PAYMENT', `The batch's file has no transaction with EndToEndId ${tx.endToEndId}.`, { field: tx.field });
      named.set(tx.endToEndId, { status: tx.status ?? pmtInf.status, reasons: tx.reasons.length > 0 ? tx.reasons : pmtInf.reasons });
    }
  }
  const fallback = pmtInfStatus.find((p) => p.status !== null) ?? { status: report.groupStatus, reasons: report.groupReasons };
  const outcomes: ReportOutcome[] = [];
  const rejections: Rejection[] = [];
  const accepted: string[] = [];
  for (const [endToEndId, { transfer, items: own }] of transfers) {
    const said = named.get(endToEndId) ?? (fallback.status === 'PART' ? { status: 'ACCP', reasons: [] } : fallback);
    const outcome = said.status === null ? 'pending' : outcomeOf(said.status);
    const reason = outcome === 'rejected' ? reasonText(said.reasons, `${said.status} (no reason given)`) : null;
    outcomes.push({ endToEndId, providerId: transfer.providerId, payments: transfer.payments, amountOre: transfer.amountOre, status: said.status, outcome, reason });
    const live = own.filter((i) => i.status === 'included').map((i) => i.payment_id);
    if (outcome === 'rejected') rejections.push({ paymentIds: live, reason: reason! });
    if (outcome === 'accepted') accepted.push(...live);
  }
  if (batch.status === 'created') await trx.updateTable('payment_batches').set({ status: 'sent', sent_at: new Date() }).where('batch_id', '=', batch.batch_id).execute();
  if (accepted.length > 0) await trx.updateTable('payment_batch_items').set({ bank_status: 'accepted' }).where('batch_id', '=', batch.batch_id).where('payment_id', 'in', accepted).where('status', '=', 'included').execute();
  const { newlyRejected } = await recordRejections(trx, { ...batch, status: batch.status === 'created' ? 'sent' : batch.status }, rejections);
  await settleAccepted(trx, batch);
  await trx
    .insertInto('payment_status_reports')
    .values({ message_id: report.messageId, batch_id: batch.batch_id, group_status: report.groupStatus, report: JSON.stringify({ ...report, outcomes }), imported_by: importedBy })
    .execute();
  return { duplicate: false as const, batch, outcomes, newlyRejected };
}

/** A batch none of whose items are rejected, and all accepted, is `accepted`. */
async function settleAccepted(trx: BillingDb, batch: BatchRow) {
  const rows = await trx.selectFrom('payment_batch_items').select(['status', 'bank_status']).where('batch_id', '=', batch.batch_id).execute();
  if (rows.length > 0 && rows.every((r) => r.status === 'included' && r.bank_status === 'accepted')) {
    await trx.updateTable('payment_batches').set({ status: 'accepted' }).where('batch_id', '=', batch.batch_id).execute();
  }
}
