import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { placeOrder, visit, type PlacedOrder } from '../../test-support/corrections.js';
import { inUseCase, openBillingStore, queryAs } from '../../test-support/use-cases.js';
import type { BillingDb } from '../../store/db.js';
import { reportVisits } from '../visits/report-visits.js';
import { grantedAgainstDelivered, grantedDeliveredPerCustomer } from './granted-delivered.js';
import { raiseAlerts } from './raise-alerts.js';
import { listAlerts } from './list-alerts.js';

const RULE = { minShare: 0.8, maxShare: 1.1, months: 2 };
const caseHandler: Principal = { sub: 'handler', role: 'case-handler' };
const providerOf = (o: PlacedOrder): Principal => ({ sub: 'provider-user', role: 'provider', providerId: o.providerId });
const JAN = ['07', '08', '09', '10', '13', '14', '15', '16', '17'].map((d) => `2025-01-${d}`);
const FEB = ['03', '04', '05', '06', '07', '10', '11', '12'].map((d) => `2025-02-${d}`);

/** The follow-up use cases without HTTP: granted against delivered, and the alerts with the event each returns. */
describe.each(testEngines())('follow-up use cases on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  // 10 care + 2 service hours a month are granted: 720 minutes.
  let short: PlacedOrder;
  let other: PlacedOrder;
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_follow_up_use_cases');
    short = await placeOrder(store.db, { providerId: 'uc-fu-hemtjanst' });
    other = await placeOrder(store.db, { providerId: 'uc-fu-omsorg' });
    // 9 hours of 12 in January (0.75) and 8 in February (0.6667): under-delivery two months running.
    await inUseCase(store.db, providerOf(short), (ctx) => reportVisits(ctx, { orderId: short.orderId, visits: JAN.map((d) => visit(d, '08:00', '09:00')) }));
    await inUseCase(store.db, providerOf(short), (ctx) => reportVisits(ctx, { orderId: short.orderId, visits: FEB.map((d) => visit(d, '08:00', '09:00')) }));
    // 12 hours in February only: on the order, no alert.
    await inUseCase(store.db, providerOf(other), (ctx) => reportVisits(ctx, { orderId: other.orderId, visits: [...FEB, '2025-02-13', '2025-02-14', '2025-02-17', '2025-02-18'].map((d) => visit(d, '10:00', '11:00')) }));
  });
  afterAll(() => store?.close());

  it("answers a provider only its own orders, summed per provider and area, and refuses another's", async () => {
    const own = await grantedAgainstDelivered(queryAs(store.db, providerOf(short)), { month: '2025-02' });
    expect(own.customers.map((r) => [r.orderId, r.granted, r.ordered, r.delivered, r.approved, r.deliveredShare])).toEqual([[short.orderId, 720, 720, 480, 0, 0.6667]]);
    expect(own.providers).toEqual([{ providerId: 'uc-fu-hemtjanst', areaId: 'home-care', measure: 'minutes', customers: 1, granted: 720, ordered: 720, delivered: 480, approved: 0, paidOre: 0, deliveredShare: 0.6667 }]);
    const all = await grantedAgainstDelivered(queryAs(store.db, caseHandler), { month: '2025-02' });
    expect(all.providers.map((p) => [p.providerId, p.delivered])).toEqual([
      ['uc-fu-hemtjanst', 480],
      ['uc-fu-omsorg', 720],
    ]);
    await expect(grantedAgainstDelivered(queryAs(store.db, providerOf(short)), { month: '2025-02', providerId: 'uc-fu-omsorg' })).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it("answers the customers' rows alone, the same as beside the sums, under the same scope", async () => {
    const rows = await grantedDeliveredPerCustomer(queryAs(store.db, caseHandler), { month: '2025-02' });
    // In customer order, and the customers' ids are random: compared by provider.
    expect(rows.map((r) => [r.orderId, r.providerId, r.ordered, r.delivered, r.deliveredShare]).sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      [short.orderId, 'uc-fu-hemtjanst', 720, 480, 0.6667],
      [other.orderId, 'uc-fu-omsorg', 720, 720, 1],
    ]);
    expect(rows).toEqual((await grantedAgainstDelivered(queryAs(store.db, caseHandler), { month: '2025-02' })).customers);
    expect((await grantedDeliveredPerCustomer(queryAs(store.db, providerOf(other)), { month: '2025-02' })).map((r) => r.orderId)).toEqual([other.orderId]);
    await expect(grantedDeliveredPerCustomer(queryAs(store.db, providerOf(short)), { month: '2025-02', providerId: 'uc-fu-omsorg' })).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it('raises one alert for the run, returns its followUpAlertRaised event, audits it, and raises nothing when asked again', async () => {
    const first = await inUseCase(store.db, caseHandler, (ctx) => raiseAlerts(ctx, { month: '2025-02' }, RULE));
    expect(first.result.raised).toHaveLength(1);
    const alert = first.result.raised[0]!;
    expect(alert).toMatchObject({ orderId: short.orderId, customerId: short.customerId, providerId: 'uc-fu-hemtjanst', areaId: 'home-care', kind: 'under-delivery', firstMonth: '2025-01', raisedMonth: '2025-02', shares: [0.75, 0.6667] });
    expect(first.result.open).toEqual([alert]);
    expect(first.events).toEqual([
      {
        name: 'followUpAlertRaised',
        payload: { alertId: alert.alertId, applicationId: short.applicationId, orderId: short.orderId, customerId: short.customerId, providerId: 'uc-fu-hemtjanst', areaId: 'home-care', kind: 'under-delivery', firstMonth: '2025-01', month: '2025-02', shares: [0.75, 0.6667] },
      },
    ]);
    const audit = await store.db.selectFrom('audit_log').select(['action', 'actor']).where('entity_id', '=', short.orderId).where('action', '=', 'follow-up.alert-raised').execute();
    expect(audit).toEqual([{ action: 'follow-up.alert-raised', actor: 'handler' }]);

    const again = await inUseCase(store.db, caseHandler, (ctx) => raiseAlerts(ctx, { month: '2025-02' }, RULE));
    expect(again).toEqual({ result: { month: '2025-02', raised: [], open: [alert] }, created: false, events: [] });
    expect(await listAlerts(queryAs(store.db, caseHandler), { month: '2025-02', limit: 10 })).toEqual([alert]);
    expect(await listAlerts(queryAs(store.db, caseHandler), { month: '2025-01', limit: 10 })).toEqual([]);
  });
});
