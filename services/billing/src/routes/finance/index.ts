import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import { financeSettingsOf, type BillingDeps, type FinanceSettings } from '../../deps.js';
import { bankFileRoutes } from './bank-files.js';
import { PayeeAccountView, PaymentBatch } from './schemas.js';
import { queryContext, useCaseRunner } from '../use-case.js';
import { Bankgiro, Bic, Iban, Plusgiro, registerProviderAccount, type PayeeAccount } from '../../application/finance/register-provider-account.js';
import { readPaymentBatch } from '../../application/finance/read-payment-batch.js';
import { paymentFile } from '../../application/finance/payment-file.js';
import { createPaymentBatch, markBatchSent, recordBatchRejections, retryPaymentBatch, uniqueOrConflict } from '../../application/finance/payment-batches.js';
import { exportSie } from '../../application/finance/export-sie.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = IsoMonth;
const BatchParams = z.object({ batchId: z.uuid() });
const ExecutionDate = z.iso.date().describe('The day the bank pays (ReqdExctnDt); today in Stockholm if left out');

/** One of the three ways to be paid; a 400 names the field that is wrong or missing. */
const AccountBody = z
  .object({
    name: z.string().trim().min(1).max(70).describe('The payee name the bank shows'),
    bankgiro: Bankgiro.optional().describe('A Bankgiro number, e.g. 5050-1055'),
    plusgiro: Plusgiro.optional().describe('A Plusgiro number, e.g. 4 10 54-8'),
    iban: Iban.optional().describe('An account by IBAN, e.g. SE73 6000 0000 0000 1234 5678; needs `bic`'),
    bic: Bic.optional().describe("The IBAN account's bank, e.g. HANDSESS"),
  })
  .superRefine((b, ctx) => {
    const given = (['bankgiro', 'plusgiro', 'iban'] as const).filter((k) => b[k] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: 'custom', path: given.length === 0 ? ['bankgiro'] : [given[1]!], message: 'give exactly one of bankgiro, plusgiro or iban' });
    if (b.iban !== undefined && b.bic === undefined) ctx.addIssue({ code: 'custom', path: ['bic'], message: 'an IBAN account needs the BIC of its bank' });
    if (b.iban === undefined && b.bic !== undefined) ctx.addIssue({ code: 'custom', path: ['bic'], message: 'a BIC goes only with an IBAN' });
  });
type AccountBody = z.infer<typeof AccountBody>;

function payeeAccountOfBody(b: AccountBody): PayeeAccount {
  if (b.bankgiro !== undefined) return { kind: 'bankgiro', number: b.bankgiro };
  if (b.plusgiro !== undefined) return { kind: 'plusgiro', number: b.plusgiro };
  // The body's refinement has made sure of both.
  return { kind: 'iban', number: b.iban!, bic: b.bic! };
}

const RegisteredAccount = z.object({ providerId: z.string(), name: z.string(), bankgiro: z.string().nullable().describe('Set for a Bankgiro payee, as before'), account: PayeeAccountView });

const CreatedBatch = PaymentBatch.extend({
  skipped: z.array(z.object({ paymentId: z.uuid(), providerId: z.string(), reason: z.string() })).describe('Payments of the month left for a later batch, and why'),
});

/**
 * Finance: where providers are paid, payment files (pain.001) of provider payments with the bank's
 * rejections and their retry, and the month's vouchers for the ledger (SIE 4I). DOMAIN.md §6.
 */
export function financeRoutes(deps: BillingDeps, settings: FinanceSettings = financeSettingsOf(deps)): FastifyPluginAsyncZod {
  const { db, afterCommit, clock, tariffOrePerHour } = deps;
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
  return async (app) => {
    await app.register(bankFileRoutes({ db, afterCommit, tariffOrePerHour, ...(clock ? { clock } : {}) }, settings));

    app.put(
      '/providers/:providerId/account',
      {
        config: { roles: ['finance', 'administrator'] },
        schema: {
          summary: "Register or change the provider's account: Bankgiro, Plusgiro, or IBAN with BIC",
          description:
            'Exactly one of `bankgiro`, `plusgiro` or `iban` (with `bic`), each checked: the giro numbers by their check digit, the IBAN by mod 97, the BIC by its format. Payments in batches made from now on go to this account; a batch already made keeps the account it was made with.',
          tags: ['payments'],
          params: z.object({ providerId: z.string().min(1).max(100) }),
          body: AccountBody,
          response: { 200: RegisteredAccount, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => registerProviderAccount(ctx, { providerId: req.params.providerId, name: req.body.name, account: payeeAccountOfBody(req.body) })),
    );

    app.post(
      '/payment-batches',
      {
        // Paying is its own scope (ADR 0032): a machine that may write billing data may not make or send a payment file.
        config: { roles: ['finance'], scope: 'billing:pay' },
        schema: {
          summary: "Batch the month's provider payments for the bank",
          description:
            'Takes every provider payment of the month that is in no batch yet. Payments to a provider without a registered account, and zero amounts, are left out and listed under `skipped`; a later batch of the same month picks them up.',
          tags: ['payments'],
          body: z.object({ month: Month, executionDate: ExecutionDate.optional() }),
          response: { 201: CreatedBatch, ...errors },
        },
      },
      async (req, reply) => uniqueOrConflict(() => run(req, reply, (ctx) => createPaymentBatch(ctx, req.body))),
    );

    app.get(
      '/payment-batches/:batchId',
      {
        config: { roles: ['finance'] },
        schema: { summary: 'A payment batch with its payments and their status at the bank', tags: ['payments'], params: BatchParams, response: { 200: PaymentBatch, ...errors } },
      },
      async (req) => readPaymentBatch(queryOf(req), req.params),
    );

    app.get(
      '/payment-batches/:batchId/pain001',
      {
        config: { roles: ['finance'] },
        schema: {
          summary: "The batch's payment file (ISO 20022 pain.001.001.03)",
          description: 'The same message each time it is fetched, with the same MsgId: a file uploaded twice is refused by the bank as a duplicate, not paid twice.',
          tags: ['payments'],
          params: BatchParams,
          response: { 200: { description: 'The credit transfer initiation, UTF-8 XML', content: { 'application/xml': { schema: z.string() } } }, ...errors },
        },
      },
      async (req, reply) => {
        const file = await paymentFile(queryOf(req), req.params, settings);
        return reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${file.fileName}"`).send(file.xml);
      },
    );

    app.post(
      '/payment-batches/:batchId/sent',
      {
        // Paying is its own scope (ADR 0032): a machine that may write billing data may not make or send a payment file.
        config: { roles: ['finance'], scope: 'billing:pay' },
        schema: { summary: 'Record that the payment file was sent to the bank', tags: ['payments'], params: BatchParams, response: { 200: PaymentBatch, ...errors } },
      },
      async (req, reply) => run(req, reply, (ctx) => markBatchSent(ctx, req.params)),
    );

    app.post(
      '/payment-batches/:batchId/rejections',
      {
        // 1000 rejections at their fields' maxima are about 280 KB, above the app's 256 KiB (ADR 0024).
        bodyLimit: 1024 * 1024,
        config: { roles: ['finance'] },
        schema: {
          summary: 'Record the providers whose payment the bank rejected',
          description:
            "From the bank's status report: each provider's payments in the batch are marked rejected with the reason (e.g. the bank's code AC01). Recording a rejection twice changes nothing. Rejected payments are paid again only through POST /payment-batches/{batchId}/retry.",
          tags: ['payments'],
          params: BatchParams,
          body: z.object({
            rejections: z.array(z.object({ providerId: z.string().min(1).max(100), reason: z.string().trim().min(1).max(140) })).min(1).max(1000),
          }),
          response: { 200: PaymentBatch, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => recordBatchRejections(ctx, { batchId: req.params.batchId, rejections: req.body.rejections })),
    );

    app.post(
      '/payment-batches/:batchId/retry',
      {
        // Paying is its own scope (ADR 0032): a machine that may write billing data may not make or send a payment file.
        config: { roles: ['finance'], scope: 'billing:pay' },
        schema: {
          summary: 'Pay the rejected payments of a batch again, in a new batch',
          description:
            "The new batch holds only the batch's rejected payments that no earlier retry took, paid to each provider's account as registered now. A payment rejected for its account (reason AC… or BE…) while the account is still the one the bank refused is left out and listed under `skipped` (409 `BILLING.ACCOUNT_NOT_CORRECTED` when that is every one): correct the account, then retry.",
          tags: ['payments'],
          params: BatchParams,
          // Optional: a retry with no body at all pays today.
          body: z.object({ executionDate: ExecutionDate.optional() }).nullish(),
          response: { 201: CreatedBatch, ...errors },
        },
      },
      async (req, reply) => uniqueOrConflict(() => run(req, reply, (ctx) => retryPaymentBatch(ctx, { batchId: req.params.batchId, executionDate: req.body?.executionDate }))),
    );

    app.get(
      '/exports/sie',
      {
        config: { roles: ['finance'] },
        schema: {
          summary: "The month's vouchers for the ledger (SIE 4I)",
          description:
            'One voucher per provider payment (cost against accounts payable; a credit, ADR 0034, in reverse as "Kreditering"), one per recharge of a payment to the municipality that placed the customer here (receivable from other municipalities against the voucher cost) and one per customer fee invoice (receivable against fee revenue) booked in the month, dated its last day, in code page 437; zero amounts make no voucher. The file declares its chart of accounts (#KPTYP and a #KONTO per account used); each voucher has its number in the series (#VER), given at its first export and the same at every later one.',
          tags: ['accounting'],
          querystring: z.object({ month: Month }),
          response: { 200: { description: 'The SIE 4I file, CP437', content: { 'text/plain': { schema: z.string() } } }, ...errors },
        },
      },
      async (req, reply) => {
        const file = await exportSie({ ...queryOf(req), correlationId: req.correlationId }, req.query, settings);
        return reply
          .type('text/plain; charset=IBM437')
          .header('content-disposition', `attachment; filename="kundval-${req.query.month}.si"`)
          // Bytes, sent as they are; the string schema above only documents the body for OpenAPI.
          .send(file as unknown as string);
      },
    );
  };
}
