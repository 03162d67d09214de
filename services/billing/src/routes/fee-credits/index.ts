import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import { financeSettingsOf, type BillingDeps } from '../../deps.js';
import { queryContext, useCaseRunner } from '../use-case.js';
import { feeStatement } from '../../application/fees/fee-statement.js';
import { listFeeCredits } from '../../application/fees/list-fee-credits.js';
import { releaseFeeCredits } from '../../application/fees/release-fee-credits.js';

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
export function feeCreditRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
  const settings = financeSettingsOf(deps);
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
      async (req) => feeStatement(queryOf(req), req.params),
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
      async (req) => listFeeCredits(queryOf(req), { status: req.query.status, limit: req.query.limit }),
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
      async (req, reply) => run(req, reply, (ctx) => releaseFeeCredits(ctx, { asOf: req.body?.asOf, dryRun: req.body?.dryRun ?? false }, settings.feeCredits)),
    );
  };
}
