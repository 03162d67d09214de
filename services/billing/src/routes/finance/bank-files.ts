import { z } from 'zod';
import iconv from 'iconv-lite';
import { ErrorBody, conflict, isUniqueViolation, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps, FinanceSettings } from '../../deps.js';
import { queryContext, useCaseRunner } from '../use-case.js';
import { importPaymentFile, importStatusReport, remindUnpaid, type IncomingPaymentFormat } from '../../application/finance/bank-files.js';
import { listIncomingPayments } from '../../application/finance/incoming-payments.js';
import { customerCredits } from '../../application/finance/customer-credits.js';
import { PaymentBatch } from './schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
// A month of a municipality's payments in one file stays well below this.
const MAX_BANK_FILE_BYTES = 20 * 1024 * 1024;
const XML_TYPES = ['application/xml', 'text/xml'];

const ReportOutcome = z.object({
  endToEndId: z.string(),
  providerId: z.string(),
  payments: z.number(),
  amountOre: z.number(),
  status: z.string().nullable().describe('The bank’s status code (TxSts, else PmtInfSts, else GrpSts)'),
  outcome: z.enum(['accepted', 'rejected', 'pending']),
  reason: z.string().nullable(),
});
const StatusReportResult = z.object({
  messageId: z.string(),
  groupStatus: z.string().nullable(),
  duplicate: z.boolean().describe('The report was imported before; nothing changed'),
  transactions: z.array(ReportOutcome),
  rejectedPayments: z.array(z.uuid()),
  batch: PaymentBatch,
});

const ImportedPayment = z.object({
  paymentId: z.uuid().nullable(),
  position: z.string(),
  reference: z.string().nullable(),
  amountOre: z.number(),
  paymentDate: z.string(),
  status: z.enum(['matched', 'unmatched', 'already-imported']),
  unmatchedReason: z.enum(['no-reference', 'invalid-reference', 'unknown-reference', 'deduction']).nullable(),
  invoiceId: z.uuid().nullable(),
  invoiceNumber: z.number().nullable(),
  appliedOre: z.number(),
  creditOre: z.number().describe('Paid beyond the invoice: a credit to return to the customer'),
  invoiceStatus: z.enum(['unpaid', 'part-paid', 'paid', 'overpaid']).nullable(),
  invoiceBalanceOre: z.number().nullable(),
});
const ImportResult = z.object({
  fileId: z.uuid(),
  format: z.enum(['bgmax', 'camt054']),
  fileReference: z.string(),
  duplicate: z.boolean().describe('The file was imported before; nothing changed'),
  matched: z.number(),
  unmatched: z.number(),
  matchedOre: z.number(),
  unmatchedOre: z.number(),
  payments: z.array(ImportedPayment),
});
const IncomingPayment = z.object({
  paymentId: z.uuid(),
  format: z.enum(['bgmax', 'camt054']),
  fileReference: z.string(),
  position: z.string(),
  kind: z.enum(['payment', 'deduction']),
  bankReference: z.string().nullable(),
  reference: z.string().nullable(),
  amountOre: z.number(),
  paymentDate: z.string(),
  payerName: z.string().nullable(),
  information: z.string().nullable(),
  status: z.enum(['matched', 'unmatched']),
  unmatchedReason: z.string().nullable(),
  invoiceId: z.uuid().nullable(),
  invoiceNumber: z.number().nullable(),
  appliedOre: z.number(),
  creditOre: z.number(),
  periodMonth: z.string(),
});
const Reminder = z.object({
  invoiceId: z.uuid(),
  invoiceNumber: z.number(),
  customerId: z.uuid(),
  month: z.string(),
  ocrReference: z.string(),
  dueDate: z.string(),
  feeOre: z.number(),
  paidOre: z.number(),
  balanceOre: z.number(),
  status: z.enum(['unpaid', 'part-paid', 'paid', 'overpaid']),
});

/**
 * The bank's files: pain.002 answers to payment batches, customers' payments of fee invoices
 * (BgMax, camt.054) and reminders of what stays unpaid (ADR 0021). An encapsulated plugin, so the
 * XML and BgMax bodies are accepted by these routes only.
 */
export function bankFileRoutes(deps: BillingDeps, settings: FinanceSettings): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
  return async (app) => {
    app.addContentTypeParser(XML_TYPES, { parseAs: 'string', bodyLimit: MAX_BANK_FILE_BYTES }, (_req, body, done) => done(null, body));
    // BgMax is ISO 8859-1 (Latin-1) as Bankgirot delivers it: read as bytes and decoded here.
    app.addContentTypeParser(['text/plain', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_BANK_FILE_BYTES }, (_req, body, done) => done(null, iconv.decode(body as Buffer, 'latin1')));

    app.post(
      '/payment-batches/:batchId/status-report',
      {
        config: { roles: ['finance'] },
        schema: {
          summary: "Import the bank's status report (ISO 20022 pain.002) for a batch",
          description:
            'An `application/xml` body: pain.002.001.03 (what Swedish banks answer a pain.001.001.03 file with), .10 or .12. Each transaction is found by its EndToEndId; rejected ones are recorded as rejections (as POST …/rejections does) and are paid again by POST …/retry once the account is corrected; the batch becomes `accepted`, `rejected-partly` or `rejected`. The same report (by its MsgId) imported again changes nothing.',
          tags: ['payments'],
          consumes: XML_TYPES,
          params: z.object({ batchId: z.uuid() }),
          body: z.string(),
          response: { 200: StatusReportResult, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => importStatusReport(ctx, { batchId: req.params.batchId, xml: req.body })),
    );

    const importRoute = (url: string, format: IncomingPaymentFormat, consumes: string[], summary: string, description: string) =>
      app.post(
        url,
        {
          config: { roles: ['finance'] },
          schema: { summary, description, tags: ['fees'], consumes, body: z.string(), response: { 200: ImportResult, ...errors } },
        },
        async (req, reply) => sameFileAtOnce(() => run(req, reply, (ctx) => importPaymentFile(ctx, { format, text: req.body }))),
      );

    importRoute(
      '/incoming-payments/bgmax',
      'bgmax',
      ['text/plain', 'application/octet-stream'],
      "Import Bankgirot's BgMax file of payments to the municipality's Bankgiro",
      'The file as Bankgirot delivers it (ISO 8859-1, 80-character records TK01–TK70). Each payment (TK20) is matched to the fee invoice with its OCR reference; deductions (TK21), unknown and missing references are kept unmatched (GET /incoming-payments?status=unmatched). A test file (TK01 marker T) is refused. The same file (TK01 timestamp), or a payment already imported (Bankgirot serial number), changes nothing.',
    );
    importRoute(
      '/incoming-payments/camt054',
      'camt054',
      XML_TYPES,
      "Import the bank's camt.054 notification of payments to the municipality's account",
      'ISO 20022 camt.054.001.02, `application/xml`. Booked credits only; each TxDtls is a payment, matched by its structured creditor reference (Strd/CdtrRefInf/Ref, the OCR) to a fee invoice. The same file (GrpHdr/MsgId), or an entry already imported (AcctSvcrRef), changes nothing.',
    );

    app.get(
      '/incoming-payments',
      {
        config: { roles: ['finance', 'operator'] },
        schema: {
          summary: 'Customers’ payments from the bank files, matched or not',
          description: 'Newest first. `status=unmatched` is finance’s work list: payments without a known OCR reference, and deductions.',
          tags: ['fees'],
          querystring: z.object({ status: z.enum(['matched', 'unmatched']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
          response: { 200: z.object({ payments: z.array(IncomingPayment) }), ...errors },
        },
      },
      async (req) => listIncomingPayments(queryOf(req), req.query),
    );

    app.get(
      '/customer-credits',
      {
        config: { roles: ['finance', 'operator'] },
        schema: {
          summary: 'What customers paid beyond their fee invoices, to return to them',
          tags: ['fees'],
          response: {
            200: z.object({
              credits: z.array(
                z.object({ creditId: z.uuid(), customerId: z.uuid(), invoiceId: z.uuid(), invoiceNumber: z.number(), paymentId: z.uuid(), paymentDate: z.string(), amountOre: z.number(), status: z.enum(['to-return']) }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (req) => customerCredits(queryOf(req)),
    );

    app.post(
      '/fee-invoices/reminders',
      {
        config: { roles: ['finance', 'system'] },
        schema: {
          summary: 'Remind fee invoices left unpaid past their due date',
          description: `An invoice is due FEE_PAYMENT_TERM_DAYS (${settings.reminders.paymentTermDays}) after the day it was made and is reminded once, when a balance is left FEE_REMINDER_DAYS (${settings.reminders.reminderDays}) after that. Answers the invoices reminded now; \`dryRun\` lists them without marking.`,
          tags: ['fees'],
          body: z.object({ asOf: z.iso.date().optional().describe('The day to judge by; today in Stockholm if left out'), dryRun: z.boolean().default(false) }).nullish(),
          response: { 200: z.object({ asOf: z.string(), dryRun: z.boolean(), reminderDays: z.number(), reminded: z.array(Reminder) }), ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => remindUnpaid(ctx, { asOf: req.body?.asOf, dryRun: req.body?.dryRun ?? false }, settings.reminders)),
    );
  };
}

/** The same file (or payment) imported twice at the same moment: one wins, the other is told to send again and is then answered as a repeat. */
async function sameFileAtOnce<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('BILLING.IMPORT_CONFLICT', 'The same file or payment was being imported at the same moment; send the file again.');
    throw err;
  }
}
