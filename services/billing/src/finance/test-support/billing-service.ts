import { randomUUID } from 'node:crypto';
import { createTestService } from '@kundval/platform/testing';
import { billingRoutes } from '../../app.js';
import type { BillingDb } from '../../store/db.js';
import { billingMigrations } from '../../store/migrations.js';
import type { BillingTables } from '../../store/schema.js';

/** The real billing app over a database of its own (see `testDatabaseUrl`), for route tests. */
export async function startBilling(databaseUrl: string) {
  return createTestService<BillingTables>({
    name: 'billing',
    schema: 'billing',
    migrations: billingMigrations,
    routes: (deps) => billingRoutes({ ...deps, tariffOrePerHour: 31_200 }),
    databaseUrl,
  });
}
export type TestBilling = Awaited<ReturnType<typeof startBilling>>;

/** An order as billing knows it from `orderPlaced`, written straight into the table. */
export async function seedOrder(db: BillingDb, o: { providerId: string; validFrom?: string; validTo?: string; customerId?: string }) {
  const orderId = randomUUID();
  await db
    .insertInto('orders')
    .values({
      order_id: orderId,
      application_id: randomUUID(),
      customer_id: o.customerId ?? randomUUID(),
      provider_id: o.providerId,
      provider_kind: 'private',
      area_id: 'home-care',
      municipality: 'demo',
      valid_from: o.validFrom ?? '2025-01-01',
      valid_to: o.validTo ?? '2025-12-31',
    })
    .execute();
  return orderId;
}

/** A provider payment of a month, as POST /provider-payments would have written it. */
export async function seedProviderPayment(db: BillingDb, p: { providerId: string; month: string; amountOre: number }) {
  const orderId = await seedOrder(db, { providerId: p.providerId });
  const paymentId = randomUUID();
  await db
    .insertInto('provider_payments')
    .values({ payment_id: paymentId, order_id: orderId, provider_id: p.providerId, month: p.month, period_month: p.month, amount_ore: p.amountOre, payable_ore: p.amountOre, unpriced_minutes: 0, lines: JSON.stringify([]) })
    .execute();
  return { paymentId, orderId };
}

/** A provider payment for a customer another municipality placed here, and its recharge, as POST /provider-payments would have written them. */
export async function seedRechargedPayment(db: BillingDb, p: { providerId: string; month: string; amountOre: number; decidingMunicipality: string }) {
  const { paymentId, orderId } = await seedProviderPayment(db, p);
  const order = await db.updateTable('orders').set({ deciding_municipality: p.decidingMunicipality }).where('order_id', '=', orderId).returningAll().executeTakeFirstOrThrow();
  const rechargeId = randomUUID();
  await db
    .insertInto('municipal_recharges')
    .values({ recharge_id: rechargeId, payment_id: paymentId, order_id: orderId, customer_id: order.customer_id, provider_id: p.providerId, month: p.month, period_month: p.month, deciding_municipality: p.decidingMunicipality, amount_ore: p.amountOre })
    .execute();
  return { paymentId, orderId, rechargeId };
}

/** A customer fee invoice of a month, as POST /fees would have written it. */
export async function seedFeeInvoice(db: BillingDb, f: { month: string; feeOre: number; ocrReference: string }) {
  const invoiceId = randomUUID();
  await db
    .insertInto('fee_invoices')
    .values({
      invoice_id: invoiceId,
      customer_id: randomUUID(),
      application_id: randomUUID(),
      month: f.month,
      period_month: f.month,
      total_fee_ore: f.feeOre,
      approved_minutes: 600,
      tariff_ore: f.feeOre,
      maxtaxa_ore: 257_600,
      fee_room_ore: null,
      fee_ore: f.feeOre,
      applied_cap: 'tariff',
      ocr_reference: f.ocrReference,
    })
    .execute();
  return invoiceId;
}
