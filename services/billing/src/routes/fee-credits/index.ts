import { z } from 'zod';
import { ErrorBody, assertCustomerScope, audit, commandRunner, invalid, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { loadFinanceSettings } from '../../finance/config.js';
import { stockholmDate } from '@kundval/domain';
import { releaseCreditsForPayback } from '../../fees/fee-credits.js';
import { customerFeeStatement, listFeeCredits } from '../../fees/fee-statement.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Cause = z.enum(['fee-room-lowered', 'fewer-deliveries', 'tariff-lowered']).describe('Why the fee is now lower than was charged');

export const FeeCredit = z.object({
  creditId: z.uuid().describe("The credit note's invoice id"),
  customerId: z.uuid(),
  creditInvoiceNumber: z.number().int(),
  month: z.string().describe('The service month whose fee was charged too high'),
  cause: Cause,
  amountOre: z.number().int().positive().describe('What was credited'),
  setOffOre: z.number().int().nonnegative().describe('What later invoices took of it'),
  remainingOre: z.number().int().nonnegative().describe('What still waits for an invoice to be set off against'),
  returnedOre: z.number().int().nonnegative().describe('What is to be paid back to the customer'),
  status: z.enum(['open', 'set-off', 'to-return']),
  createdOn: z.string(),
  returnDecidedOn: z.string().nullable(),
});

const StatementLine = z.object({
  invoiceId: z.uuid(),
  invoiceNumber: z.number().int(),
  month: z.string(),
  periodMonth: z.string(),
  kind: z.enum(['charge', 'credit-note']),
  feeOre: z.number().int().describe('Signed: a credit note is negative'),
  cause: Cause.nullable(),
  setOffOre: z.number().int().nonnegative(),
  setOffs: z.array(z.object({ creditInvoiceNumber: z.number().int(), amountOre: z.number().int().positive() })).describe("The credit notes this invoice's set-off came from"),
  paidOre: z.number().int().nonnegative().describe('What the bank files matched to its OCR'),
  toPayOre: z.number().int().nonnegative(),
  balanceOre: z.number().int().nonnegative(),
  ocrReference: z.string().nullable(),
});

export const FeeStatement = z.object({
  customerId: z.uuid(),
  lines: z.array(StatementLine),
  credits: z.array(FeeCredit),
  openCreditOre: z.number().int().nonnegative().describe('Credits waiting to be set off against the next invoice'),
  toReturnOre: z.number().int().nonnegative().describe('Credits released to be paid back'),
  balanceOre: z.number().int().nonnegative().describe('What the customer still owes on their invoices'),
});

/** A customer's fee statement and the credits of fees charged too high (ADR 0039). */
export function feeCreditRoutes({ db, afterCommit, clock, finance }: BillingDeps): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });
  const settings = finance ?? loadFinanceSettings();
  const today = () => stockholmDate(clock?.() ?? new Date());
  return async (app) => {
    app.get(
      '/customers/:customerId/fee-statement',
      {
        config: { roles: ['citizen', 'case-handler', 'finance', 'operator'] },
        schema: {
          summary: "The customer's fee statement: invoices, credit notes with their cause, set-offs and payments",
          description: 'A citizen sees only their own.',
          tags: ['fees'],
          params: z.object({ customerId: z.uuid() }),
          response: { 200: FeeStatement, ...errors },
        },
      },
      async (req) => {
        assertCustomerScope(req.principal, req.params.customerId);
        return customerFeeStatement(db, req.params.customerId);
      },
    );

    app.get(
      '/fee-credits',
      {
        config: { roles: ['finance', 'operator'] },
        schema: {
          summary: 'Fee credits owed back to customers, oldest first',
          description: '`open`: waiting for a next invoice to be set off against; `to-return`: released to be paid back to the customer; `set-off`: settled by later invoices.',
          tags: ['fees'],
          querystring: z.object({ status: z.enum(['open', 'set-off', 'to-return']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
          response: { 200: z.array(FeeCredit), ...errors },
        },
      },
      async (req) => listFeeCredits(db, { status: req.query.status, limit: req.query.limit }),
    );

    app.post(
      '/fee-credits/payback',
      {
        config: { roles: ['finance', 'system'] },
        schema: {
          summary: 'Release for payback the fee credits no invoice took in time',
          description: `A credit still open FEE_CREDIT_SETOFF_DAYS (${settings.feeCredits.setOffDays}) after it was made has had no next fee invoice to be set off against: what is left of it becomes \`to-return\`, to be paid to the customer's account. Answers the credits released now; \`dryRun\` lists them without releasing.`,
          tags: ['fees'],
          body: z.object({ asOf: z.iso.date().optional().describe('The day to judge by; today in Stockholm if left out'), dryRun: z.boolean().default(false) }).nullish(),
          response: { 200: z.object({ asOf: z.string(), dryRun: z.boolean(), setOffDays: z.number(), released: z.array(FeeCredit.pick({ creditId: true, customerId: true, month: true, cause: true, amountOre: true, returnedOre: true, createdOn: true })) }), ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const asOf = req.body?.asOf ?? today();
          if (asOf > today()) throw invalid('BILLING.PAYBACK_DATE_FUTURE', `Paybacks are judged by today (${today()}) or an earlier day, not ${asOf}.`, { field: 'body.asOf' });
          const dryRun = req.body?.dryRun ?? false;
          const released = await releaseCreditsForPayback(trx, { asOf, setOffDays: settings.feeCredits.setOffDays, dryRun });
          if (!dryRun) {
            for (const c of released) {
              await audit(trx, req.principal, { action: 'fee-credit.released-for-payback', entity: 'customer', entityId: c.customerId, after: { creditId: c.creditId, month: c.month, returnedOre: c.returnedOre, asOf }, correlationId: req.correlationId });
            }
          }
          return { status: 200, body: { asOf, dryRun, setOffDays: settings.feeCredits.setOffDays, released } };
        }),
    );
  };
}
