import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { orderRequests, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../../test-support/corrections.js';

/** `hours` one-hour weekday-morning visits from `firstDay` on, skipping weekends (2025 dates, winter time). */
function mornings(days: string[], from = '08:00', to = '09:00') {
  return days.map((d) => visit(d, from, to));
}
const JAN = ['2025-01-07', '2025-01-08', '2025-01-09', '2025-01-10', '2025-01-13', '2025-01-14', '2025-01-15', '2025-01-16', '2025-01-17', '2025-01-20', '2025-01-21', '2025-01-22', '2025-01-23', '2025-01-24'];
const FEB = ['2025-02-17', '2025-02-18', '2025-02-19', '2025-02-20', '2025-02-21', '2025-02-24', '2025-02-25', '2025-02-26', '2025-02-27', '2025-02-28', '2025-02-03', '2025-02-04', '2025-02-05', '2025-02-06'];

describe.each(testEngines())('granted against delivered on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;
  let caseHandler: Record<string, string>;
  let finance: Record<string, string>;
  // Each order grants 10 care + 2 service hours a month: 720 minutes.
  let short: PlacedOrder;
  let lateStart: PlacedOrder;
  let over: PlacedOrder;
  let shortFebPaidOre: number;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_follow_up');
    [system, caseHandler, finance] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'case-handler' }), svc.as({ role: 'finance' })]);
    const { report, approve, inject } = orderRequests(() => svc);

    // 9 of 12 hours in January (0.75), 8 in February (0.6667) of which one disputed: under-delivery, two months running.
    short = await placeOrder(svc.db, { providerId: 'fu-hemtjanst' });
    await report(short, mornings(JAN.slice(0, 9)));
    await approve(short, '2025-01');
    const feb = await report(short, mornings(FEB.slice(0, 8)));
    await approve(short, '2025-02', [feb[7]!.visitId]);
    const paid = await inject('POST', '/provider-payments', system, { orderId: short.orderId, month: '2025-02' });
    expect(paid.statusCode, paid.body).toBe(201);
    shortFebPaidOre = paid.json<{ amountOre: number }>().amountOre;

    // In force from 15 February: 14 of February's 28 days, 360 minutes ordered; 6 hours delivered (1.0).
    lateStart = await placeOrder(svc.db, { providerId: 'fu-hemtjanst', validFrom: '2025-02-15' });
    await report(lateStart, mornings(FEB.slice(0, 6), '10:00', '11:00'));

    // 14 hours in January (1.1667) and 13.5 in February (1.125): over-delivery at another provider.
    over = await placeOrder(svc.db, { providerId: 'fu-omsorg' });
    await report(over, mornings(JAN));
    await report(over, [...mornings(FEB.slice(0, 13)), visit('2025-02-07', '08:00', '08:30')]);
  });
  afterAll(() => svc?.close());

  const get = (url: string, headers: Record<string, string>) => svc.app.inject({ method: 'GET', url, headers });

  it("answers per customer the grant, the order for the days in force, delivered, approved and paid, and sums them per provider and area", async () => {
    const res = await get('/follow-up/granted-delivered?month=2025-02&providerId=fu-hemtjanst', finance);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ customers: Array<Record<string, unknown>>; providers: unknown[] }>();
    const byOrder = Object.fromEntries(body.customers.map((c) => [c.orderId, c]));
    expect(byOrder[short.orderId]).toEqual({
      orderId: short.orderId,
      customerId: short.customerId,
      providerId: 'fu-hemtjanst',
      areaId: 'home-care',
      month: '2025-02',
      measure: 'minutes',
      granted: 720,
      ordered: 720,
      delivered: 480,
      approved: 420,
      paidOre: shortFebPaidOre,
      deliveredShare: 0.6667,
    });
    expect(byOrder[lateStart.orderId]).toMatchObject({ granted: 720, ordered: 360, delivered: 360, approved: 0, paidOre: 0, deliveredShare: 1 });
    expect(body.customers).toHaveLength(2);
    expect(body.providers).toEqual([
      { providerId: 'fu-hemtjanst', areaId: 'home-care', measure: 'minutes', customers: 2, granted: 1440, ordered: 1080, delivered: 840, approved: 420, paidOre: shortFebPaidOre, deliveredShare: 0.7778 },
    ]);
    expect(shortFebPaidOre).toBeGreaterThan(0);
  });

  it('exports the same rows as semicolon CSV with a byte-order mark', async () => {
    const res = await get(`/follow-up/granted-delivered.csv?month=2025-02&customerId=${short.customerId}`, caseHandler);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.body).toBe(
      '\ufeffmonth;customerId;orderId;providerId;areaId;measure;granted;ordered;delivered;approved;paidOre;deliveredShare\r\n' +
        `2025-02;${short.customerId};${short.orderId};fu-hemtjanst;home-care;minutes;720;720;480;420;${shortFebPaidOre};0.6667\r\n`,
    );
  });

  it('shows a provider only its own, and refuses another provider and a citizen', async () => {
    const own = await get('/follow-up/granted-delivered?month=2025-02', await svc.as({ role: 'provider', providerId: 'fu-omsorg' }));
    expect(own.json().customers.map((c: { orderId: string }) => c.orderId)).toEqual([over.orderId]);
    expect((await get('/follow-up/granted-delivered?month=2025-02&providerId=fu-hemtjanst', await svc.as({ role: 'provider', providerId: 'fu-omsorg' }))).statusCode).toBe(403);
    expect((await get('/follow-up/granted-delivered.csv?month=2025-02&providerId=fu-hemtjanst', await svc.as({ role: 'provider', providerId: 'fu-omsorg' }))).statusCode).toBe(403);
    expect((await get('/follow-up/granted-delivered?month=2025-02', await svc.as({ role: 'citizen', customerId: short.customerId }))).statusCode).toBe(403);
    const bad = await get('/follow-up/granted-delivered?month=2025-2', finance);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].field).toBe('querystring.month');
  });

  it('raises an alert per cause for the case handler — under-delivery two months running, over-delivery — and only once', async () => {
    const post = () => svc.app.inject({ method: 'POST', url: '/follow-up/alerts', headers: caseHandler, payload: { month: '2025-02' } });
    const outbox = (await svc.outbox()).length;
    const first = await post();
    expect(first.statusCode, first.body).toBe(200);
    const raised = first.json<{ raised: Array<Record<string, unknown>> }>().raised;
    expect(raised.map(({ alertId: _a, raisedAt: _r, ...a }) => a).sort((a, b) => String(a.kind).localeCompare(String(b.kind)))).toEqual([
      { orderId: over.orderId, customerId: over.customerId, providerId: 'fu-omsorg', areaId: 'home-care', kind: 'over-delivery', firstMonth: '2025-01', raisedMonth: '2025-02', shares: [1.1667, 1.125] },
      { orderId: short.orderId, customerId: short.customerId, providerId: 'fu-hemtjanst', areaId: 'home-care', kind: 'under-delivery', firstMonth: '2025-01', raisedMonth: '2025-02', shares: [0.75, 0.6667] },
    ]);

    // Each raised alert is announced for the case handler's task queue (ADR 0040), with the order's application.
    const announced = (await svc.outbox()).slice(outbox);
    expect(announced.map((e) => e.subject)).toEqual(['kundval.billing.follow-up-alert.raised.v1', 'kundval.billing.follow-up-alert.raised.v1']);
    const underAlert = raised.find((a) => a.kind === 'under-delivery')!;
    expect(announced.map((e) => e.payload).find((p) => (p as { kind: string }).kind === 'under-delivery')).toEqual({
      alertId: underAlert.alertId,
      applicationId: short.applicationId,
      orderId: short.orderId,
      customerId: short.customerId,
      providerId: 'fu-hemtjanst',
      areaId: 'home-care',
      kind: 'under-delivery',
      firstMonth: '2025-01',
      month: '2025-02',
      shares: [0.75, 0.6667],
    });

    const again = await post();
    expect(again.json()).toMatchObject({ raised: [] });
    expect((await svc.outbox()).slice(outbox)).toHaveLength(2);
    expect(again.json().open).toHaveLength(2);
    const listed = await get('/follow-up/alerts?month=2025-02', caseHandler);
    expect(listed.json()).toHaveLength(2);
    const audited = await svc.db.selectFrom('audit_log').select('entity_id').where('action', '=', 'follow-up.alert-raised').execute();
    expect(audited.map((a) => a.entity_id).sort()).toEqual([over.orderId, short.orderId].sort());

    // January alone is one month: nothing to raise.
    const january = await svc.app.inject({ method: 'POST', url: '/follow-up/alerts', headers: caseHandler, payload: { month: '2025-01' } });
    expect(january.json()).toEqual({ month: '2025-01', raised: [], open: [] });
    expect((await svc.app.inject({ method: 'POST', url: '/follow-up/alerts', headers: finance, payload: { month: '2025-02' } })).statusCode).toBe(403);
  });
});
