import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { changeOrder, placeOrder, startFullBilling, type FullBilling, type PlacedOrder } from '../test-support/corrections.js';
import { runBillingMonth, type BillingRunResult } from './run-month.js';

/** Demo vouchers (öre per day): nursing home municipal levels 1, 2 and 4; day activities private levels 1, 2 and 3. */
const HOME_L1 = 138_000;
const HOME_L2 = 162_000;
const HOME_L4 = 210_000;
const DAY_L1 = 68_900;
const DAY_L2 = 90_100;
const DAY_L3 = 116_600;

describe.each(testEngines())('the billing run on amended orders on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;
  let raised: PlacedOrder;
  let renewed: PlacedOrder;
  let split: PlacedOrder;
  let steady: PlacedOrder;
  let run: BillingRunResult;

  const post = (url: string, headers: Record<string, string>, payload: Record<string, unknown>) => svc.app.inject({ method: 'POST', url, headers, payload });
  const providerOf = (o: PlacedOrder) => svc.as({ role: 'provider', providerId: o.providerId });
  /** The journey's worker carrying the customer's approval (ADR 0029): `system` on their behalf. */
  const journeyFor = (o: { customerId: string }) => svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${o.customerId}`, role: 'citizen', customerId: o.customerId } });
  async function ok(res: Promise<{ statusCode: number; body: string }>, status = 201) {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    return JSON.parse(r.body) as { amountOre: number };
  }

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_run_levels');
    system = await svc.as({ role: 'system' });

    // A resident whose August a journey paid at level 2 before the raise to level 4 from the 11th reached billing.
    raised = await placeOrder(svc.db, { providerId: 'niva-hemmet', providerKind: 'municipal', areaId: 'nursing-home', level: 2 });
    await ok(post(`/orders/${raised.orderId}/occupancy`, await providerOf(raised), { kind: 'moved-in', from: '2025-07-01' }));
    expect((await ok(post('/provider-payments', system, { orderId: raised.orderId, month: '2025-08', basis: 'occupancy' }))).amountOre).toBe(31 * HOME_L2);
    await changeOrder(svc.db, raised, { effectiveFrom: '2025-08-11', validTo: '2025-12-31', level: 4 });

    // A placement that would have ended on 15 August, renewed from the 16th.
    renewed = await placeOrder(svc.db, { providerId: 'niva-hemmet', providerKind: 'municipal', areaId: 'nursing-home', level: 1, validTo: '2025-08-15' });
    await ok(post(`/orders/${renewed.orderId}/occupancy`, await providerOf(renewed), { kind: 'moved-in', from: '2025-07-01' }));
    await changeOrder(svc.db, renewed, { effectiveFrom: '2025-08-16', validTo: '2025-12-31', level: 1 });

    // Day activities at one provider: one order raised from level 1 to 2 on 18 August, one at level 3 throughout.
    split = await placeOrder(svc.db, { providerId: 'niva-dagen', areaId: 'day-activities', level: 1 });
    await changeOrder(svc.db, split, { effectiveFrom: '2025-08-18', validTo: '2025-12-31', level: 2 });
    steady = await placeOrder(svc.db, { providerId: 'niva-dagen', areaId: 'day-activities', level: 3 });
    for (const [order, days] of [
      [split, ['2025-08-04', '2025-08-05', '2025-08-18', '2025-08-19', '2025-08-20']],
      [steady, ['2025-08-06', '2025-08-07']],
    ] as const) {
      await ok(post(`/orders/${order.orderId}/attendance`, await providerOf(order), { days: [...days] }));
      await ok(post(`/orders/${order.orderId}/months/2025-08/approval`, await journeyFor(order), { disputedVisitIds: [] }));
    }

    // Pages of two attendance days, so orders and their timelines cross page boundaries.
    const result = await runBillingMonth({ db: svc.db, month: '2025-08', clock: () => new Date('2025-09-02T06:00:00Z'), visitPageSize: 2, providerPageSize: 1, executionDate: '2025-09-05' });
    run = result.result;
  });
  afterAll(() => svc?.close());

  const statementOf = (providerId: string) => svc.db.selectFrom('provider_statements').selectAll().where('run_id', '=', run.runId).where('provider_id', '=', providerId).executeTakeFirstOrThrow();
  const runPaymentOf = (o: PlacedOrder) => svc.db.selectFrom('provider_payments').select(['amount_ore', 'payable_ore', 'previously_paid_ore']).where('order_id', '=', o.orderId).where('run_id', '=', run.runId).executeTakeFirstOrThrow();

  it("prices occupied days at the level in force on each, through a renewal's new last day, and pays what the journey's payment at the old level left", async () => {
    const home = await statementOf('niva-hemmet');
    expect(home.unit_lines).toEqual([
      { areaId: 'nursing-home', level: '1', orePerUnit: HOME_L1, units: 31, amountOre: 31 * HOME_L1 },
      { areaId: 'nursing-home', level: '2', orePerUnit: HOME_L2, units: 10, amountOre: 10 * HOME_L2 },
      { areaId: 'nursing-home', level: '4', orePerUnit: HOME_L4, units: 21, amountOre: 21 * HOME_L4 },
    ]);
    expect(home.refused).toEqual([]);
    expect(home.total_ore).toBe(home.previously_paid_ore + home.paid_ore);
    expect(await runPaymentOf(raised)).toEqual({ amount_ore: 21 * (HOME_L4 - HOME_L2), payable_ore: 10 * HOME_L2 + 21 * HOME_L4, previously_paid_ore: 31 * HOME_L2 });
    expect(await runPaymentOf(renewed)).toMatchObject({ amount_ore: 31 * HOME_L1 });
  });

  it('prices attendance days at the level in force on each, order by order across pages', async () => {
    const day = await statementOf('niva-dagen');
    expect(day.unit_lines).toEqual([
      { areaId: 'day-activities', level: '1', orePerUnit: DAY_L1, units: 2, amountOre: 2 * DAY_L1 },
      { areaId: 'day-activities', level: '2', orePerUnit: DAY_L2, units: 3, amountOre: 3 * DAY_L2 },
      { areaId: 'day-activities', level: '3', orePerUnit: DAY_L3, units: 2, amountOre: 2 * DAY_L3 },
    ]);
    expect(await runPaymentOf(split)).toMatchObject({ amount_ore: 2 * DAY_L1 + 3 * DAY_L2 });
    expect(await runPaymentOf(steady)).toMatchObject({ amount_ore: 2 * DAY_L3 });
    expect(run.totals.statementsOre).toBe(run.totals.previouslyPaidOre + run.totals.paymentsOre);
  });

  it('leaves nothing for a decision-change payment after the run: both price the month alike', async () => {
    const after = await ok(post('/provider-payments', system, { orderId: raised.orderId, month: '2025-08', basis: 'decision-change:2025-08-11', expectedAmendment: { effectiveFrom: '2025-08-11', validTo: '2025-12-31', level: 4 } }));
    expect(after).toMatchObject({ amountOre: 0, previouslyPaidOre: 10 * HOME_L2 + 21 * HOME_L4 });
  });
});
