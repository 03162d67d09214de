import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidOcrReference } from '@kundval/domain';
import { testEngines } from '@kundval/platform/testing';
import { parseSie } from '../../finance/sie-parse.js';
import { camt054Xml } from '../../finance/test-support/bank-files.js';
import { changeOrder, placeOrder, startFullBilling, type FullBilling } from '../../test-support/corrections.js';

/** The demo vouchers (öre per day) of the nursing home's municipal levels 2 and 5. */
const HOME_L2 = 162_000;
const HOME_L5 = 234_000;
const DAY = 86_400_000;

describe.each(testEngines())('invoicing a provider back for credits no payment came to set off against, on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;
  let finance: Record<string, string>;
  // The service's today is 61 days after the credits are made (their created_at is the database's now).
  const later = new Date(Date.now() + 61 * DAY);
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm' }).format(d);

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_provider_invoices', { clock: () => later });
    [system, finance] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'finance' })]);
  });
  afterAll(() => svc?.close());

  const post = (url: string, headers: Record<string, string>, payload: unknown) => svc.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });

  it('invoices the credit 60 days on with an OCR, takes it out of the batches, and matches the provider’s payment by the OCR', async () => {
    expect((await svc.app.inject({ method: 'PUT', url: '/providers/faktura-hem/account', headers: finance, payload: { name: 'Faktura Hem AB', bankgiro: '5050-1055' } })).statusCode).toBe(200);
    const home = await placeOrder(svc.db, { providerId: 'faktura-hem', providerKind: 'municipal', areaId: 'nursing-home', level: 5 });
    expect((await post(`/orders/${home.orderId}/occupancy`, await svc.as({ role: 'provider', providerId: 'faktura-hem' }), { kind: 'moved-in', from: '2025-04-01' })).statusCode).toBe(201);
    expect((await post('/provider-payments', system, { orderId: home.orderId, month: '2025-04', basis: 'occupancy' })).json().amountOre).toBe(30 * HOME_L5);
    expect((await post('/payment-batches', finance, { month: '2025-04' })).statusCode).toBe(201);
    // Level 2 from 2 April, and the resident's stay ends: no payment will come to set the credit against.
    await changeOrder(svc.db, home, { effectiveFrom: '2025-04-02', validTo: '2025-12-31', level: 2 });
    const credit = await post('/provider-payments', system, { orderId: home.orderId, month: '2025-04', basis: 'decision-change:2025-04-02' });
    expect(credit.json().amountOre).toBe(29 * (HOME_L2 - HOME_L5));

    // 59 days on it still waits; 60 days on it is invoiced.
    const early = await post('/provider-credits/invoices', finance, { asOf: day(new Date(Date.now() + 59 * DAY)), dryRun: true });
    expect(early.statusCode, early.body).toBe(200);
    expect(early.json().invoices).toEqual([]);
    const asOf = day(later);
    const issued = await post('/provider-credits/invoices', finance, { asOf });
    expect(issued.statusCode, issued.body).toBe(200);
    expect(issued.json().invoices).toEqual([
      {
        invoiceId: expect.any(String),
        invoiceNumber: 1,
        providerId: 'faktura-hem',
        amountOre: 2_088_000,
        ocrReference: expect.stringMatching(/^8\d+$/),
        dueDate: expect.any(String),
        credits: [{ paymentId: credit.json().paymentId, orderId: home.orderId, month: '2025-04', amountOre: -2_088_000 }],
      },
    ]);
    const invoice = issued.json().invoices[0];
    expect(isValidOcrReference(invoice.ocrReference)).toBe(true);
    // Asked again: nothing more to invoice; the credit has left the outstanding list.
    expect((await post('/provider-credits/invoices', finance, { asOf })).json().invoices).toEqual([]);
    expect((await svc.app.inject({ method: 'GET', url: '/provider-credits?providerId=faktura-hem', headers: finance })).json()).toEqual([]);
    const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role']).where('action', '=', 'provider-invoice.issued').execute();
    expect(audit).toEqual([{ action: 'provider-invoice.issued', actor_role: 'finance' }]);

    // The provider pays 20 880 kr by the OCR.
    const file = camt054Xml({ messageId: `PROVINV-${engine}`, entries: [{ amount: '20880.00', bookingDate: asOf, transactions: [{ amount: '20880.00', ocr: invoice.ocrReference, reference: `PI-${engine}-1` }] }] });
    const paid = await svc.app.inject({ method: 'POST', url: '/incoming-payments/camt054', headers: { ...finance, 'content-type': 'application/xml' }, payload: file });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json().payments).toMatchObject([{ status: 'matched', invoiceId: invoice.invoiceId, invoiceNumber: 1, appliedOre: 2_088_000, creditOre: 0, invoiceStatus: 'paid', invoiceBalanceOre: 0 }]);
    const listed = await svc.app.inject({ method: 'GET', url: '/provider-invoices?providerId=faktura-hem', headers: finance });
    expect(listed.json()).toMatchObject([{ invoiceId: invoice.invoiceId, amountOre: 2_088_000, paidOre: 2_088_000, balanceOre: 0, status: 'paid' }]);

    // The ledger: the credit owed on paper becomes a receivable, and the payment settles it.
    const sie = parseSie((await svc.app.inject({ method: 'GET', url: `/exports/sie?month=${asOf.slice(0, 7)}`, headers: finance })).rawPayload);
    const voucher = sie.vouchers.find((v) => v.text.startsWith('Faktura faktura-hem'));
    expect(voucher?.text).toBe(`Faktura faktura-hem krediteringar faktura 1 OCR ${invoice.ocrReference}`);
    expect(voucher?.transactions.map((t) => [t.account, t.amountOre])).toEqual([
      ['1510', 2_088_000],
      ['2440', -2_088_000],
    ]);
    const payment = sie.vouchers.find((v) => v.text.startsWith('Inbetalning leverantörsfaktura'));
    expect(payment?.transactions.map((t) => [t.account, t.amountOre])).toEqual([
      ['1930', 2_088_000],
      ['1510', -2_088_000],
    ]);
  });
});
