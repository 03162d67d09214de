import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { runBillingMonth } from '../../billing-run/run-month.js';
import { parseSie } from '../../finance/sie-parse.js';
import { sie4Problems } from '../../finance/test-support/sie-checks.js';
import { fieldsOf, orderRequests, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../../test-support/corrections.js';

type Recharge = { rechargeId: string; paymentId: string; orderId: string; customerId: string; providerId: string; month: string; periodMonth: string; decidingMunicipality: string; amountOre: number };
type RechargePeriod = { periodMonth: string; recharges: Recharge[]; totals: Array<{ decidingMunicipality: string; recharges: number; amountOre: number }>; totalOre: number };

describe.each(testEngines())('inter-municipal recharges on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;
  let finance: Record<string, string>;
  let caseHandler: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_recharges');
    [system, finance, caseHandler] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'finance' }), svc.as({ role: 'case-handler' })]);
  });
  afterAll(() => svc?.close());

  const { inject, providerOf, report, approve } = orderRequests(() => svc);
  async function pay(order: PlacedOrder, month: string, basis = 'approval') {
    const res = await inject('POST', '/provider-payments', system, { orderId: order.orderId, month, basis });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json<{ paymentId: string; amountOre: number; periodMonth: string }>();
  }
  const rechargesOf = (orderId: string) => svc.db.selectFrom('municipal_recharges').selectAll().where('order_id', '=', orderId).orderBy('created_at').orderBy('recharge_id').execute();
  const paymentsOf = (orderId: string) => svc.db.selectFrom('provider_payments').selectAll().where('order_id', '=', orderId).execute();
  const list = async (query: string, headers = finance) => {
    const res = await inject('GET', `/municipal-recharges?${query}`, headers);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<RechargePeriod>();
  };

  it("recharges a journey's payment and its correction to the deciding municipality, the same amount in the same period, once", async () => {
    const order = await placeOrder(svc.db, { providerId: 'ike-omsorg', decidingMunicipality: 'varmdo' });
    const visits = await report(order, [visit('2025-03-03', '08:00', '09:00'), visit('2025-03-04', '08:00', '09:00'), visit('2025-03-05', '08:00', '09:00')]);
    await approve(order, '2025-03', [visits[2]!.visitId]);
    const paid = await pay(order, '2025-03');
    expect(paid.amountOre).toBe(62_000);
    expect(await rechargesOf(order.orderId)).toEqual([
      expect.objectContaining({
        payment_id: paid.paymentId,
        order_id: order.orderId,
        customer_id: order.customerId,
        provider_id: 'ike-omsorg',
        month: '2025-03',
        period_month: '2025-03',
        deciding_municipality: 'varmdo',
        amount_ore: 62_000,
      }),
    ]);
    const audit = await svc.db.selectFrom('audit_log').select('after').where('entity_id', '=', order.orderId).where('action', '=', 'provider-payment.created').executeTakeFirstOrThrow();
    expect(audit.after).toMatchObject({ recharge: { decidingMunicipality: 'varmdo', amountOre: 62_000 } });

    // Asked again, the payment is the one made, and so is its recharge.
    const before = await tableCounts(svc.db);
    expect((await pay(order, '2025-03')).paymentId).toBe(paid.paymentId);
    expect(await tableCounts(svc.db)).toEqual(before);

    const resolved = await inject('POST', `/orders/${order.orderId}/months/2025-03/disputes/resolve`, caseHandler, { approve: [visits[2]!.visitId] });
    expect(resolved.statusCode, resolved.body).toBe(201);
    const correction = await pay(order, '2025-03', 'dispute-resolution');
    expect(correction.amountOre).toBe(31_000);
    const recharges = await rechargesOf(order.orderId);
    expect(recharges.map((r) => [r.payment_id, r.amount_ore])).toEqual([
      [paid.paymentId, 62_000],
      [correction.paymentId, 31_000],
    ]);

    const period = await list('periodMonth=2025-03&municipality=varmdo');
    expect(period.recharges.filter((r) => r.orderId === order.orderId).map((r) => ({ paymentId: r.paymentId, amountOre: r.amountOre, periodMonth: r.periodMonth }))).toEqual([
      { paymentId: paid.paymentId, amountOre: 62_000, periodMonth: '2025-03' },
      { paymentId: correction.paymentId, amountOre: 31_000, periodMonth: '2025-03' },
    ]);
    expect(period.totals).toEqual([{ decidingMunicipality: 'varmdo', recharges: period.recharges.length, amountOre: period.recharges.reduce((s, r) => s + r.amountOre, 0) }]);
    expect(period.totalOre).toBe(period.totals[0]!.amountOre);
  });

  it('recharges nothing for our own decisions, for a decider that is this municipality, or for a payment of 0', async () => {
    const own = await placeOrder(svc.db, { providerId: 'ike-egen' });
    const self = await placeOrder(svc.db, { providerId: 'ike-egen', decidingMunicipality: 'nacka' });
    for (const o of [own, self]) {
      await report(o, [visit(o === own ? '2025-03-10' : '2025-03-11', '08:00', '09:00')]);
      await approve(o, '2025-03');
      expect((await pay(o, '2025-03')).amountOre).toBeGreaterThan(0);
    }
    const empty = await placeOrder(svc.db, { providerId: 'ike-egen', decidingMunicipality: 'varmdo' });
    expect((await inject('POST', `/orders/${empty.orderId}/months/2025-03/nothing-delivered`, caseHandler, { reason: 'Reste bort.' })).statusCode).toBe(201);
    expect((await pay(empty, '2025-03')).amountOre).toBe(0);
    for (const o of [own, self, empty]) expect(await rechargesOf(o.orderId)).toEqual([]);
  });

  it('recharges occupancy and attendance payments at their unit amounts, and lists one municipality on request', async () => {
    const home = await placeOrder(svc.db, { providerId: 'ike-boende', providerKind: 'municipal', areaId: 'nursing-home', level: 2, decidingMunicipality: 'tyreso' });
    expect((await inject('POST', `/orders/${home.orderId}/occupancy`, await providerOf(home), { kind: 'moved-in', from: '2025-04-05' })).statusCode).toBe(201);
    const occupancy = await pay(home, '2025-04', 'occupancy');
    // 5–30 April at level 2's 1 620 kr a day.
    expect(occupancy.amountOre).toBe(26 * 162_000);
    const day = await placeOrder(svc.db, { providerId: 'ike-dag', providerKind: 'municipal', areaId: 'day-activities', level: 2, decidingMunicipality: 'tyreso' });
    expect((await inject('POST', `/orders/${day.orderId}/attendance`, await providerOf(day), { days: ['2025-04-01', '2025-04-02', '2025-04-03'] })).statusCode).toBe(201);
    await approve(day, '2025-04');
    const attendance = await pay(day, '2025-04', 'attendance');
    expect(attendance.amountOre).toBe(255_000);
    const other = await placeOrder(svc.db, { providerId: 'ike-omsorg', decidingMunicipality: 'varmdo' });
    await report(other, [visit('2025-04-08', '08:00', '09:00', 'care', '+02:00')]);
    await approve(other, '2025-04');
    await pay(other, '2025-04');

    const tyreso = await list('periodMonth=2025-04&municipality=tyreso');
    expect(tyreso.recharges.map((r) => [r.orderId, r.paymentId, r.amountOre])).toEqual([
      [home.orderId, occupancy.paymentId, 26 * 162_000],
      [day.orderId, attendance.paymentId, 255_000],
    ]);
    expect(tyreso.totals).toEqual([{ decidingMunicipality: 'tyreso', recharges: 2, amountOre: 26 * 162_000 + 255_000 }]);
    const all = await list('periodMonth=2025-04', await svc.as({ role: 'operator' }));
    expect(all.totals).toEqual([
      { decidingMunicipality: 'tyreso', recharges: 2, amountOre: 26 * 162_000 + 255_000 },
      { decidingMunicipality: 'varmdo', recharges: 1, amountOre: 31_000 },
    ]);
    expect(all.totalOre).toBe(26 * 162_000 + 255_000 + 31_000);
  });

  it('books the recharge of a correction made after the period was paid in the next open period, and exports both to SIE as a receivable against the voucher cost', async () => {
    const order = await placeOrder(svc.db, { providerId: 'ike-stangd', decidingMunicipality: 'varmdo' });
    const visits = await report(order, [visit('2025-05-06', '08:00', '09:00', 'care', '+02:00'), visit('2025-05-07', '08:00', '09:00', 'care', '+02:00')]);
    await approve(order, '2025-05', [visits[1]!.visitId]);
    const paid = await pay(order, '2025-05');
    expect((await inject('PUT', '/providers/ike-stangd/account', finance, { name: 'Ike Stängd AB', bankgiro: '5050-1055' })).statusCode).toBe(200);
    const batch = await inject('POST', '/payment-batches', finance, { month: '2025-05' });
    expect(batch.statusCode, batch.body).toBe(201);
    expect((await inject('POST', `/payment-batches/${batch.json().batchId}/sent`, finance)).statusCode).toBe(200);
    expect((await inject('POST', `/orders/${order.orderId}/months/2025-05/disputes/resolve`, caseHandler, { approve: [visits[1]!.visitId] })).statusCode).toBe(201);
    const correction = await pay(order, '2025-05', 'dispute-resolution');
    expect(correction.periodMonth).toBe('2025-06');

    expect((await rechargesOf(order.orderId)).map((r) => [r.payment_id, r.month, r.period_month, r.amount_ore])).toEqual([
      [paid.paymentId, '2025-05', '2025-05', 31_000],
      [correction.paymentId, '2025-05', '2025-06', 31_000],
    ]);
    expect((await list('periodMonth=2025-06')).recharges.map((r) => r.paymentId)).toEqual([correction.paymentId]);

    for (const [period, paymentId] of [
      ['2025-05', paid.paymentId],
      ['2025-06', correction.paymentId],
    ] as const) {
      const res = await inject('GET', `/exports/sie?month=${period}`, finance);
      expect(res.statusCode).toBe(200);
      const sie = parseSie(res.rawPayload);
      for (const v of sie.vouchers) expect(v.transactions.reduce((s, t) => s + t.amountOre, 0), v.text).toBe(0);
      const lastDay = period === '2025-05' ? '2025-05-31' : '2025-06-30';
      expect(sie.vouchers.filter((v) => v.text.endsWith(`order ${order.orderId}`))).toEqual([
        { series: 'KV', number: expect.any(Number), date: lastDay, text: `Ersättning 2025-05 ike-stangd order ${order.orderId}`, transactions: [{ account: '4510', amountOre: 31_000 }, { account: '2440', amountOre: -31_000 }] },
        { series: 'KV', number: expect.any(Number), date: lastDay, text: `Interkommunal ersättning 2025-05 varmdo order ${order.orderId}`, transactions: [{ account: '1511', amountOre: 31_000 }, { account: '4510', amountOre: -31_000 }] },
      ]);
      const recharge = await svc.db.selectFrom('municipal_recharges').select('period_month').where('payment_id', '=', paymentId).executeTakeFirstOrThrow();
      expect(recharge.period_month).toBe(period);
    }
  });

  it('the monthly billing run recharges the payments it makes by the same rule, so that an order is recharged what its provider was paid', async () => {
    const month = '2025-09';
    const placed = await placeOrder(svc.db, { providerId: 'ike-run', decidingMunicipality: 'varmdo' });
    const own = await placeOrder(svc.db, { providerId: 'ike-run' });
    const visits = await report(placed, [visit('2025-09-01', '08:00', '08:07', 'care', '+02:00'), visit('2025-09-02', '08:00', '08:13', 'care', '+02:00'), visit('2025-09-03', '19:10', '19:47', 'care', '+02:00')]);
    await approve(placed, month, [visits[1]!.visitId]);
    await report(own, [visit('2025-09-04', '08:00', '08:11', 'care', '+02:00')]);
    await approve(own, month);
    // The journey paid the placed order before the run; the run pays its resolved dispute.
    const journey = await pay(placed, month);
    expect((await inject('POST', `/orders/${placed.orderId}/months/${month}/disputes/resolve`, caseHandler, { approve: [visits[1]!.visitId] })).statusCode).toBe(201);
    const home = await placeOrder(svc.db, { providerId: 'ike-run-boende', providerKind: 'municipal', areaId: 'nursing-home', level: 4, decidingMunicipality: 'tyreso' });
    expect((await inject('POST', `/orders/${home.orderId}/occupancy`, await providerOf(home), { kind: 'moved-in', from: '2025-09-10' })).statusCode).toBe(201);

    const { result } = await runBillingMonth({ db: svc.db, month, clock: () => new Date('2025-10-02T06:00:00Z'), insertBatchSize: 1, executionDate: '2025-10-03' });
    const runPayments = await svc.db.selectFrom('provider_payments').select(['payment_id', 'order_id', 'amount_ore']).where('run_id', '=', result.runId).execute();
    // Earlier tests' nursing-home placement is still occupied in September, and the run pays it too.
    expect(runPayments.map((p) => p.order_id)).toEqual(expect.arrayContaining([placed.orderId, own.orderId, home.orderId]));

    for (const { order_id: orderId } of runPayments) {
      const payments = await paymentsOf(orderId);
      const recharges = await rechargesOf(orderId);
      const { deciding_municipality: decider } = await svc.db.selectFrom('orders').select('deciding_municipality').where('order_id', '=', orderId).executeTakeFirstOrThrow();
      if (decider === null) {
        expect(recharges, orderId).toEqual([]);
        continue;
      }
      expect(recharges.map((r) => r.payment_id).sort(), orderId).toEqual(payments.filter((p) => p.amount_ore !== 0).map((p) => p.payment_id).sort());
      for (const r of recharges) expect(r).toMatchObject({ deciding_municipality: decider, amount_ore: payments.find((p) => p.payment_id === r.payment_id)!.amount_ore });
      expect(recharges.reduce((s, r) => s + r.amount_ore, 0)).toBe(payments.reduce((s, p) => s + p.amount_ore, 0));
    }
    expect((await rechargesOf(placed.orderId)).map((r) => r.payment_id)).toContain(journey.paymentId);
    // 10–30 September at level 4's 2 100 kr a day.
    expect((await rechargesOf(home.orderId)).map((r) => r.amount_ore)).toEqual([21 * 210_000]);
    expect(await rechargesOf(own.orderId)).toEqual([]);
    const audit = await svc.db.selectFrom('audit_log').select('after').where('action', '=', 'billing-run.provider-settled').where('entity_id', '=', 'ike-run').executeTakeFirstOrThrow();
    const runRecharged = (await rechargesOf(placed.orderId)).filter((r) => runPayments.some((p) => p.payment_id === r.payment_id)).reduce((s, r) => s + r.amount_ore, 0);
    expect(runRecharged).toBeGreaterThan(0);
    expect(audit.after).toMatchObject({ rechargedOre: runRecharged });

    // Per deciding municipality, the period's recharges are what the period paid for its customers.
    const period = await list(`periodMonth=${month}`);
    const paid = await svc.db
      .selectFrom('provider_payments as p')
      .innerJoin('orders as o', 'o.order_id', 'p.order_id')
      .select(['o.deciding_municipality', (eb) => eb.fn.sum<number>('p.amount_ore').as('ore')])
      .where('p.period_month', '=', month)
      .where('o.deciding_municipality', 'is not', null)
      .groupBy('o.deciding_municipality')
      .execute();
    expect(Object.fromEntries(period.totals.map((t) => [t.decidingMunicipality, t.amountOre]))).toEqual(Object.fromEntries(paid.map((r) => [r.deciding_municipality, Number(r.ore)])));
    expect(period.totals.map((t) => t.decidingMunicipality)).toEqual(['tyreso', 'varmdo']);

    // The SIE export of the period has a balanced recharge voucher for each of them.
    const sie = parseSie((await inject('GET', `/exports/sie?month=${month}`, finance)).rawPayload);
    for (const v of sie.vouchers) expect(v.transactions.reduce((s, t) => s + t.amountOre, 0), v.text).toBe(0);
    const rechargeVouchers = sie.vouchers.filter((v) => v.text.startsWith('Interkommunal ersättning'));
    expect(rechargeVouchers).toHaveLength(period.recharges.length);
    expect(rechargeVouchers.reduce((s, v) => s + v.transactions.find((t) => t.account === '1511')!.amountOre, 0)).toBe(period.totalOre);

    // Run again: the run is returned and nothing is recharged twice.
    const before = await tableCounts(svc.db);
    const again = await runBillingMonth({ db: svc.db, month, clock: () => new Date('2025-10-02T07:00:00Z') });
    expect(again.created).toBe(false);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('lists an empty period as empty, refuses a malformed query (400), a caller without a token (401) and anyone but finance and operators (403)', async () => {
    expect(await list('periodMonth=2024-01')).toEqual({ periodMonth: '2024-01', recharges: [], totals: [], totalOre: 0 });
    for (const [query, field] of [
      ['periodMonth=2025-3', 'querystring.periodMonth'],
      ['', 'querystring.periodMonth'],
      ['periodMonth=2025-03&municipality=', 'querystring.municipality'],
    ] as const) {
      const res = await inject('GET', `/municipal-recharges?${query}`, finance);
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res)).toContain(field);
    }
    expect((await inject('GET', '/municipal-recharges?periodMonth=2025-03', {})).statusCode).toBe(401);
    for (const role of ['provider', 'citizen', 'case-handler', 'system', 'administrator'] as const) {
      const res = await inject('GET', '/municipal-recharges?periodMonth=2025-03', await svc.as({ role }));
      expect(res.statusCode, role).toBe(403);
    }
  });

  it('describes the route in the OpenAPI document', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const route = res.json().paths['/municipal-recharges'].get;
    expect(route.summary).toMatch(/recharges/);
    expect(route.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['municipality', 'periodMonth']);
    expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
  });
  it("nets a placed customer's own fee against the recharge, per month, in the API and the SIE export", async () => {
    const placed = await placeOrder(svc.db, { providerId: 'netto-omsorg', decidingMunicipality: 'tyreso' });
    const own = await placeOrder(svc.db, { providerId: 'netto-omsorg' });
    for (const order of [placed, own]) {
      await report(order, [visit('2025-07-01', '08:00', '09:00', 'care', '+02:00'), visit('2025-07-02', '08:00', '09:00', 'care', '+02:00'), visit('2025-07-03', '08:00', '09:00', 'care', '+02:00')]);
      await approve(order, '2025-07');
    }
    const paid = await pay(placed, '2025-07');
    await pay(own, '2025-07');
    for (const order of [placed, own]) {
      const fee = await inject('POST', '/fees', system, { customerId: order.customerId, applicationId: order.applicationId, month: '2025-07' });
      // Three approved hours at the tariff of 312 kr: below the maxtaxa.
      expect(fee.json(), fee.body).toMatchObject({ feeOre: 93_600, periodMonth: '2025-07' });
    }
    // Three weekday-daytime hours at the private rate of 310 kr: 6 kr less than the fee, so the net is owed to Tyresö.
    expect(paid.amountOre).toBe(93_000);

    const res = await inject('GET', '/municipal-recharges/netting?periodMonth=2025-07', finance);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      periodMonth: '2025-07',
      lines: [{ decidingMunicipality: 'tyreso', customerId: placed.customerId, month: '2025-07', rechargeOre: paid.amountOre, feeOre: 93_600, netOre: paid.amountOre - 93_600 }],
      totals: [{ decidingMunicipality: 'tyreso', rechargeOre: paid.amountOre, feeOre: 93_600, netOre: paid.amountOre - 93_600 }],
    });
    expect((await inject('GET', '/municipal-recharges/netting?periodMonth=2025-07&municipality=varmdo', finance)).json()).toEqual({ periodMonth: '2025-07', lines: [], totals: [] });
    expect((await inject('GET', '/municipal-recharges/netting?periodMonth=2025-07', caseHandler)).statusCode).toBe(403);

    const file = (await inject('GET', '/exports/sie?month=2025-07', finance)).rawPayload;
    expect(sie4Problems(file)).toEqual([]);
    const vouchers = parseSie(file).vouchers;
    const setOff = vouchers.filter((v) => v.text.startsWith('Kvittning avgift'));
    expect(setOff.map((v) => ({ text: v.text.replace(/faktura \d+/, 'faktura N'), transactions: v.transactions }))).toEqual([
      { text: 'Kvittning avgift 2025-07 faktura N mot tyreso', transactions: [{ account: '3010', amountOre: 93_600 }, { account: '1511', amountOre: -93_600 }] },
    ]);
    // What the receivable from Tyresö holds for the period is the net to invoice.
    const receivable = vouchers.flatMap((v) => v.transactions).filter((t) => t.account === '1511').reduce((sum, t) => sum + t.amountOre, 0);
    expect(receivable).toBe(paid.amountOre - 93_600);
  });
});
