import { stockholmDate } from '@kundval/domain';
import { audit, invalid } from '@kundval/platform';
import { BgMaxError, parseBgMax } from '../../finance/bgmax.js';
import { parseCamt054 } from '../../finance/camt054.js';
import type { FinanceSettings } from '../../finance/config.js';
import { remindUnpaidInvoices } from '../../finance/fee-reminders.js';
import type { IncomingPaymentFile } from '../../finance/incoming-file.js';
import { importIncomingPayments } from '../../finance/incoming-payments.js';
import { findBatch, toBatch } from '../../finance/payment-batches.js';
import { parsePain002 } from '../../finance/pain002.js';
import { applyStatusReport } from '../../finance/status-reports.js';
import { BankFileError } from '../../finance/xml-read.js';
import type { Outcome, UseCaseContext } from '../context.js';

/** The formats of customers' payments the bank sends: Bankgirot's BgMax and ISO 20022 camt.054. */
export type IncomingPaymentFormat = 'bgmax' | 'camt054';

const PAYMENT_FILE_READERS: Record<IncomingPaymentFormat, (text: string) => IncomingPaymentFile> = {
  bgmax: (text) => {
    const file = parseBgMax(text);
    if (file.test) throw new BankFileError('body', 'The file is a test file (TK01 marker T); it pays nothing.');
    return file;
  },
  camt054: parseCamt054,
};

/**
 * The bank's status report (pain.002 XML) applied to a batch: rejected transactions become
 * rejections, the batch's status follows; the same report again changes nothing (`duplicate`).
 */
export async function importStatusReport(ctx: UseCaseContext, input: { batchId: string; xml: string }) {
  const report = readBankFile(() => parsePain002(input.xml));
  const applied = await applyStatusReport(ctx.db, input.batchId, report, ctx.principal.sub);
  if (!applied.duplicate) {
    await audit(ctx.db, ctx.principal, {
      action: 'payment-batch.status-report-imported',
      entity: 'payment-batch',
      entityId: applied.batch.batch_id,
      before: { status: applied.batch.status },
      after: { messageId: report.messageId, groupStatus: report.groupStatus, transactions: applied.outcomes.map((o) => ({ endToEndId: o.endToEndId, status: o.status, reason: o.reason })), rejectedPayments: applied.newlyRejected },
      correlationId: ctx.correlationId,
    });
  }
  const now = await findBatch(ctx.db, input.batchId);
  const result = { messageId: report.messageId, groupStatus: report.groupStatus, duplicate: applied.duplicate, transactions: applied.outcomes, rejectedPayments: applied.newlyRejected, batch: toBatch(now.batch, now.items) };
  return { result, created: false, events: [] } satisfies Outcome<unknown>;
}

/**
 * Customers' payments of fee invoices from the bank's file (BgMax, decoded from Latin-1, or camt.054
 * XML), each matched to its invoice by the OCR reference or kept unmatched; a BgMax test file is
 * refused; the same file again changes nothing.
 */
export async function importPaymentFile(ctx: UseCaseContext, input: { format: IncomingPaymentFormat; text: string }) {
  const { format } = input;
  const file = readBankFile(() => PAYMENT_FILE_READERS[format](input.text));
  const imported = await importIncomingPayments(ctx.db, file, ctx.principal.sub);
  const matched = imported.payments.filter((p) => p.status === 'matched');
  const unmatched = imported.payments.filter((p) => p.status === 'unmatched');
  const summary = {
    matched: matched.length,
    unmatched: unmatched.length,
    matchedOre: matched.reduce((s, p) => s + p.amountOre, 0),
    unmatchedOre: unmatched.reduce((s, p) => s + p.amountOre, 0),
  };
  if (!imported.duplicate) {
    await audit(ctx.db, ctx.principal, {
      action: 'incoming-payments.imported',
      entity: 'incoming-payment-file',
      entityId: imported.fileId,
      after: { format, fileReference: file.fileReference, ...summary, payments: imported.payments.map((p) => ({ paymentId: p.paymentId, status: p.status, invoiceId: p.invoiceId, amountOre: p.amountOre, creditOre: p.creditOre })) },
      correlationId: ctx.correlationId,
    });
  }
  const result = { fileId: imported.fileId, format, fileReference: file.fileReference, duplicate: imported.duplicate, ...summary, payments: imported.payments };
  return { result, created: false, events: [] } satisfies Outcome<unknown>;
}

/** Reminds the fee invoices left unpaid past their due date, judged by `asOf` (today in Stockholm, or an earlier day); `dryRun` only lists them. */
export async function remindUnpaid(ctx: UseCaseContext, input: { asOf?: string | undefined; dryRun: boolean }, rules: FinanceSettings['reminders']) {
  const today = stockholmDate(ctx.now);
  const asOf = input.asOf ?? today;
  if (asOf > today) throw invalid('BILLING.REMINDER_DATE_FUTURE', `Reminders are judged by today (${today}) or an earlier day, not ${asOf}.`, { field: 'body.asOf' });
  const { dryRun } = input;
  const reminded = await remindUnpaidInvoices(ctx.db, { asOf, rules, remindedBy: ctx.principal.sub, dryRun });
  if (!dryRun) {
    for (const r of reminded) {
      await audit(ctx.db, ctx.principal, { action: 'fee-invoice.reminded', entity: 'fee-invoice', entityId: r.invoiceId, after: { asOf, dueDate: r.dueDate, balanceOre: r.balanceOre, reminderDays: rules.reminderDays }, correlationId: ctx.correlationId });
    }
  }
  const result = { asOf, dryRun, reminderDays: rules.reminderDays, reminded };
  return { result, created: false, events: [] } satisfies Outcome<unknown>;
}

/** A file that does not read as its format is the caller's mistake: 400 naming where. */
function readBankFile<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof BankFileError) throw invalid('BILLING.BANK_FILE', err.message, { field: err.field });
    if (err instanceof BgMaxError) throw invalid('BILLING.BANK_FILE', `BgMax ${err.message}`, { field: `body.line.${err.line}` });
    throw err;
  }
}
