import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidOcrReference } from '@kundval/domain';
import { testEngines } from '@kundval/platform/testing';
import { parseSie } from '../../finance/sie-parse.js';
import { camt054Xml } from '../../finance/test-support/bank-files.js';
import { orderRequests, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../../test-support/corrections.js';

/**
 * Fees charged too high (ADR 0039). The hourly fee is 312 kr: three weekday hours are a tariff of
 * 936 kr. A fee basis of 15 747 kr net income and 8 000 kr housing leaves a fee room of 500 kr in
 * 2025 (the single person's minimum amount is 7 247 kr).
 */
const LOWER_BASIS = { netIncomeOre: 1_574_700, housingCostOre: 800_000, household: 'single' };

describe.each(testEngines())('fee credits: credit notes, set-off against the next invoice, payback on %s', (engine) => {
  let svc: FullBilling;
  let now = new Date('2025-05-10T09:00:00Z');
  let system: Record<string, string>;
  let finance: Record<string, string>;
  let caseHandler: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_fee_credits', { clock: () => now });
    [system, finance, caseHandler] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'finance' }), svc.as({ role: 'case-handler' })]);
  });
  afterAll(() => svc?.close());

  const { inject, citizenOf, report, approve } = orderRequests(() => svc);
  const charge = (order: PlacedOrder, month: string, basis: string, headers = system) => inject('POST', '/fees', headers, { customerId: order.customerId, applicationId: order.applicationId, month, basis });
  const threeHours = (month: string) => [visit(`${month}-03`, '08:00', '09:00'), visit(`${month}-04`, '08:00', '09:00'), visit(`${month}-05`, '08:00', '09:00')];

  it('credits a month whose fee is now lower, sets the credit off against the next invoice, and the customer pays the rest by its OCR', async () => {
    const order = await placeOrder(svc.db, { providerId: 'kredit-omsorg' });
    await report(order, threeHours('2025-03'));
    await approve(order, '2025-03');
    const march = await charge(order, '2025-03', `approval:${order.orderId}`);
    expect(march.statusCode, march.body).toBe(201);
    expect(march.json()).toMatchObject({ feeOre: 93_600, appliedCap: 'tariff', setOffOre: 0, toPayOre: 93_600, cause: null });

    // The case handler learns of a lower income; finance charges March again on the new basis.
    expect((await inject('PUT', `/customers/${order.customerId}/fee-basis`, caseHandler, LOWER_BASIS)).statusCode).toBe(200);
    const outbox = (await svc.outbox()).length;
    const credit = await charge(order, '2025-03', 'fee-basis-change', finance);
    expect(credit.statusCode, credit.body).toBe(201);
    expect(credit.json()).toMatchObject({ feeOre: -43_600, totalFeeOre: 50_000, previouslyChargedOre: 93_600, appliedCap: 'fee-room', ocrReference: null, setOffOre: 0, toPayOre: 0, cause: 'fee-room-lowered' });
    // v2 carries the signed amount; v1 promises its consumers a non-negative one and is not sent.
    expect((await svc.outbox()).slice(outbox)).toEqual([
      {
        subject: 'kundval.billing.fee.charged.v2',
        payload: {
          invoiceId: credit.json().invoiceId,
          applicationId: order.applicationId,
          customerId: order.customerId,
          month: '2025-03',
          feeOre: -43_600,
          appliedCap: 'fee-room',
          ocrReference: null,
          setOffOre: 0,
          toPayOre: 0,
          cause: 'fee-room-lowered',
        },
      },
    ]);
    const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role']).where('entity_id', '=', order.customerId).where('action', '=', 'fee.credited').execute();
    expect(audit).toEqual([{ action: 'fee.credited', actor_role: 'finance' }]);

    // April: three hours again, capped by the fee room at 500 kr; 436 kr of it is the March credit.
    await report(order, threeHours('2025-04'));
    await approve(order, '2025-04');
    const april = await charge(order, '2025-04', `approval:${order.orderId}`);
    expect(april.statusCode, april.body).toBe(201);
    expect(april.json()).toMatchObject({ feeOre: 50_000, appliedCap: 'fee-room', setOffOre: 43_600, toPayOre: 6_400, cause: null });
    expect(isValidOcrReference(april.json().ocrReference)).toBe(true);
    const aprilEvent = (await svc.outbox()).filter((e) => e.subject === 'kundval.billing.fee.charged.v2').at(-1);
    expect(aprilEvent?.payload).toMatchObject({ feeOre: 50_000, setOffOre: 43_600, toPayOre: 6_400 });

    // The customer pays 64 kr by the OCR: the invoice is paid, not part-paid.
    const file = camt054Xml({ messageId: `FEECREDIT-${engine}`, entries: [{ amount: '64.00', bookingDate: '2025-05-20', transactions: [{ amount: '64.00', ocr: april.json().ocrReference, reference: `FC-${engine}-1` }] }] });
    const paid = await svc.app.inject({ method: 'POST', url: '/incoming-payments/camt054', headers: { ...finance, 'content-type': 'application/xml' }, payload: file });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json().payments).toMatchObject([{ status: 'matched', appliedOre: 6_400, creditOre: 0, invoiceStatus: 'paid', invoiceBalanceOre: 0 }]);

    // The customer's statement: the charge, the credit note with its cause, the set-off, the payment.
    const statement = await inject('GET', `/customers/${order.customerId}/fee-statement`, await citizenOf(order));
    expect(statement.statusCode, statement.body).toBe(200);
    const body = statement.json();
    expect(body.lines.map((l: Record<string, unknown>) => [l.month, l.kind, l.feeOre, l.cause, l.setOffOre, l.paidOre, l.toPayOre, l.balanceOre])).toEqual([
      ['2025-03', 'charge', 93_600, null, 0, 0, 93_600, 93_600],
      ['2025-03', 'credit-note', -43_600, 'fee-room-lowered', 0, 0, 0, 0],
      ['2025-04', 'charge', 50_000, null, 43_600, 6_400, 6_400, 0],
    ]);
    expect(body.lines[2].setOffs).toEqual([{ creditInvoiceNumber: credit.json().invoiceNumber, amountOre: 43_600 }]);
    expect(body.credits).toMatchObject([{ creditId: credit.json().invoiceId, month: '2025-03', cause: 'fee-room-lowered', amountOre: 43_600, setOffOre: 43_600, remainingOre: 0, returnedOre: 0, status: 'set-off' }]);
    expect([body.openCreditOre, body.toReturnOre, body.balanceOre]).toEqual([0, 0, 93_600]);

    // Another citizen may not read it.
    const stranger = await svc.as({ role: 'citizen', customerId: '00000000-0000-4000-8000-000000000001' });
    expect((await inject('GET', `/customers/${order.customerId}/fee-statement`, stranger)).statusCode).toBe(403);

    // The ledger: the credit note takes the revenue back onto customer credits; the set-off settles the April receivable.
    const sie = parseSie((await inject('GET', '/exports/sie?month=2025-03', finance)).rawPayload);
    const creditVoucher = sie.vouchers.find((v) => v.text.startsWith(`Kreditering avgift 2025-03 faktura ${credit.json().invoiceNumber}`));
    expect(creditVoucher?.text).toBe(`Kreditering avgift 2025-03 faktura ${credit.json().invoiceNumber} (lägre avgiftsutrymme)`);
    expect(creditVoucher?.transactions.map((t) => [t.account, t.amountOre])).toEqual([
      ['3010', 43_600],
      ['2420', -43_600],
    ]);
    const aprilSie = parseSie((await inject('GET', '/exports/sie?month=2025-04', finance)).rawPayload);
    const setOff = aprilSie.vouchers.find((v) => v.text.startsWith('Kvittning kredit'));
    expect(setOff?.text).toBe(`Kvittning kredit faktura ${credit.json().invoiceNumber} mot faktura ${april.json().invoiceNumber}`);
    expect(setOff?.transactions.map((t) => [t.account, t.amountOre])).toEqual([
      ['2420', 43_600],
      ['1510', -43_600],
    ]);
  });

  it("sets an open credit off against the invoice the monthly billing run makes, and announces it signed (feeCharged v2)", async () => {
    now = new Date('2025-12-10T09:00:00Z');
    const order = await placeOrder(svc.db, { providerId: 'korning-omsorg' });
    await report(order, threeHours('2025-09'));
    await approve(order, '2025-09');
    expect((await charge(order, '2025-09', `approval:${order.orderId}`)).json()).toMatchObject({ feeOre: 93_600 });
    await inject('PUT', `/customers/${order.customerId}/fee-basis`, caseHandler, LOWER_BASIS);
    expect((await charge(order, '2025-09', 'fee-basis-change', finance)).json()).toMatchObject({ feeOre: -43_600, cause: 'fee-room-lowered' });

    // October is approved but not charged by the journey: the run charges it, less the credit.
    await report(order, threeHours('2025-10'));
    await approve(order, '2025-10');
    const outbox = (await svc.outbox()).length;
    const run = await inject('POST', '/billing-runs', finance, { month: '2025-10' });
    expect(run.statusCode, run.body).toBe(201);
    const invoices = await inject('GET', `/customers/${order.customerId}/invoices`, finance);
    const october = invoices.json().find((i: { month: string }) => i.month === '2025-10');
    expect(october).toMatchObject({ feeOre: 50_000, setOffOre: 43_600, toPayOre: 6_400, cause: null });
    expect(isValidOcrReference(october.ocrReference)).toBe(true);
    const v2 = (await svc.outbox()).slice(outbox).filter((e) => e.subject === 'kundval.billing.fee.charged.v2');
    expect(v2.map((e) => e.payload)).toContainEqual(expect.objectContaining({ invoiceId: october.invoiceId, feeOre: 50_000, setOffOre: 43_600, toPayOre: 6_400, ocrReference: october.ocrReference }));
  });

  it('releases a credit no invoice took within FEE_CREDIT_SETOFF_DAYS for payback, once', async () => {
    now = new Date('2025-05-10T09:00:00Z');
    const order = await placeOrder(svc.db, { providerId: 'aterbetala-omsorg' });
    await report(order, threeHours('2025-03'));
    await approve(order, '2025-03');
    expect((await charge(order, '2025-03', `approval:${order.orderId}`)).json()).toMatchObject({ feeOre: 93_600 });
    await inject('PUT', `/customers/${order.customerId}/fee-basis`, caseHandler, LOWER_BASIS);
    const credit = (await charge(order, '2025-03', 'fee-basis-change', finance)).json();
    expect(credit).toMatchObject({ feeOre: -43_600, cause: 'fee-room-lowered' });

    // 89 days on it still waits for an invoice; the 90th day it is released.
    now = new Date('2025-08-07T09:00:00Z');
    const tooEarly = await inject('POST', '/fee-credits/payback', finance, { asOf: '2025-08-07' });
    expect(tooEarly.statusCode, tooEarly.body).toBe(200);
    expect(tooEarly.json().released.filter((c: { creditId: string }) => c.creditId === credit.invoiceId)).toEqual([]);
    const future = await inject('POST', '/fee-credits/payback', finance, { asOf: '2025-08-08' });
    expect(future.statusCode).toBe(400);
    expect(future.json()).toMatchObject({ error: 'BILLING.PAYBACK_DATE_FUTURE' });

    now = new Date('2025-08-08T09:00:00Z');
    const released = await inject('POST', '/fee-credits/payback', finance, { asOf: '2025-08-08' });
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json().released.filter((c: { creditId: string }) => c.creditId === credit.invoiceId)).toEqual([
      { creditId: credit.invoiceId, customerId: order.customerId, month: '2025-03', cause: 'fee-room-lowered', amountOre: 43_600, returnedOre: 43_600, createdOn: '2025-05-10' },
    ]);
    const again = await inject('POST', '/fee-credits/payback', finance, { asOf: '2025-08-08' });
    expect(again.json().released.filter((c: { creditId: string }) => c.creditId === credit.invoiceId)).toEqual([]);
    const toReturn = await inject('GET', '/fee-credits?status=to-return', finance);
    expect(toReturn.json().filter((c: { creditId: string }) => c.creditId === credit.invoiceId)).toMatchObject([{ status: 'to-return', returnedOre: 43_600, remainingOre: 0, returnDecidedOn: '2025-08-08' }]);
    const audit = await svc.db.selectFrom('audit_log').select('action').where('entity_id', '=', order.customerId).where('action', '=', 'fee-credit.released-for-payback').execute();
    expect(audit).toHaveLength(1);

    // Released, it is no longer set off: a later invoice is paid in full.
    await report(order, threeHours('2025-06').map((v) => ({ ...v, start: v.start.replace('+01:00', '+02:00'), end: v.end.replace('+01:00', '+02:00') })));
    await approve(order, '2025-06');
    expect((await charge(order, '2025-06', `approval:${order.orderId}`)).json()).toMatchObject({ feeOre: 50_000, setOffOre: 0, toPayOre: 50_000 });
  });
});
