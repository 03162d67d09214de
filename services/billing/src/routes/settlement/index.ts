import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { queryContext, useCaseRunner } from '../use-case.js';
import { chargeFee } from '../../application/settlement/charge-fee.js';
import { payProvider } from '../../application/settlement/pay-provider.js';
import { recordFeeBasis } from '../../application/settlement/record-fee-basis.js';
import { customerInvoices, monthInvoices, readInvoice } from '../../application/settlement/read-invoices.js';
import { providerPayments } from '../../application/settlement/provider-payments.js';
import { PAYMENT_BASES } from '../../application/settlement/views.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = IsoMonth;

/** A fee basis is the caller's name for why it charges (the journey sends `approval:<orderId>`, `dispute-resolution:<orderId>`). */
const FeeBasisName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(:[A-Za-z0-9-]{1,100})?$/, 'expected a basis such as approval, dispute-resolution or approval:<orderId>')
  .max(140);

/** `decision-change:<YYYY-MM-DD>`: corrects a month for the order's amendment from that day. */
const DecisionChangeBasisSchema = z
  .templateLiteral(['decision-change:', z.iso.date()])
  .describe("A correction for the order's amendment (a changed or renewed decision) effective from the date");
const PaymentBasisSchema = z.union([z.enum(PAYMENT_BASES), DecisionChangeBasisSchema]);

const MinuteLineSchema = z.object({ kind: z.string(), band: z.string(), orePerHour: z.number().nullable(), minutes: z.number(), amountOre: z.number() });
const UnitLineSchema = z.object({ areaId: z.string(), level: z.string(), orePerUnit: z.number(), units: z.number(), amountOre: z.number() });

export const FeeInvoice = z.object({
  invoiceId: z.uuid(),
  customerId: z.uuid(),
  month: z.string().describe('The service month the fee is for'),
  approvedMinutes: z.number().describe('Approved home-care minutes of the month, across all orders'),
  tariffOre: z.number().describe("The month's tariff across all areas"),
  maxtaxaOre: z.number(),
  feeRoomOre: z.number().nullable(),
  feeOre: z.number().describe('What this invoice charges: the month’s fee now, less what earlier invoices of the month charged; negative for a credit note (ADR 0039)'),
  setOffOre: z.number().describe("What the customer's open fee credits settled of this invoice"),
  toPayOre: z.number().describe('What the customer pays by the OCR reference: the fee less what was set off, 0 for a credit note'),
  cause: z.enum(['fee-room-lowered', 'fewer-deliveries', 'tariff-lowered']).nullable().describe('Why a credit note was made; null for a charge'),
  appliedCap: z.enum(['tariff', 'maxtaxa', 'fee-room']),
  ocrReference: z.string().nullable().describe('Null when the invoice charges nothing'),
  invoiceNumber: z.number(),
  applicationId: z.uuid(),
  basis: z.string(),
  periodMonth: z.string().describe('The period the invoice is charged in: the service month, or the next open period for a late correction'),
  totalFeeOre: z.number().describe("The month's fee across all areas, under one maxtaxa"),
  previouslyChargedOre: z.number(),
  attendanceDays: z.number(),
  perArea: z.array(z.object({ areaId: z.string(), tariffOre: z.number(), feeOre: z.number() })),
  createdAt: z.string(),
});

export const ProviderPayment = z.object({
  paymentId: z.uuid(),
  orderId: z.uuid(),
  providerId: z.string(),
  month: z.string().describe('The service month paid for'),
  amountOre: z.number().describe('What this payment adds: the order-month’s worth now, less what earlier payments of it paid'),
  unpricedMinutes: z.number(),
  lines: z.array(MinuteLineSchema).describe('Delta lines per (kind, band, rate)'),
  basis: z.string(),
  periodMonth: z.string().describe('The period the payment is booked and batched in'),
  payableOre: z.number().describe("What the order's month is worth after this payment"),
  previouslyPaidOre: z.number(),
  unitLines: z.array(UnitLineSchema).describe('Delta lines of unit areas per (area, level, rate)'),
  createdAt: z.string(),
});

/** Customer fees and provider payments for an approved month, as append-only corrections (ADR 0011). */
export function settlementRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const { tariffOrePerHour } = deps;
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
  return async (app) => {
    app.put(
      '/customers/:customerId/fee-basis',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: "Record the customer's fee basis (avgiftsunderlag)",
          description: 'Net monthly income, housing cost and household, from which the fee room is computed. A customer without a fee basis pays the tariff up to the maxtaxa.',
          tags: ['fees'],
          params: z.object({ customerId: z.uuid() }),
          body: z.object({
            netIncomeOre: z.number().int().nonnegative(),
            housingCostOre: z.number().int().nonnegative(),
            household: z.enum(['single', 'couple']),
            minimumAmountRaiseOre: z.number().int().nonnegative().default(0),
          }),
          response: { 200: z.object({ customerId: z.uuid() }), ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => recordFeeBasis(ctx, { customerId: req.params.customerId, ...req.body })),
    );

    app.post(
      '/fees',
      {
        config: { roles: ['system', 'finance'] },
        schema: {
          summary: "Charge the customer's fee for an approved month",
          description:
            "The month's fee is computed over every area with approved deliveries (home-care minutes × the hourly fee, attendance days or sessions × the area's per-unit fee) under one maxtaxa where the area shares it, other areas' fees as they are: min(tariff, maxtaxa, fee room), whole kronor. The invoice charges that fee less what earlier invoices of the month charged; a zero delta is an invoice of 0 without an OCR reference. A fee now lower than was charged is a credit note (a negative `feeOre` with its `cause`, event `feeCharged` v2), set off against the customer's next invoices (`setOffOre`, the customer pays `toPayOre`) and paid back when none comes in time (ADR 0039). One invoice per customer, month and basis: charging again with the same basis returns it (200). A month whose payment run has gone to the bank is closed: a correction is charged in the next open period (`periodMonth`).",
          tags: ['fees'],
          body: z.object({ customerId: z.uuid(), applicationId: z.uuid(), month: Month, basis: FeeBasisName.default('approval') }),
          response: { 200: FeeInvoice, 201: FeeInvoice, ...errors },
        },
      },
      // Two concurrent charges with the same basis: the loser's unique violation runs it once more,
      // and the second run finds the winner's invoice (200).
      async (req, reply) => run(req, reply, (ctx) => chargeFee(ctx, req.body, { tariffOrePerHour }), { retryOnUniqueViolation: true }),
    );

    app.get(
      '/customers/:customerId/invoices',
      {
        config: { roles: ['citizen', 'case-handler', 'finance', 'operator'] },
        schema: { summary: "A customer's fee invoices", tags: ['fees'], params: z.object({ customerId: z.uuid() }), response: { 200: z.array(FeeInvoice), ...errors } },
      },
      async (req) => customerInvoices(queryOf(req), req.params),
    );

    app.get(
      '/invoices/:invoiceId',
      {
        config: { roles: ['citizen', 'finance'] },
        schema: { summary: 'A fee invoice', description: 'A citizen sees only their own invoices.', tags: ['fees'], params: z.object({ invoiceId: z.uuid() }), response: { 200: FeeInvoice, ...errors } },
      },
      async (req) => readInvoice(queryOf(req), req.params),
    );

    app.get(
      '/invoices',
      {
        config: { roles: ['finance'] },
        schema: {
          summary: "The month's fee invoices, for finance",
          description:
            'By service month (`by=service`, the default) or by the period they are charged in (`by=period`), in invoice-number order, a page at a time: pass the last page\'s `nextAfter` as `after`.',
          tags: ['fees'],
          querystring: z.object({
            month: Month,
            by: z.enum(['service', 'period']).default('service'),
            after: z.coerce.number().int().nonnegative().optional().describe('The invoice number to continue after'),
            limit: z.coerce.number().int().min(1).max(1000).default(200),
          }),
          response: { 200: z.object({ invoices: z.array(FeeInvoice), nextAfter: z.number().nullable() }), ...errors },
        },
      },
      async (req) => monthInvoices(queryOf(req), req.query),
    );

    app.post(
      '/provider-payments',
      {
        config: { roles: ['system', 'finance'] },
        schema: {
          summary: "Pay the provider for an order's month",
          description:
            "Pays what the order's month is worth now less what earlier payments of it paid: approved visits by time band (Europe/Stockholm) at the municipal or private rate, minutes outside every band listed as unpriced; attendance days, sessions or occupied days (hospital stays included) × the voucher of the level in force on each day (the area's n-th level for the order's level n: the level the order was placed with, then each amendment's from its effective date). Disputed deliveries are paid only once resolved and approved, rejected ones never. Rounded once per (kind, band, rate) line over the provider's month. Idempotent per order, month and basis: `approval` and `attendance` need the customer's approval of the month, `dispute-resolution` a resolved dispute, `occupancy` a move-in. `decision-change:<YYYY-MM-DD>` corrects a month already paid for the order's amendment from that day (a changed level, a later or earlier last day) in areas paid by level: billing must hold that amendment (else 409 `BILLING.ORDER_CHANGE_PENDING`), then as the area's own basis a move-in or the month's approval; it pays the difference, 0 when there is none. A month now worth less than was paid (a lowered level, a shortened placement) is a credit: a payment with a negative `amountOre` (event `providerCreditCreated`), set against the provider's next payment batch, or listed under GET /provider-credits for finance to invoice back while no payment is there to set it against. With `expectedAmendment`, a copy of the order that does not hold that amendment yet is refused with 409 `BILLING.ORDER_CHANGE_PENDING`. A month whose payment run has gone to the bank is closed: the payment is booked in the next open period (`periodMonth`). A month closed as nothing delivered is paid 0. For a customer placed here by another municipality's decision, a payment of more than 0 (a decision change's too) is recharged to that municipality in the same transaction (GET /municipal-recharges).",
          tags: ['payments'],
          body: z.object({
            orderId: z.uuid(),
            month: Month,
            basis: PaymentBasisSchema.default('approval'),
            expectedAmendment: z
              .object({ effectiveFrom: z.iso.date(), validTo: z.iso.date(), level: z.number().int().positive().nullable() })
              .optional()
              .describe(
                'The amendment (`orderChanged`) the caller made to the order last. While billing does not hold it, the answer is 409 `BILLING.ORDER_CHANGE_PENDING` and nothing is paid: retry once the event is consumed, so that no month is priced on old terms.',
              ),
          }),
          response: { 200: ProviderPayment, 201: ProviderPayment, ...errors },
        },
      },
      // As for fees: a concurrent payment of the same basis makes the loser run again and find it (200).
      async (req, reply) => run(req, reply, (ctx) => payProvider(ctx, req.body), { retryOnUniqueViolation: true }),
    );

    app.get(
      '/providers/:providerId/payments',
      {
        config: { roles: ['provider', 'finance', 'operator'] },
        schema: { summary: "A provider's payments", tags: ['payments'], params: z.object({ providerId: z.string() }), querystring: z.object({ month: Month.optional() }), response: { 200: z.array(ProviderPayment), ...errors } },
      },
      async (req) => providerPayments(queryOf(req), { providerId: req.params.providerId, month: req.query.month }),
    );
  };
}
