import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { seedApprovedMonth, seedOrder, seedRateTable, TARIFF_ORE_PER_HOUR } from '../../test-support/billing-routes.js';
import { openBillingStore, queryAs, TEST_NOW } from '../../test-support/use-cases.js';
import type { BillingDb } from '../../store/db.js';
import type { SpanningContext } from '../context.js';
import { runBillingRun } from './run-billing-month.js';
import { billingRunState } from './billing-run-state.js';

const finance: Principal = { sub: 'finance-user', role: 'finance' };

/** The billing-run use cases without HTTP: the month must be over, the run is once per month, its state reads back. */
describe.each(testEngines())('billing run use cases on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_run_use_cases');
  });
  afterAll(() => store?.close());

  const spanning = (now = TEST_NOW): SpanningContext => ({ db: store.db, principal: finance, correlationId: 'use-case-test', clock: () => now });
  const settings = { tariffOrePerHour: TARIFF_ORE_PER_HOUR };

  it('refuses a month that is not over in Stockholm, running nothing', async () => {
    // 10 June 2025 in Stockholm: June is not over.
    await expect(runBillingRun(spanning(), { month: '2025-06' }, settings)).rejects.toMatchObject({ kind: 'conflict', code: 'BILLING.MONTH_NOT_OVER', details: { field: 'body.month' } });
    await expect(billingRunState(queryAs(store.db, finance), { month: '2025-06' })).rejects.toMatchObject({ kind: 'not-found', code: 'BILLING.RUN_NOT_FOUND' });
  });

  it("runs a month that is over once: pays the approved hour, answers the same run again, and reads it back completed", async () => {
    await seedRateTable(store.db);
    const order = await seedOrder(store.db, { providerId: 'uc-run-omsorg' });
    // One weekday-morning hour of care at a private provider: 310 kr.
    await seedApprovedMonth(store.db, order, '2025-03', [{ kind: 'care', start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }]);

    const first = await runBillingRun(spanning(), { month: '2025-03' }, settings);
    expect(first.created).toBe(true);
    expect(first.result).toMatchObject({ month: '2025-03', status: 'completed', counts: { providers: 1, statements: 1, orders: 1, visits: 1, payments: 1 }, totals: { statementsOre: 31_000, paymentsOre: 31_000 } });
    const payments = await store.db.selectFrom('provider_payments').select(['order_id', 'month', 'amount_ore']).execute();
    expect(payments).toEqual([{ order_id: order.orderId, month: '2025-03', amount_ore: 31_000 }]);

    const again = await runBillingRun(spanning(), { month: '2025-03' }, settings);
    expect(again).toEqual({ created: false, result: first.result });
    expect(await store.db.selectFrom('provider_payments').select('payment_id').execute()).toHaveLength(1);

    const state = await billingRunState(queryAs(store.db, finance), { month: '2025-03' });
    expect(state).toMatchObject({ runId: first.result.runId, month: '2025-03', periodMonth: first.result.periodMonth, status: 'completed', result: first.result });
  });
});
