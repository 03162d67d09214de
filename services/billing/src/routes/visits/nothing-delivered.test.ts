import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { parseSie } from '../../finance/sie-parse.js';
import { controlTotalProblems, validateAgainstXsd } from '../../finance/test-support/pain001-checks.js';
import { endOrder, fieldsOf, orderRequests, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../../test-support/corrections.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
/** The service's clock in these tests: mid-July 2025 in Stockholm, so March–June are over and July is not. */
const JULY = new Date('2025-07-15T10:00:00Z');

describe.each(testEngines())('POST /orders/:orderId/months/:month/nothing-delivered on %s', (engine) => {
  let svc: FullBilling;
  let now = JULY;
  let system: Record<string, string>;
  let finance: Record<string, string>;
  let caseHandler: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_nothing_delivered', { clock: () => now });
    [system, finance, caseHandler] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'finance' }), svc.as({ role: 'case-handler' })]);
  });
  afterAll(() => svc?.close());
  beforeEach(() => {
    now = JULY;
  });

  const { inject, providerOf, citizenOf, journeyFor } = orderRequests(() => svc);
  const close = (order: PlacedOrder, month: string, reason: unknown = 'The customer was in hospital the whole month.', headers = caseHandler) =>
    inject('POST', `/orders/${order.orderId}/months/${month}/nothing-delivered`, headers, { reason });
  const pay = (order: PlacedOrder, month: string, basis = 'approval') => inject('POST', '/provider-payments', system, { orderId: order.orderId, month, basis });
  const charge = (order: PlacedOrder, month: string, basis = `approval:${order.orderId}`) => inject('POST', '/fees', system, { customerId: order.customerId, applicationId: order.applicationId, month, basis });
  const expectRefused = async (res: Awaited<ReturnType<typeof inject>>, status: number, code: string) => {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error).toBe(code);
  };

  it('records the month as approved with 0 visits and its reason, announces monthApproved with nothingDelivered, and audits it', async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    const outbox = (await svc.outbox()).length;
    const commits = svc.commits();
    const res = await close(order, '2025-03', '  Inlagd på sjukhus hela månaden.  ');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      orderId: order.orderId,
      month: '2025-03',
      approvedVisits: 0,
      disputedVisits: 0,
      nothingDelivered: true,
      reason: 'Inlagd på sjukhus hela månaden.',
      closedBy: 'case-handler-user',
      closedAt: expect.any(String),
    });
    const row = await svc.db.selectFrom('month_approvals').selectAll().where('order_id', '=', order.orderId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ month: '2025-03', approved_by: 'case-handler-user', approved_visits: 0, disputed_visits: 0, nothing_delivered: true, nothing_delivered_reason: 'Inlagd på sjukhus hela månaden.' });
    expect((await svc.outbox()).slice(outbox)).toEqual([
      {
        subject: 'kundval.billing.month.approved.v1',
        payload: { orderId: order.orderId, applicationId: order.applicationId, customerId: order.customerId, providerId: 'tom-omsorg', month: '2025-03', approvedVisits: 0, disputedVisits: 0, nothingDelivered: true },
      },
    ]);
    expect(svc.commits()).toBe(commits + 1);
    const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role', 'after']).where('entity_id', '=', order.orderId).execute();
    expect(audit).toEqual([{ action: 'month.closed-nothing-delivered', actor_role: 'case-handler', after: { month: '2025-03', reason: 'Inlagd på sjukhus hela månaden.' } }]);

    // The customer's own approval keeps saying false.
    const other = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    await inject('POST', `/orders/${other.orderId}/visits`, await providerOf(other), { visits: [visit('2025-03-05', '08:00', '09:00')] });
    expect((await inject('POST', `/orders/${other.orderId}/months/2025-03/approval`, await journeyFor(other), {})).statusCode).toBe(201);
    expect((await svc.outbox()).at(-1)!.payload).toMatchObject({ orderId: other.orderId, approvedVisits: 1, nothingDelivered: false });
    expect(await svc.db.selectFrom('month_approvals').select(['nothing_delivered', 'nothing_delivered_reason']).where('order_id', '=', other.orderId).executeTakeFirstOrThrow()).toEqual({
      nothing_delivered: false,
      nothing_delivered_reason: null,
    });
  });

  it('settles the month at zero: the payment is 0, the fee charges nothing more, no credit transfer is made and no voucher booked, and later visits are refused', async () => {
    // A switch in May: the first provider delivered an hour, the second nothing at all.
    const first = await placeOrder(svc.db, { providerId: 'noll-fran', validFrom: '2025-01-01', validTo: '2025-12-31' });
    const second = await placeOrder(svc.db, { providerId: 'noll-till', customerId: first.customerId, validFrom: '2025-05-16', validTo: '2025-12-31' });
    await endOrder(svc.db, first, '2025-05-15');
    expect((await inject('POST', `/orders/${first.orderId}/visits`, await providerOf(first), { visits: [visit('2025-05-06', '08:00', '09:00', 'care', '+02:00')] })).statusCode).toBe(201);
    expect((await inject('POST', `/orders/${first.orderId}/months/2025-05/approval`, await journeyFor(first), {})).statusCode).toBe(201);
    const paidFirst = await pay(first, '2025-05');
    expect(paidFirst.json()).toMatchObject({ amountOre: 31_000 });
    expect((await charge(first, '2025-05')).json()).toMatchObject({ feeOre: 31_200, totalFeeOre: 31_200 });
    // A customer whose only order delivered nothing in May.
    const alone = await placeOrder(svc.db, { providerId: 'noll-ensam' });

    // Without the close, the journey's approval is refused and nothing can be settled.
    await expectRefused(await inject('POST', `/orders/${second.orderId}/months/2025-05/approval`, await journeyFor(second), {}), 409, 'BILLING.NO_VISITS');
    await expectRefused(await pay(second, '2025-05'), 409, 'BILLING.MONTH_NOT_APPROVED');
    for (const order of [second, alone]) expect((await close(order, '2025-05')).statusCode).toBe(201);

    const paid = await pay(second, '2025-05');
    expect(paid.statusCode, paid.body).toBe(201);
    expect(paid.json()).toMatchObject({ providerId: 'noll-till', month: '2025-05', basis: 'approval', amountOre: 0, payableOre: 0, previouslyPaidOre: 0, lines: [], unitLines: [], periodMonth: '2025-05' });
    const paidAlone = await pay(alone, '2025-05');
    expect(paidAlone.json()).toMatchObject({ amountOre: 0 });
    expect((await svc.outbox()).filter((e) => e.subject === 'kundval.billing.provider-payment.created.v1' && e.payload['orderId'] === second.orderId)).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ amountOre: 0, month: '2025-05' }) }),
    ]);

    // The customer's fee of May is what the first order's hour costs: the closed month adds nothing.
    const fee = await charge(second, '2025-05');
    expect(fee.statusCode, fee.body).toBe(201);
    expect(fee.json()).toMatchObject({ feeOre: 0, totalFeeOre: 31_200, previouslyChargedOre: 31_200, approvedMinutes: 60, ocrReference: null });
    const feeAlone = await charge(alone, '2025-05');
    expect(feeAlone.statusCode, feeAlone.body).toBe(201);
    expect(feeAlone.json()).toMatchObject({ feeOre: 0, totalFeeOre: 0, approvedMinutes: 0, ocrReference: null });

    // The payment file pays the hour and nothing else: a zero payment is no credit transfer.
    for (const p of ['noll-fran', 'noll-till', 'noll-ensam']) expect((await inject('PUT', `/providers/${p}/account`, finance, { name: `${p} AB`, bankgiro: '5050-1055' })).statusCode).toBe(200);
    const batch = await inject('POST', '/payment-batches', finance, { month: '2025-05' });
    expect(batch.statusCode, batch.body).toBe(201);
    expect(batch.json().items.map((i: { paymentId: string }) => i.paymentId)).toEqual([paidFirst.json().paymentId]);
    expect(batch.json().skipped).toEqual(
      expect.arrayContaining([
        { paymentId: paid.json().paymentId, providerId: 'noll-till', reason: 'nothing to pay: the amount is zero' },
        { paymentId: paidAlone.json().paymentId, providerId: 'noll-ensam', reason: 'nothing to pay: the amount is zero' },
      ]),
    );
    const file = await inject('GET', `/payment-batches/${batch.json().batchId}/pain001`, finance);
    expect(await validateAgainstXsd(file.body)).toEqual({ valid: true, errors: [] });
    expect(controlTotalProblems(file.body)).toEqual([]);
    expect(file.body.match(/<CdtTrfTxInf>/g)).toHaveLength(1);
    expect(file.body).not.toContain('<InstdAmt Ccy="SEK">0.00</InstdAmt>');

    // The ledger gets the hour's payment and fee, and no zero line.
    const sie = parseSie((await inject('GET', '/exports/sie?month=2025-05', finance)).rawPayload);
    for (const v of sie.vouchers) {
      expect(v.transactions.reduce((s, t) => s + t.amountOre, 0), v.text).toBe(0);
      for (const t of v.transactions) expect(t.amountOre, v.text).not.toBe(0);
    }
    const texts = sie.vouchers.map((v) => v.text).join('\n');
    expect(texts).toContain(first.orderId);
    for (const o of [second, alone]) expect(texts).not.toContain(o.orderId);

    // The month is settled: the provider's late report and the customer's approval are refused as for any approved month.
    const late = await inject('POST', `/orders/${second.orderId}/visits`, await providerOf(second), { visits: [visit('2025-05-20', '08:00', '09:00', 'care', '+02:00')] });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: 'BILLING.MONTH_APPROVED', issues: [{ field: 'body.visits.0.start' }] });
    expect(late.json().message).toMatch(/nothing delivered/);
    await expectRefused(await inject('POST', `/orders/${alone.orderId}/months/2025-05/approval`, await journeyFor(alone), {}), 409, 'BILLING.MONTH_APPROVED');
    await expectRefused(await close(alone, '2025-05'), 409, 'BILLING.MONTH_APPROVED');
  });

  it("closes a day activity's month without attendance: its attendance payment is 0 and later attendance is refused", async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-dag', providerKind: 'municipal', areaId: 'day-activities', level: 2 });
    expect((await close(order, '2025-04')).statusCode).toBe(201);
    const paid = await pay(order, '2025-04', 'attendance');
    expect(paid.statusCode, paid.body).toBe(201);
    expect(paid.json()).toMatchObject({ amountOre: 0, unitLines: [] });
    const late = await inject('POST', `/orders/${order.orderId}/attendance`, await providerOf(order), { days: ['2025-04-08'] });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: 'BILLING.MONTH_APPROVED', issues: [{ field: 'body.days.0' }] });
  });

  it('refuses a month that has not ended in Stockholm (409), up to the last minute of its last day', async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    const before = await tableCounts(svc.db);
    for (const month of ['2025-07', '2025-08']) {
      const res = await close(order, month);
      await expectRefused(res, 409, 'BILLING.MONTH_NOT_OVER');
      expect(fieldsOf(res)).toEqual(['params.month']);
    }
    // 23:59:59 on 30 June in Stockholm (CEST, UTC+2) is still June.
    now = new Date('2025-06-30T21:59:59Z');
    await expectRefused(await close(order, '2025-06'), 409, 'BILLING.MONTH_NOT_OVER');
    expect(await tableCounts(svc.db)).toEqual(before);
    // Midnight in Stockholm, still 30 June in UTC: June is over.
    now = new Date('2025-06-30T22:00:00Z');
    expect((await close(order, '2025-06')).statusCode).toBe(201);
  });

  it("refuses a month outside the order's validity (409), an order's early end included, and closes a month it covers in part", async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-omsorg', validFrom: '2025-02-10', validTo: '2025-05-31' });
    await endOrder(svc.db, order, '2025-04-15');
    const before = await tableCounts(svc.db);
    for (const month of ['2025-01', '2025-05', '2025-06']) {
      const res = await close(order, month);
      await expectRefused(res, 409, 'BILLING.OUTSIDE_ORDER');
      expect(fieldsOf(res)).toEqual(['params.month']);
    }
    expect(await tableCounts(svc.db)).toEqual(before);
    for (const month of ['2025-02', '2025-04']) expect((await close(order, month)).statusCode).toBe(201);
  });

  it('refuses a month with reported visits or attendance days (409): the customer approves those instead', async () => {
    const homeCare = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    expect((await inject('POST', `/orders/${homeCare.orderId}/visits`, await providerOf(homeCare), { visits: [visit('2025-03-11', '08:00', '09:00')] })).statusCode).toBe(201);
    const day = await placeOrder(svc.db, { providerId: 'tom-dag', areaId: 'day-activities', level: 1 });
    expect((await inject('POST', `/orders/${day.orderId}/attendance`, await providerOf(day), { days: ['2025-03-12'] })).statusCode).toBe(201);
    const before = await tableCounts(svc.db);
    for (const order of [homeCare, day]) await expectRefused(await close(order, '2025-03'), 409, 'BILLING.DELIVERIES_REPORTED');
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('refuses a month the customer approved, and a second close (409)', async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    expect((await inject('POST', `/orders/${order.orderId}/visits`, await providerOf(order), { visits: [visit('2025-03-13', '08:00', '09:00')] })).statusCode).toBe(201);
    expect((await inject('POST', `/orders/${order.orderId}/months/2025-03/approval`, await journeyFor(order), {})).statusCode).toBe(201);
    expect((await close(order, '2025-04')).statusCode).toBe(201);
    const before = await tableCounts(svc.db);
    await expectRefused(await close(order, '2025-03'), 409, 'BILLING.MONTH_APPROVED');
    const twice = await close(order, '2025-04');
    await expectRefused(twice, 409, 'BILLING.MONTH_APPROVED');
    expect(twice.json().message).toMatch(/closed as nothing delivered already/);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('lets either a close or a visit reported at the same moment win, never both', async () => {
    for (let i = 0; i < 5; i++) {
      const order = await placeOrder(svc.db, { providerId: 'tom-kapplopning' });
      const [closed, reported] = await Promise.all([
        close(order, '2025-03'),
        providerOf(order).then((headers) => inject('POST', `/orders/${order.orderId}/visits`, headers, { visits: [visit('2025-03-14', '08:00', '09:00')] })),
      ]);
      const visits = await svc.db.selectFrom('visits').select('visit_id').where('order_id', '=', order.orderId).execute();
      const approval = await svc.db.selectFrom('month_approvals').select('nothing_delivered').where('order_id', '=', order.orderId).executeTakeFirst();
      const outcome = { closed: closed.statusCode, reported: reported.statusCode, refusal: (closed.statusCode === 201 ? reported : closed).json().error, visits: visits.length, closedMonth: approval?.nothing_delivered ?? false };
      const closeWon = { closed: 201, reported: 409, refusal: 'BILLING.MONTH_APPROVED', visits: 0, closedMonth: true };
      const reportWon = { closed: 409, reported: 201, refusal: 'BILLING.DELIVERIES_REPORTED', visits: 1, closedMonth: false };
      expect(outcome, `${closed.body} ${reported.body}`).toEqual(closed.statusCode === 201 ? closeWon : reportWon);
    }
  });

  it("refuses a nursing home's month (409): occupancy is paid without approval", async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-boende', areaId: 'nursing-home', level: 3 });
    const before = await tableCounts(svc.db);
    await expectRefused(await close(order, '2025-03'), 409, 'BILLING.AREA_MISMATCH');
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it.each([
    ['an empty reason', { reason: '' }, 'body.reason'],
    ['a reason of blanks', { reason: '   ' }, 'body.reason'],
    ['a reason over 500 characters', { reason: 'x'.repeat(501) }, 'body.reason'],
    ['no reason', {}, 'body.reason'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_what, payload, field) => {
    const order = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    const before = await tableCounts(svc.db);
    const res = await inject('POST', `/orders/${order.orderId}/months/2025-03/nothing-delivered`, caseHandler, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('VALIDATION');
    expect(fieldsOf(res)).toContain(field);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('accepts a reason of exactly 500 characters', async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    const res = await close(order, '2025-03', 'å'.repeat(500));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().reason).toHaveLength(500);
  });

  it('answers 400 for a bad month or order id, 401 without a token, 403 to anyone but a case handler and 404 for an unknown order, storing nothing', async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    const before = await tableCounts(svc.db);
    expect(fieldsOf(await close(order, '2025-13'))).toContain('params.month');
    expect(fieldsOf(await inject('POST', '/orders/42/months/2025-03/nothing-delivered', caseHandler, { reason: 'x' }))).toContain('params.orderId');
    await expectRefused(await close(order, '2025-03', 'x', {}), 401, 'AUTH.MISSING_TOKEN');
    for (const who of [await citizenOf(order), await providerOf(order), finance, system, await svc.as({ role: 'operator' }), await svc.as({ role: 'administrator' })]) {
      await expectRefused(await close(order, '2025-03', 'x', who), 403, 'AUTH.FORBIDDEN');
    }
    await expectRefused(await close({ ...order, orderId: UNKNOWN }, '2025-03'), 404, 'BILLING.ORDER_NOT_FOUND');
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('honours the Idempotency-Key: a retry replays the answer without acting twice, and the key cannot be reused with another reason', async () => {
    const order = await placeOrder(svc.db, { providerId: 'tom-omsorg' });
    const headers = { ...caseHandler, 'idempotency-key': `close-${order.orderId}` };
    const first = await close(order, '2025-03', 'Avböjde alla besök.', headers);
    expect(first.statusCode).toBe(201);
    const before = await tableCounts(svc.db);
    const again = await close(order, '2025-03', 'Avböjde alla besök.', headers);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await tableCounts(svc.db)).toEqual(before);
    const other = await close(order, '2025-03', 'Låg på sjukhus.', headers);
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: 'IDEMPOTENCY.KEY_REUSED', issues: [{ field: 'headers.idempotency-key' }] });
    expect(await tableCounts(svc.db)).toEqual(before);
  });
});
