import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  DomainError,
  computeMonthlyFee,
  createOcrReference,
  homeCareTariffOre,
  priceProviderStatement,
  type RateTable,
} from '@kundval/domain';
import {
  ErrorBody,
  assertCustomerScope,
  assertProviderScope,
  audit,
  conflict,
  enqueueEvent,
  isUniqueViolation,
  type FastifyPluginAsyncZod,
} from '@kundval/platform';
import type { BillingDb, BillingDeps } from '../../app.js';
import { scopedOrder } from '../visits/index.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM');

const FeeInvoice = z.object({
  invoiceId: z.uuid(),
  customerId: z.uuid(),
  month: z.string(),
  approvedMinutes: z.number(),
  tariffOre: z.number(),
  maxtaxaOre: z.number(),
  feeRoomOre: z.number().nullable(),
  feeOre: z.number(),
  appliedCap: z.enum(['tariff', 'maxtaxa', 'fee-room']),
  ocrReference: z.string(),
});

const ProviderPayment = z.object({
  paymentId: z.uuid(),
  orderId: z.uuid(),
  providerId: z.string(),
  month: z.string(),
  amountOre: z.number(),
  unpricedMinutes: z.number(),
  lines: z.array(z.object({ kind: z.string(), band: z.string(), orePerHour: z.number().nullable(), minutes: z.number(), amountOre: z.number() })),
});

/** Customer fees and provider payments for an approved month. */
export function settlementRoutes({ db, afterCommit, tariffOrePerHour }: BillingDeps): FastifyPluginAsyncZod {
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
      async (req) => {
        const b = req.body;
        const values = { net_income_ore: b.netIncomeOre, housing_cost_ore: b.housingCostOre, household: b.household, minimum_amount_raise_ore: b.minimumAmountRaiseOre };
        await db.transaction().execute(async (trx) => {
          const before = await trx.selectFrom('fee_bases').selectAll().where('customer_id', '=', req.params.customerId).executeTakeFirst();
          await trx.insertInto('fee_bases').values({ customer_id: req.params.customerId, ...values }).onConflict((oc) => oc.column('customer_id').doUpdateSet(values)).execute();
          await audit(trx, req.principal, { action: 'fee-basis.recorded', entity: 'customer', entityId: req.params.customerId, before: before ?? null, after: b, correlationId: req.correlationId });
        });
        return { customerId: req.params.customerId };
      },
    );

    app.post(
      '/fees',
      {
        config: { roles: ['system', 'finance'] },
        schema: {
          summary: "Charge the customer's fee for an approved month",
          description:
            'Fee = min(tariff × approved hours, maxtaxa, fee room), in whole kronor. One invoice per customer and month, with an OCR reference. Idempotent: charging the same month again returns the invoice already made.',
          tags: ['fees'],
          body: z.object({ customerId: z.uuid(), applicationId: z.uuid(), month: Month }),
          response: { 200: FeeInvoice, 201: FeeInvoice, ...errors },
        },
      },
      async (req, reply) => {
        const { customerId, applicationId, month } = req.body;
        const existing = await findInvoice(db, customerId, month);
        if (existing) return reply.code(200).send(existing);
        try {
          await db.transaction().execute(async (trx) => {
            const approvals = await trx
              .selectFrom('month_approvals as m')
              .innerJoin('orders as o', 'o.order_id', 'm.order_id')
              .select('m.order_id')
              .where('o.customer_id', '=', customerId)
              .where('m.month', '=', month)
              .execute();
            if (approvals.length === 0) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}.`);
            const visits = await trx.selectFrom('visits').select(['start_at', 'end_at']).where('customer_id', '=', customerId).where('local_month', '=', month).where('status', '=', 'approved').execute();
            const approvedMinutes = visits.reduce((sum, v) => sum + Math.round((v.end_at.getTime() - v.start_at.getTime()) / 60_000), 0);
            const basis = await trx.selectFrom('fee_bases').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
            const fee = computeMonthlyFee({
              month,
              charges: [{ areaId: 'home-care', tariffOre: homeCareTariffOre({ approvedMinutes, tariffOrePerHour }) }],
              feeBasis: basis
                ? { netIncomeOre: basis.net_income_ore, housingCostOre: basis.housing_cost_ore, household: basis.household, minimumAmountRaiseOre: basis.minimum_amount_raise_ore }
                : null,
            });
            const invoiceId = randomUUID();
            const inserted = await trx
              .insertInto('fee_invoices')
              .values({
                invoice_id: invoiceId,
                customer_id: customerId,
                application_id: applicationId,
                month,
                approved_minutes: approvedMinutes,
                tariff_ore: fee.tariffOre,
                maxtaxa_ore: fee.maxtaxaOre,
                fee_room_ore: fee.feeRoomOre,
                fee_ore: fee.feeOre,
                applied_cap: fee.appliedCap,
                ocr_reference: `pending-${invoiceId}`,
              })
              .returning('invoice_number')
              .executeTakeFirstOrThrow();
            // The OCR reference is derived from the invoice number, which the database hands out.
            const ocrReference = createOcrReference(String(inserted.invoice_number).padStart(6, '0'));
            await trx.updateTable('fee_invoices').set({ ocr_reference: ocrReference }).where('invoice_id', '=', invoiceId).execute();
            await enqueueEvent(trx, 'feeCharged', { invoiceId, applicationId, customerId, month, feeOre: fee.feeOre, appliedCap: fee.appliedCap, ocrReference }, { correlationId: req.correlationId });
            await audit(trx, req.principal, { action: 'fee.charged', entity: 'customer', entityId: customerId, after: { ...fee, ocrReference }, correlationId: req.correlationId });
          });
        } catch (err) {
          // Two concurrent charges of the same month: the loser returns the winner's invoice.
          if (!isUniqueViolation(err)) throw err;
        }
        afterCommit();
        return reply.code(201).send((await findInvoice(db, customerId, month))!);
      },
    );

    app.get(
      '/customers/:customerId/invoices',
      {
        config: { roles: ['citizen', 'case-handler', 'finance', 'operator'] },
        schema: { summary: "A customer's fee invoices", tags: ['fees'], params: z.object({ customerId: z.uuid() }), response: { 200: z.array(FeeInvoice), ...errors } },
      },
      async (req) => {
        assertCustomerScope(req.principal, req.params.customerId);
        const rows = await db.selectFrom('fee_invoices').selectAll().where('customer_id', '=', req.params.customerId).orderBy('month').execute();
        return rows.map(toInvoice);
      },
    );

    app.post(
      '/provider-payments',
      {
        config: { roles: ['system', 'finance'] },
        schema: {
          summary: "Pay the provider for an order's approved month",
          description:
            'Only approved visits are paid, at the voucher rate of the time band each minute fell in (Europe/Stockholm), at the municipal or private rate; minutes outside every band are listed as unpriced. Idempotent per order and month.',
          tags: ['payments'],
          body: z.object({ orderId: z.uuid(), month: Month }),
          response: { 200: ProviderPayment, 201: ProviderPayment, ...errors },
        },
      },
      async (req, reply) => {
        const { orderId, month } = req.body;
        const existing = await findPayment(db, orderId, month);
        if (existing) return reply.code(200).send(existing);
        try {
          await db.transaction().execute(async (trx) => {
            const order = await scopedOrder(trx, orderId, req.principal);
            const approval = await trx.selectFrom('month_approvals').select('month').where('order_id', '=', orderId).where('month', '=', month).executeTakeFirst();
            if (!approval) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}.`);
            const visits = await trx.selectFrom('visits').selectAll().where('order_id', '=', orderId).where('local_month', '=', month).execute();
            const rateTables = await loadRateTables(trx, order.municipality, order.area_id);
            const statement = priceOrThrow(() =>
              priceProviderStatement({
                providerId: order.provider_id,
                providerKind: order.provider_kind,
                month,
                rateTables,
                visits: visits.map((v) => ({
                  visitId: v.visit_id,
                  customerId: v.customer_id,
                  kind: v.kind,
                  start: v.start_at.toISOString(),
                  end: v.end_at.toISOString(),
                  status: v.status,
                })),
              }),
            );
            const paymentId = randomUUID();
            await trx
              .insertInto('provider_payments')
              .values({ payment_id: paymentId, order_id: orderId, provider_id: order.provider_id, month, amount_ore: statement.totalOre, unpriced_minutes: statement.unpricedMinutes, lines: JSON.stringify(statement.lines) })
              .execute();
            await enqueueEvent(
              trx,
              'providerPaymentCreated',
              { paymentId, applicationId: order.application_id, orderId, providerId: order.provider_id, month, amountOre: statement.totalOre, unpricedMinutes: statement.unpricedMinutes },
              { correlationId: req.correlationId },
            );
            await audit(trx, req.principal, { action: 'provider-payment.created', entity: 'order', entityId: orderId, after: { month, totalOre: statement.totalOre, lines: statement.lines }, correlationId: req.correlationId });
          });
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
        }
        afterCommit();
        return reply.code(201).send((await findPayment(db, orderId, month))!);
      },
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
        return (await q.orderBy('month').execute()).map(toPayment);
      },
    );
  };
}

async function loadRateTables(db: BillingDb, municipality: string, areaId: string): Promise<RateTable[]> {
  const rows = await db.selectFrom('rate_tables').selectAll().where('municipality', '=', municipality).where('area_id', '=', areaId).execute();
  if (rows.length === 0) throw conflict('BILLING.NO_RATE_TABLE', `No rate table is configured for ${municipality} ${areaId}.`);
  return rows.map((r) => ({ id: r.rate_table_id, municipality: r.municipality, areaId: r.area_id, validFrom: r.valid_from, validTo: r.valid_to, rates: r.rates }));
}

/** A domain refusal while pricing (a gap in the rate tables, say) is the finance team's to fix: a 409, never a wrong amount. */
function priceOrThrow<T>(price: () => T): T {
  try {
    return price();
  } catch (err) {
    if (err instanceof DomainError) throw conflict(err.code, err.message);
    throw err;
  }
}

async function findInvoice(db: BillingDb, customerId: string, month: string) {
  const row = await db.selectFrom('fee_invoices').selectAll().where('customer_id', '=', customerId).where('month', '=', month).executeTakeFirst();
  return row ? toInvoice(row) : undefined;
}

async function findPayment(db: BillingDb, orderId: string, month: string) {
  const row = await db.selectFrom('provider_payments').selectAll().where('order_id', '=', orderId).where('month', '=', month).executeTakeFirst();
  return row ? toPayment(row) : undefined;
}

function toInvoice(r: {
  invoice_id: string; customer_id: string; month: string; approved_minutes: number; tariff_ore: number; maxtaxa_ore: number; fee_room_ore: number | null; fee_ore: number; applied_cap: 'tariff' | 'maxtaxa' | 'fee-room'; ocr_reference: string;
}) {
  return {
    invoiceId: r.invoice_id,
    customerId: r.customer_id,
    month: r.month,
    approvedMinutes: r.approved_minutes,
    tariffOre: r.tariff_ore,
    maxtaxaOre: r.maxtaxa_ore,
    feeRoomOre: r.fee_room_ore,
    feeOre: r.fee_ore,
    appliedCap: r.applied_cap,
    ocrReference: r.ocr_reference,
  };
}

function toPayment(r: { payment_id: string; order_id: string; provider_id: string; month: string; amount_ore: number; unpriced_minutes: number; lines: unknown }) {
  return {
    paymentId: r.payment_id,
    orderId: r.order_id,
    providerId: r.provider_id,
    month: r.month,
    amountOre: r.amount_ore,
    unpricedMinutes: r.unpriced_minutes,
    lines: r.lines as z.infer<typeof ProviderPayment>['lines'],
  };
}

