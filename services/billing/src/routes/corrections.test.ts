import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidOcrReference } from '@kundval/domain';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { parseSie } from '../finance/sie-parse.js';
import { endOrder, fieldsOf, orderRequests, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../test-support/corrections.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
type Visit = { visitId: string; externalId: string; status: string };
type Payment = { paymentId: string; amountOre: number; previouslyPaidOre: number; payableOre: number; periodMonth: string; basis: string; lines: unknown[]; unitLines: unknown[] };

describe.each(testEngines())('corrections: disputes, delta payments and fees, closed periods on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;
  let finance: Record<string, string>;
  let caseHandler: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_corrections');
    [system, finance, caseHandler] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'finance' }), svc.as({ role: 'case-handler' })]);
  });
  afterAll(() => svc?.close());

  const { inject, providerOf, citizenOf, report, approve } = orderRequests(() => svc);
  const pay = (order: PlacedOrder, month: string, basis?: string, headers = system) => inject('POST', '/provider-payments', headers, { orderId: order.orderId, month, ...(basis ? { basis } : {}) });
  const charge = (order: PlacedOrder, month: string, basis?: string) =>
    inject('POST', '/fees', system, { customerId: order.customerId, applicationId: order.applicationId, month, ...(basis ? { basis } : {}) });
  const resolve = (order: PlacedOrder, month: string, payload: unknown, headers = caseHandler) => inject('POST', `/orders/${order.orderId}/months/${month}/disputes/resolve`, headers, payload);

  /** An order with three weekday-morning hours in March 2025, the last two disputed. */
  async function disputedMarch(providerId: string) {
    const order = await placeOrder(svc.db, { providerId });
    const visits = await report(order, [visit('2025-03-03', '08:00', '09:00'), visit('2025-03-04', '08:00', '09:00'), visit('2025-03-05', '08:00', '09:00')]);
    await approve(order, '2025-03', [visits[1]!.visitId, visits[2]!.visitId]);
    return { order, visits };
  }

  describe('POST /orders/:orderId/months/:month/disputes/resolve', () => {
    it('approves and rejects every disputed visit, announces it, and the next payment pays only the newly approved visit as a delta', async () => {
      const { order, visits } = await disputedMarch('tvist-omsorg');
      const first = await pay(order, '2025-03');
      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({ amountOre: 31_000, previouslyPaidOre: 0, payableOre: 31_000, basis: 'approval', periodMonth: '2025-03' });

      const early = await pay(order, '2025-03', 'dispute-resolution');
      expect(early.statusCode).toBe(409);
      expect(early.json().error).toBe('BILLING.DISPUTE_NOT_RESOLVED');

      const outbox = (await svc.outbox()).length;
      const res = await resolve(order, '2025-03', { approve: [visits[1]!.visitId], reject: [visits[2]!.visitId] });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ orderId: order.orderId, month: '2025-03', approvedVisits: 1, rejectedVisits: 1 });
      expect((await svc.outbox()).slice(outbox)).toEqual([
        {
          subject: 'kundval.billing.dispute.resolved.v1',
          payload: { orderId: order.orderId, applicationId: order.applicationId, customerId: order.customerId, providerId: 'tvist-omsorg', month: '2025-03', approvedVisits: 1, rejectedVisits: 1 },
        },
      ]);
      const listed = await inject('GET', `/orders/${order.orderId}/visits?month=2025-03`, caseHandler);
      expect(listed.json<Visit[]>().map((v) => v.status)).toEqual(['approved', 'approved', 'rejected']);
      const audit = await svc.db.selectFrom('audit_log').select('action').where('entity_id', '=', order.orderId).where('action', '=', 'disputes.resolved').execute();
      expect(audit).toHaveLength(1);

      const delta = await pay(order, '2025-03', 'dispute-resolution');
      expect(delta.statusCode).toBe(201);
      // Only the hour found delivered: 60 weekday minutes at 310 kr/h; the rejected hour is never paid.
      expect(delta.json()).toMatchObject({
        amountOre: 31_000,
        previouslyPaidOre: 31_000,
        payableOre: 62_000,
        basis: 'dispute-resolution',
        lines: [{ kind: 'care', band: 'weekday-day', orePerHour: 31_000, minutes: 60, amountOre: 31_000 }],
      });
      // The first payment is as it was: corrections add rows, never edit one.
      const rows = await svc.db.selectFrom('provider_payments').select(['basis', 'amount_ore']).where('order_id', '=', order.orderId).orderBy('created_at').execute();
      expect(rows).toEqual([
        { basis: 'approval', amount_ore: 31_000 },
        { basis: 'dispute-resolution', amount_ore: 31_000 },
      ]);
      // Asked again, the approval basis now finds nothing more to pay... but answers with the payment it made.
      expect((await pay(order, '2025-03')).json<Payment>().paymentId).toBe(first.json<Payment>().paymentId);

      const twice = await resolve(order, '2025-03', { approve: [visits[1]!.visitId], reject: [visits[2]!.visitId] });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error).toBe('BILLING.DISPUTE_RESOLVED');
    });

    it.each([
      ['leaves a disputed visit unresolved', (v: Visit[]) => ({ approve: [v[1]!.visitId] }), 'BILLING.DISPUTES_UNRESOLVED', 'body'],
      ['names a visit that is not disputed', (v: Visit[]) => ({ approve: [v[0]!.visitId, v[1]!.visitId], reject: [v[2]!.visitId] }), 'BILLING.NOT_DISPUTED', 'body.approve.0'],
      ['lists a visit twice', (v: Visit[]) => ({ approve: [v[1]!.visitId, v[2]!.visitId], reject: [v[2]!.visitId] }), 'BILLING.RESOLVED_TWICE', 'body.reject.0'],
      ['names something that is not a visit id', () => ({ approve: ['v-1'] }), 'VALIDATION', 'body.approve.0'],
      ['sends a list that is not a list', () => ({ reject: 'all' }), 'VALIDATION', 'body.reject'],
    ])('refuses a resolution that %s with 400 naming the field, and stores nothing', async (_what, body, code, field) => {
      const { order, visits } = await disputedMarch('tvist-omsorg');
      const before = await tableCounts(svc.db);
      const res = await resolve(order, '2025-03', body(visits));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe(code);
      expect(fieldsOf(res)).toContain(field);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('answers 400 for a bad month, 401 without a token, 403 to anyone but a case handler, 404 for an unknown order, storing nothing', async () => {
      const { order, visits } = await disputedMarch('tvist-omsorg');
      const body = { approve: [visits[1]!.visitId], reject: [visits[2]!.visitId] };
      const before = await tableCounts(svc.db);
      expect(fieldsOf(await resolve(order, '2025-3', body))).toContain('params.month');
      expect((await resolve(order, '2025-03', body, {})).statusCode).toBe(401);
      for (const who of [await citizenOf(order), await providerOf(order), finance, system]) expect((await resolve(order, '2025-03', body, who)).statusCode).toBe(403);
      const missing = await resolve({ ...order, orderId: UNKNOWN }, '2025-03', body);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('BILLING.ORDER_NOT_FOUND');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a month not yet approved and a month without disputes with 409, storing nothing', async () => {
      const order = await placeOrder(svc.db, { providerId: 'tvist-omsorg' });
      await report(order, [visit('2025-03-10', '08:00', '09:00')]);
      const before = await tableCounts(svc.db);
      const open = await resolve(order, '2025-03', { approve: [] });
      expect(open.statusCode).toBe(409);
      expect(open.json().error).toBe('BILLING.MONTH_NOT_APPROVED');
      await approve(order, '2025-03');
      const counted = await tableCounts(svc.db);
      const none = await resolve(order, '2025-03', { approve: [] });
      expect(none.statusCode).toBe(409);
      expect(none.json().error).toBe('BILLING.NO_DISPUTE');
      expect(await tableCounts(svc.db)).toEqual(counted);
      expect(counted['dispute_resolutions']).toBe(before['dispute_resolutions']);
    });
  });

  describe('POST /provider-payments as corrections', () => {
    it("pays a provider's orders of a month so that they add up to its statement, rounded once per line (DOMAIN.md §2)", async () => {
      // One minute at 310 kr/h is 516.67 öre: rounded per order it would be 517 + 517; over the provider's line it is 1 033.
      const a = await placeOrder(svc.db, { providerId: 'rund-omsorg' });
      const b = await placeOrder(svc.db, { providerId: 'rund-omsorg' });
      for (const o of [a, b]) {
        await report(o, [visit('2025-03-12', '08:00', '08:01')]);
        await approve(o, '2025-03');
      }
      expect((await pay(a, '2025-03')).json().amountOre).toBe(517);
      expect((await pay(b, '2025-03')).json().amountOre).toBe(516);
      const statement = await inject('GET', '/providers/rund-omsorg/statements/2025-03', finance);
      expect(statement.json()).toMatchObject({ totalOre: 1033, paidOre: 1033, outstandingOre: 0, lines: [{ kind: 'care', band: 'weekday-day', minutes: 2, amountOre: 1033 }] });
    });

    it('refuses a basis that does not fit the order (400 naming body.basis) or is unknown, storing nothing', async () => {
      const { order } = await disputedMarch('tvist-omsorg');
      const before = await tableCounts(svc.db);
      for (const basis of ['occupancy', 'attendance', 'whim']) {
        const res = await pay(order, '2025-03', basis);
        expect(res.statusCode).toBe(400);
        expect(fieldsOf(res)).toContain('body.basis');
      }
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('pays each provider for its own visits in a month with a switch, and charges the customer one fee across both', async () => {
      const first = await placeOrder(svc.db, { providerId: 'byte-fran', providerKind: 'private', validFrom: '2025-03-01', validTo: '2025-06-30' });
      const second = await placeOrder(svc.db, { providerId: 'byte-till', providerKind: 'municipal', customerId: first.customerId, validFrom: '2025-03-16', validTo: '2025-06-30' });
      await endOrder(svc.db, first, '2025-03-15');
      const late = await inject('POST', `/orders/${first.orderId}/visits`, await providerOf(first), { visits: [visit('2025-03-17', '08:00', '09:00')] });
      expect(late.statusCode).toBe(400);
      expect(late.json()).toMatchObject({ error: 'BILLING.VISIT_OUTSIDE_ORDER', issues: [{ field: 'body.visits.0.start' }] });

      await report(first, [visit('2025-03-03', '08:00', '09:00')]);
      await report(second, [visit('2025-03-18', '08:00', '10:00')]);
      await approve(first, '2025-03');
      await approve(second, '2025-03');
      expect((await pay(first, '2025-03')).json()).toMatchObject({ providerId: 'byte-fran', amountOre: 31_000 });
      expect((await pay(second, '2025-03')).json()).toMatchObject({ providerId: 'byte-till', amountOre: 58_600 });

      const fee = await charge(first, '2025-03', `approval:${first.orderId}`);
      expect(fee.statusCode).toBe(201);
      // 3 approved hours across both orders × 312 kr.
      expect(fee.json()).toMatchObject({ approvedMinutes: 180, tariffOre: 93_600, feeOre: 93_600, totalFeeOre: 93_600, previouslyChargedOre: 0 });
      const again = await charge(second, '2025-03', `approval:${second.orderId}`);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toMatchObject({ feeOre: 0, totalFeeOre: 93_600, previouslyChargedOre: 93_600, ocrReference: null });
    });
  });

  describe('POST /fees over all areas', () => {
    it('charges a customer with home care and day activities in one month at most one maxtaxa', async () => {
      const homeCare = await placeOrder(svc.db, { providerId: 'maxtaxa-hem' });
      const day = await placeOrder(svc.db, { providerId: 'maxtaxa-dag', providerKind: 'municipal', customerId: homeCare.customerId, areaId: 'day-activities', level: 2 });
      // 8 hours of home care: 8 × 312 kr = 2 496 kr, under the 2025 maxtaxa of 2 642 kr.
      await report(homeCare, ['03', '04', '05', '06', '07', '10', '11', '12'].map((d) => visit(`2025-03-${d}`, '08:00', '09:00')));
      await approve(homeCare, '2025-03');
      const first = await charge(homeCare, '2025-03', `approval:${homeCare.orderId}`);
      expect(first.json()).toMatchObject({ feeOre: 249_600, appliedCap: 'tariff', totalFeeOre: 249_600 });
      expect(isValidOcrReference(first.json().ocrReference)).toBe(true);

      // Three attendance days at the day fee of 312 kr: 936 kr more tariff, but one maxtaxa covers both areas.
      const days = await inject('POST', `/orders/${day.orderId}/attendance`, await providerOf(day), { days: ['2025-03-04', '2025-03-05', '2025-03-06'] });
      expect(days.statusCode, days.body).toBe(201);
      await approve(day, '2025-03');
      const second = await charge(day, '2025-03', `approval:${day.orderId}`);
      expect(second.statusCode).toBe(201);
      expect(second.json()).toMatchObject({
        approvedMinutes: 480,
        attendanceDays: 3,
        tariffOre: 343_200,
        maxtaxaOre: 264_200,
        totalFeeOre: 264_200,
        previouslyChargedOre: 249_600,
        feeOre: 14_600,
        appliedCap: 'maxtaxa',
      });
      expect(second.json().perArea.reduce((s: number, a: { feeOre: number }) => s + a.feeOre, 0)).toBe(264_200);
      const invoices = await inject('GET', `/customers/${homeCare.customerId}/invoices`, finance);
      expect(invoices.json().reduce((s: number, i: { feeOre: number }) => s + i.feeOre, 0)).toBe(264_200);

      // The day-activity provider is paid per attendance day at level 2 (850 kr, municipal).
      const paid = await pay(day, '2025-03', 'attendance');
      expect(paid.json()).toMatchObject({ amountOre: 255_000, lines: [], unitLines: [{ areaId: 'day-activities', level: '2', orePerUnit: 85_000, units: 3, amountOre: 255_000 }] });
    });
  });

  describe('a correction after the payment file went to the bank', () => {
    it('is booked as a delta in the next open period, for the payment and the fee alike, and batched and exported there', async () => {
      const order = await placeOrder(svc.db, { providerId: 'stangd-manad' });
      const visits = await report(order, [visit('2025-05-06', '08:00', '09:00', 'care', '+02:00'), visit('2025-05-07', '08:00', '09:00', 'care', '+02:00')]);
      await approve(order, '2025-05', [visits[1]!.visitId]);
      const paid = await pay(order, '2025-05');
      expect(paid.json()).toMatchObject({ amountOre: 31_000, periodMonth: '2025-05' });
      const fee = await charge(order, '2025-05', `approval:${order.orderId}`);
      expect(fee.json()).toMatchObject({ feeOre: 31_200, periodMonth: '2025-05' });

      expect((await inject('PUT', '/providers/stangd-manad/account', finance, { name: 'Stängd Månad AB', bankgiro: '5050-1055' })).statusCode).toBe(200);
      const batch = await inject('POST', '/payment-batches', finance, { month: '2025-05' });
      expect(batch.statusCode, batch.body).toBe(201);
      expect(batch.json().items.map((i: { paymentId: string }) => i.paymentId)).toEqual([paid.json().paymentId]);
      expect((await inject('POST', `/payment-batches/${batch.json().batchId}/sent`, finance)).statusCode).toBe(200);

      await resolve(order, '2025-05', { approve: [visits[1]!.visitId] });
      const correction = await pay(order, '2025-05', 'dispute-resolution');
      expect(correction.statusCode).toBe(201);
      expect(correction.json()).toMatchObject({ month: '2025-05', periodMonth: '2025-06', amountOre: 31_000, previouslyPaidOre: 31_000, payableOre: 62_000 });
      const feeCorrection = await charge(order, '2025-05', `dispute-resolution:${order.orderId}`);
      expect(feeCorrection.json()).toMatchObject({ month: '2025-05', periodMonth: '2025-06', feeOre: 31_200, totalFeeOre: 62_400, previouslyChargedOre: 31_200 });
      expect(isValidOcrReference(feeCorrection.json().ocrReference)).toBe(true);

      // The paid rows are as they were.
      const paidRow = await svc.db.selectFrom('provider_payments').select(['amount_ore', 'period_month']).where('payment_id', '=', paid.json().paymentId).executeTakeFirstOrThrow();
      expect(paidRow).toEqual({ amount_ore: 31_000, period_month: '2025-05' });

      const june = await inject('POST', '/payment-batches', finance, { month: '2025-06' });
      expect(june.statusCode, june.body).toBe(201);
      expect(june.json().items.map((i: { paymentId: string }) => i.paymentId)).toEqual([correction.json().paymentId]);
      const sie = await inject('GET', '/exports/sie?month=2025-06', finance);
      expect(sie.statusCode).toBe(200);
      expect(parseSie(sie.rawPayload).vouchers.map((v) => v.text)).toEqual([`Ersättning 2025-05 stangd-manad order ${order.orderId}`, expect.stringMatching(/^Avgift 2025-05 faktura \d+ OCR \d+$/)]);
      const byPeriod = await inject('GET', '/invoices?month=2025-06&by=period', finance);
      expect(byPeriod.json().invoices.map((i: { invoiceId: string }) => i.invoiceId)).toEqual([feeCorrection.json().invoiceId]);
    });
  });

  describe('GET /invoices/:invoiceId and GET /invoices', () => {
    it("shows a citizen their own invoice and finance any, answers another citizen's as not found (404), refuses a case handler (403), and answers 404, 400 and 401", async () => {
      const order = await placeOrder(svc.db, { providerId: 'faktura-omsorg' });
      await report(order, [visit('2025-03-20', '08:00', '09:00')]);
      await approve(order, '2025-03');
      const invoice = (await charge(order, '2025-03')).json();
      const own = await inject('GET', `/invoices/${invoice.invoiceId}`, await citizenOf(order));
      expect(own.statusCode).toBe(200);
      expect(own.json()).toEqual(invoice);
      expect((await inject('GET', `/invoices/${invoice.invoiceId}`, finance)).json()).toEqual(invoice);
      expect((await inject('GET', `/invoices/${invoice.invoiceId}`, await svc.as({ role: 'citizen', customerId: UNKNOWN }))).statusCode).toBe(404);
      expect((await inject('GET', `/invoices/${invoice.invoiceId}`, caseHandler)).statusCode).toBe(403);
      expect((await inject('GET', `/invoices/${invoice.invoiceId}`, {})).statusCode).toBe(401);
      const missing = await inject('GET', `/invoices/${UNKNOWN}`, finance);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('BILLING.INVOICE_NOT_FOUND');
      expect(fieldsOf(await inject('GET', '/invoices/42', finance))).toContain('params.invoiceId');
    });

    it('lists the invoices of a service month for finance a page at a time', async () => {
      const all: string[] = [];
      let after: number | null = null;
      do {
        const page = await inject('GET', `/invoices?month=2025-03&limit=2${after === null ? '' : `&after=${after}`}`, finance);
        expect(page.statusCode).toBe(200);
        const body = page.json<{ invoices: Array<{ invoiceId: string; month: string }>; nextAfter: number | null }>();
        expect(body.invoices.length).toBeLessThanOrEqual(2);
        expect(body.invoices.every((i) => i.month === '2025-03')).toBe(true);
        all.push(...body.invoices.map((i) => i.invoiceId));
        after = body.nextAfter;
      } while (after !== null);
      const stored = await svc.db.selectFrom('fee_invoices').select('invoice_id').where('month', '=', '2025-03').execute();
      expect(all.sort()).toEqual(stored.map((s) => s.invoice_id).sort());
      expect(fieldsOf(await inject('GET', '/invoices?month=2025-3', finance))).toContain('querystring.month');
      expect(fieldsOf(await inject('GET', '/invoices?month=2025-03&limit=0', finance))).toContain('querystring.limit');
      expect((await inject('GET', '/invoices?month=2025-03', caseHandler)).statusCode).toBe(403);
      expect((await inject('GET', '/invoices?month=2025-03', {})).statusCode).toBe(401);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer to a command sent again with the same key, without acting twice', async () => {
      const order = await placeOrder(svc.db, { providerId: 'nyckel-omsorg' });
      const sent = visit('2025-03-24', '08:00', '09:00');
      const headers = { ...(await providerOf(order)), 'idempotency-key': 'report-1' };
      const first = await inject('POST', `/orders/${order.orderId}/visits`, headers, { visits: [sent] });
      expect(first.statusCode).toBe(201);
      const before = await tableCounts(svc.db);
      const again = await inject('POST', `/orders/${order.orderId}/visits`, headers, { visits: [sent] });
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      expect(await tableCounts(svc.db)).toEqual(before);

      const other = await inject('POST', `/orders/${order.orderId}/visits`, headers, { visits: [visit('2025-03-25', '08:00', '09:00')] });
      expect(other.statusCode).toBe(422);
      expect(other.json()).toMatchObject({ error: 'IDEMPOTENCY.KEY_REUSED', issues: [{ field: 'headers.idempotency-key' }] });
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('does not keep a refusal: the same key acts once the cause is gone', async () => {
      const order = await placeOrder(svc.db, { providerId: 'nyckel-omsorg' });
      await report(order, [visit('2025-03-26', '08:00', '09:00')]);
      const headers = { ...system, 'idempotency-key': `pay-${order.orderId}` };
      const early = await inject('POST', '/provider-payments', headers, { orderId: order.orderId, month: '2025-03' });
      expect(early.statusCode).toBe(409);
      expect(await svc.db.selectFrom('idempotency_keys').select('key').where('key', '=', `pay-${order.orderId}`).execute()).toEqual([]);
      await approve(order, '2025-03');
      const paid = await inject('POST', '/provider-payments', headers, { orderId: order.orderId, month: '2025-03' });
      expect(paid.statusCode).toBe(201);
      const replay = await inject('POST', '/provider-payments', headers, { orderId: order.orderId, month: '2025-03' });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json()).toEqual(paid.json());
    });

    it('refuses a malformed key with 400 naming the header, storing nothing', async () => {
      const before = await tableCounts(svc.db);
      const res = await inject('POST', '/fees', { ...system, 'idempotency-key': 'ä'.repeat(3) }, { customerId: UNKNOWN, applicationId: UNKNOWN, month: '2025-03' });
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res)).toContain('headers.idempotency-key');
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });
});
