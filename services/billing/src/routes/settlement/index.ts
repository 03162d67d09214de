import { IsoMonth } from '@kundval/domain';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ErrorBody,
  assertCustomerScope,
  assertProviderScope,
  audit,
  conflict,
  enqueueEvent,
  invalid,
  commandRunner,
  notFound,
  type FastifyPluginAsyncZod,
} from '@kundval/platform';
import type { BillingDb } from '../../store/db.js';
import type { BillingDeps } from '../../deps.js';
import type { BillingTables } from '../../store/schema.js';
import type { Selectable } from 'kysely';
import { RateTableCache, deliveryUnitOf } from '../../areas.js';
import { openPeriod } from '../../periods.js';
import { computeFee, invoiceOcr, loadDeliveries } from '../../fees/fees.js';
import { creditCause, enqueueFeeCharged, recordFeeCredit, setOffOpenCredits } from '../../fees/fee-credits.js';
import { localMonthOf } from '../../local-time.js';
import { emptyLedger, paymentDelta } from '../../pricing/lines.js';
import { PAYMENT_BASES, decisionChangeFrom, loadPaidLedgers, lockCustomerMonth, lockProviderMonth, orderMonthNow, type PaymentBasis } from '../../payments/order-payments.js';
import { assertAmendmentHeld } from '../../pricing/order-terms.js';
import { rechargeFor, recordRecharges } from '../../payments/municipal-recharges.js';
import { scopedOrder } from '../visits/index.js';

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
export function settlementRoutes({ db, afterCommit, tariffOrePerHour, clock }: BillingDeps): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });
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
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const b = req.body;
          const values = { net_income_ore: b.netIncomeOre, housing_cost_ore: b.housingCostOre, household: b.household, minimum_amount_raise_ore: b.minimumAmountRaiseOre };
          const before = await trx.selectFrom('fee_bases').selectAll().where('customer_id', '=', req.params.customerId).executeTakeFirst();
          await trx.insertInto('fee_bases').values({ customer_id: req.params.customerId, ...values }).onConflict((oc) => oc.column('customer_id').doUpdateSet(values)).execute();
          await audit(trx, req.principal, { action: 'fee-basis.recorded', entity: 'customer', entityId: req.params.customerId, before: before ?? null, after: b, correlationId: req.correlationId });
          return { status: 200, body: { customerId: req.params.customerId } };
        }),
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
      async (req, reply) =>
        command(
          req,
          reply,
          async (trx) => {
            const { customerId, applicationId, month, basis } = req.body;
            const existing = await findInvoice(trx, customerId, month, basis);
            if (existing) return { status: 200, body: existing };
            const approvals = await trx
              .selectFrom('month_approvals as m')
              .innerJoin('orders as o', 'o.order_id', 'm.order_id')
              .select('m.order_id')
              .where('o.customer_id', '=', customerId)
              .where('m.month', '=', month)
              .execute();
            if (approvals.length === 0) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}.`);
            await lockCustomerMonth(trx, customerId, month);
            const deliveries = (await loadDeliveries(trx, [customerId], month)).get(customerId);
            const feeBasis = await trx.selectFrom('fee_bases').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
            const computed = computeFee(month, deliveries, feeBasis, tariffOrePerHour);
            const previous = await trx.selectFrom('fee_invoices').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('fee_ore'), eb.lit(0)).as('charged')).where('customer_id', '=', customerId).where('month', '=', month).executeTakeFirstOrThrow();
            const previouslyCharged = Number(previous.charged);
            // A fee now lower than was charged is credited to the customer (ADR 0039): a credit note, set off against their next invoices.
            const feeOre = computed.totalFeeOre - previouslyCharged;
            const prior = feeOre < 0 ? await trx.selectFrom('fee_invoices').select(['fee_room_ore', 'tariff_ore', 'approved_minutes', 'attendance_days']).where('customer_id', '=', customerId).where('month', '=', month).orderBy('invoice_number', 'desc').executeTakeFirst() : undefined;
            const periodMonth = await openPeriod(trx, month);
            const invoiceId = randomUUID();
            const inserted = await trx
              .insertInto('fee_invoices')
              .values({
                invoice_id: invoiceId,
                customer_id: customerId,
                application_id: applicationId,
                month,
                basis,
                period_month: periodMonth,
                approved_minutes: computed.approvedMinutes,
                attendance_days: computed.attendanceDays,
                tariff_ore: computed.tariffOre,
                maxtaxa_ore: computed.fee.maxtaxaOre,
                fee_room_ore: computed.fee.feeRoomOre,
                fee_ore: feeOre,
                total_fee_ore: computed.totalFeeOre,
                previously_charged_ore: previouslyCharged,
                applied_cap: computed.fee.appliedCap,
                per_area: JSON.stringify(computed.perArea),
                ocr_reference: null,
              })
              .returning('invoice_number')
              .executeTakeFirstOrThrow();
            const cause = feeOre < 0 ? creditCause(prior, computed) : null;
            if (cause) await recordFeeCredit(trx, { invoiceId, customerId, month, creditOre: -feeOre, cause, today: localMonthOf(clock?.() ?? new Date(), 'day') });
            const setOffOre = await setOffOpenCredits(trx, { invoiceId, customerId, feeOre, periodMonth });
            // The OCR reference is derived from the invoice number, which the database hands out; nothing to pay, no reference.
            const ocrReference = feeOre - setOffOre > 0 ? invoiceOcr(inserted.invoice_number) : null;
            if (ocrReference) await trx.updateTable('fee_invoices').set({ ocr_reference: ocrReference }).where('invoice_id', '=', invoiceId).execute();
            await enqueueFeeCharged(trx, { invoiceId, applicationId, customerId, month, feeOre, appliedCap: computed.fee.appliedCap, ocrReference, setOffOre, cause }, req.correlationId);
            await audit(trx, req.principal, {
              action: feeOre < 0 ? 'fee.credited' : 'fee.charged',
              entity: 'customer',
              entityId: customerId,
              after: { ...computed.fee, month, basis, periodMonth, feeOre, totalFeeOre: computed.totalFeeOre, previouslyChargedOre: previouslyCharged, ocrReference, setOffOre, cause },
              correlationId: req.correlationId,
            });
            return { status: 201, body: (await findInvoice(trx, customerId, month, basis))! };
          },
          { retryOnUniqueViolation: true },
        ),
    );

    app.get(
      '/customers/:customerId/invoices',
      {
        config: { roles: ['citizen', 'case-handler', 'finance', 'operator'] },
        schema: { summary: "A customer's fee invoices", tags: ['fees'], params: z.object({ customerId: z.uuid() }), response: { 200: z.array(FeeInvoice), ...errors } },
      },
      async (req) => {
        assertCustomerScope(req.principal, req.params.customerId);
        const rows = await db.selectFrom('fee_invoices').selectAll().where('customer_id', '=', req.params.customerId).orderBy('month').orderBy('invoice_number').execute();
        return rows.map(toInvoice);
      },
    );

    app.get(
      '/invoices/:invoiceId',
      {
        config: { roles: ['citizen', 'finance'] },
        schema: { summary: 'A fee invoice', description: 'A citizen sees only their own invoices.', tags: ['fees'], params: z.object({ invoiceId: z.uuid() }), response: { 200: FeeInvoice, ...errors } },
      },
      async (req) => {
        const row = await db.selectFrom('fee_invoices').selectAll().where('invoice_id', '=', req.params.invoiceId).executeTakeFirst();
        if (!row) throw notFound('BILLING.INVOICE_NOT_FOUND', 'No such invoice.');
        assertCustomerScope(req.principal, row.customer_id);
        return toInvoice(row);
      },
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
      async (req) => {
        const { month, by, after, limit } = req.query;
        let q = db.selectFrom('fee_invoices').selectAll().where(by === 'service' ? 'month' : 'period_month', '=', month);
        if (after !== undefined) q = q.where('invoice_number', '>', after);
        const rows = await q.orderBy('invoice_number').limit(limit + 1).execute();
        const page = rows.slice(0, limit);
        return { invoices: page.map(toInvoice), nextAfter: rows.length > limit ? page[page.length - 1]!.invoice_number : null };
      },
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
      async (req, reply) =>
        command(
          req,
          reply,
          async (trx) => {
            const { orderId, month, basis, expectedAmendment } = req.body;
            const existing = await findPayment(trx, orderId, month, basis);
            if (existing) return { status: 200, body: existing };
            const order = await scopedOrder(trx, orderId, req.principal);
            await assertAmendmentHeld(trx, order.order_id, expectedAmendment);
            await assertPayable(trx, order.order_id, order.area_id, month, basis);
            await lockProviderMonth(trx, order.provider_id, month);
            const now = await orderMonthNow(trx, order, month, new RateTableCache(trx));
            const ledgers = await loadPaidLedgers(trx, order.provider_id, month);
            const orderPaid = ledgers.byOrder.get(order.order_id);
            const previouslyPaid = orderPaid?.totalOre ?? 0;
            const delta = paymentDelta(now, orderPaid ?? emptyLedger(), ledgers.provider);
            const periodMonth = await openPeriod(trx, month);
            const paymentId = randomUUID();
            const recharge = rechargeFor(order, { payment_id: paymentId, month, period_month: periodMonth, amount_ore: delta.amountOre });
            await trx
              .insertInto('provider_payments')
              .values({
                payment_id: paymentId,
                order_id: orderId,
                provider_id: order.provider_id,
                month,
                basis,
                period_month: periodMonth,
                amount_ore: delta.amountOre,
                payable_ore: previouslyPaid + delta.amountOre,
                previously_paid_ore: previouslyPaid,
                unpriced_minutes: delta.unpricedMinutes,
                lines: JSON.stringify(delta.lines),
                unit_lines: JSON.stringify(delta.unitLines),
              })
              .execute();
            if (recharge) await recordRecharges(trx, [recharge]);
            // A month now worth less than was paid is a credit, set against the provider's next payment batch (ADR 0034).
            const credit = delta.amountOre < 0;
            if (credit) {
              const event = { paymentId, applicationId: order.application_id, orderId, providerId: order.provider_id, month, amountOre: delta.amountOre, cause: basis };
              await enqueueEvent(trx, 'providerCreditCreated', event, { correlationId: req.correlationId });
            } else {
              const event = { paymentId, applicationId: order.application_id, orderId, providerId: order.provider_id, month, amountOre: delta.amountOre, unpricedMinutes: delta.unpricedMinutes };
              await enqueueEvent(trx, 'providerPaymentCreated', event, { correlationId: req.correlationId });
            }
            await audit(trx, req.principal, {
              action: credit ? 'provider-credit.created' : 'provider-payment.created',
              entity: 'order',
              entityId: orderId,
              after: {
                month,
                basis,
                periodMonth,
                totalOre: delta.amountOre,
                previouslyPaidOre: previouslyPaid,
                lines: delta.lines,
                unitLines: delta.unitLines,
                excluded: now.excluded.length,
                ...(recharge ? { recharge: { rechargeId: recharge.recharge_id, decidingMunicipality: recharge.deciding_municipality, amountOre: recharge.amount_ore } } : {}),
              },
              correlationId: req.correlationId,
            });
            return { status: 201, body: (await findPayment(trx, orderId, month, basis))! };
          },
          { retryOnUniqueViolation: true },
        ),
    );

    app.get(
      '/providers/:providerId/payments',
      {
        config: { roles: ['provider', 'finance', 'operator'] },
        schema: { summary: "A provider's payments", tags: ['payments'], params: z.object({ providerId: z.string() }), querystring: z.object({ month: Month.optional() }), response: { 200: z.array(ProviderPayment), ...errors } },
      },
      async (req) => {
        assertProviderScope(req.principal, req.params.providerId);
        let q = db.selectFrom('provider_payments').selectAll().where('provider_id', '=', req.params.providerId);
        if (req.query.month) q = q.where('month', '=', req.query.month);
        return (await q.orderBy('month').orderBy('created_at').execute()).map(toPayment);
      },
    );
  };
}

/**
 * The basis must fit the order's area and its precondition must hold: approval (and attendance) after
 * the customer approved the month, dispute-resolution after a case handler resolved its disputes,
 * occupancy once the resident moved in, and a decision change once billing holds the amendment it
 * names (then as the area's own basis: a move-in, or the month's approval). A basis that cannot fit is
 * a 400; one that does not hold yet a 409.
 */
async function assertPayable(trx: BillingDb, orderId: string, areaId: string, month: string, basis: PaymentBasis): Promise<void> {
  const unit = deliveryUnitOf(areaId);
  const changedFrom = decisionChangeFrom(basis);
  // A decision changes what a day is worth only where days are paid by level; time is priced by band whatever the decision.
  const fits =
    changedFrom !== null ? unit !== 'minutes-by-band' : basis === 'occupancy' ? unit === 'occupancy-day' : basis === 'attendance' ? unit === 'attendance-day' : unit !== 'occupancy-day';
  if (!fits) throw invalid('BILLING.BASIS_NOT_FOR_AREA', `A ${basis} payment does not apply to an order of ${areaId} (${unit}).`, { field: 'body.basis' });
  if (changedFrom !== null) {
    const change = await trx.selectFrom('order_changes').select('effective_from').where('order_id', '=', orderId).where('effective_from', '=', changedFrom).executeTakeFirst();
    if (!change) {
      throw conflict('BILLING.ORDER_CHANGE_PENDING', `Billing holds no amendment of the order from ${changedFrom} yet; retry once its orderChanged event is consumed.`, { field: 'body.basis' });
    }
  }
  if (basis === 'occupancy' || (changedFrom !== null && unit === 'occupancy-day')) {
    const movedIn = await trx.selectFrom('occupancy_periods').select('from_date').where('order_id', '=', orderId).where('kind', '=', 'moved-in').executeTakeFirst();
    if (!movedIn) throw conflict('BILLING.NOT_MOVED_IN', 'The resident has not moved in: there is no occupancy to pay.');
    return;
  }
  const approval = await trx.selectFrom('month_approvals').select('month').where('order_id', '=', orderId).where('month', '=', month).executeTakeFirst();
  if (!approval) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}.`);
  if (basis === 'dispute-resolution') {
    const resolved = await trx.selectFrom('dispute_resolutions').select('month').where('order_id', '=', orderId).where('month', '=', month).executeTakeFirst();
    if (!resolved) throw conflict('BILLING.DISPUTE_NOT_RESOLVED', `The disputes of ${month} are not resolved yet.`);
  }
}

async function findInvoice(db: BillingDb, customerId: string, month: string, basis: string) {
  const row = await db.selectFrom('fee_invoices').selectAll().where('customer_id', '=', customerId).where('month', '=', month).where('basis', '=', basis).executeTakeFirst();
  return row ? toInvoice(row) : undefined;
}

async function findPayment(db: BillingDb, orderId: string, month: string, basis: string) {
  const row = await db.selectFrom('provider_payments').selectAll().where('order_id', '=', orderId).where('month', '=', month).where('basis', '=', basis).executeTakeFirst();
  return row ? toPayment(row) : undefined;
}

export function toInvoice(r: Selectable<BillingTables['fee_invoices']>): z.infer<typeof FeeInvoice> {
  return {
    invoiceId: r.invoice_id,
    customerId: r.customer_id,
    month: r.month,
    approvedMinutes: r.approved_minutes,
    tariffOre: r.tariff_ore,
    maxtaxaOre: r.maxtaxa_ore,
    feeRoomOre: r.fee_room_ore,
    feeOre: r.fee_ore,
    setOffOre: r.set_off_ore,
    toPayOre: Math.max(0, r.fee_ore - r.set_off_ore),
    cause: r.cause,
    appliedCap: r.applied_cap,
    ocrReference: r.ocr_reference,
    invoiceNumber: r.invoice_number,
    applicationId: r.application_id,
    basis: r.basis,
    periodMonth: r.period_month,
    totalFeeOre: r.total_fee_ore,
    previouslyChargedOre: r.previously_charged_ore,
    attendanceDays: r.attendance_days,
    perArea: r.per_area,
    createdAt: r.created_at.toISOString(),
  };
}

export function toPayment(r: Selectable<BillingTables['provider_payments']>): z.infer<typeof ProviderPayment> {
  return {
    paymentId: r.payment_id,
    orderId: r.order_id,
    providerId: r.provider_id,
    month: r.month,
    amountOre: r.amount_ore,
    unpricedMinutes: r.unpriced_minutes,
    lines: r.lines as z.infer<typeof ProviderPayment>['lines'],
    basis: r.basis,
    periodMonth: r.period_month,
    payableOre: r.payable_ore,
    previouslyPaidOre: r.previously_paid_ore,
    unitLines: r.unit_lines as z.infer<typeof ProviderPayment>['unitLines'],
    createdAt: r.created_at.toISOString(),
  };
}
