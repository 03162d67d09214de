import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { seedRechargedPayment } from '../../finance/test-support/billing-service.js';
import { openBillingStore, queryAs } from '../../test-support/use-cases.js';
import type { BillingDb } from '../../store/db.js';
import { municipalRecharges } from './municipal-recharges.js';
import { rechargeNetting } from './recharge-netting.js';

const finance: Principal = { sub: 'finance-user', role: 'finance' };

/** The recharge reads without HTTP: what each deciding municipality owes, and the same with its customers' fees set off (ADR 0036). */
describe.each(testEngines())('recharge use cases on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  let customerId: string;
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_recharge_use_cases');
    const { orderId } = await seedRechargedPayment(store.db, { providerId: 'uc-omsorg', month: '2025-03', amountOre: 40_000, decidingMunicipality: 'uc-varmdo' });
    await seedRechargedPayment(store.db, { providerId: 'uc-omsorg', month: '2025-03', amountOre: 25_000, decidingMunicipality: 'uc-tyreso' });
    const order = await store.db.selectFrom('orders').select(['customer_id', 'application_id']).where('order_id', '=', orderId).executeTakeFirstOrThrow();
    customerId = order.customer_id;
    // The Värmdö customer's own fee of March, charged here: Värmdö's to set off.
    await store.db
      .insertInto('fee_invoices')
      .values({ invoice_id: randomUUID(), customer_id: customerId, application_id: order.application_id, month: '2025-03', period_month: '2025-03', total_fee_ore: 10_000, approved_minutes: 600, tariff_ore: 10_000, maxtaxa_ore: 257_600, fee_room_ore: null, fee_ore: 10_000, applied_cap: 'tariff', ocr_reference: '1234567890' })
      .execute();
  });
  afterAll(() => store?.close());

  it("nets the customer's fee against the recharge to the municipality that placed them, per municipality", async () => {
    const netting = await rechargeNetting(queryAs(store.db, finance), { periodMonth: '2025-03', municipality: 'uc-varmdo' });
    expect(netting).toEqual({
      periodMonth: '2025-03',
      lines: [{ decidingMunicipality: 'uc-varmdo', customerId, month: '2025-03', rechargeOre: 40_000, feeOre: 10_000, netOre: 30_000 }],
      totals: [{ decidingMunicipality: 'uc-varmdo', rechargeOre: 40_000, feeOre: 10_000, netOre: 30_000 }],
    });
    const all = await rechargeNetting(queryAs(store.db, finance), { periodMonth: '2025-03' });
    expect(all.totals).toEqual([
      { decidingMunicipality: 'uc-tyreso', rechargeOre: 25_000, feeOre: 0, netOre: 25_000 },
      { decidingMunicipality: 'uc-varmdo', rechargeOre: 40_000, feeOre: 10_000, netOre: 30_000 },
    ]);
    expect(await rechargeNetting(queryAs(store.db, finance), { periodMonth: '2025-04' })).toEqual({ periodMonth: '2025-04', lines: [], totals: [] });
  });

  it("lists the period's recharges with a total per deciding municipality", async () => {
    const recharges = await municipalRecharges(queryAs(store.db, finance), { periodMonth: '2025-03' });
    expect(recharges.totals).toEqual([
      { decidingMunicipality: 'uc-tyreso', recharges: 1, amountOre: 25_000 },
      { decidingMunicipality: 'uc-varmdo', recharges: 1, amountOre: 40_000 },
    ]);
    expect(recharges.totalOre).toBe(65_000);
  });
});
