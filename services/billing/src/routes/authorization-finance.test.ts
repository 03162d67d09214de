import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrReference } from '@kundval/domain';
import {
  accessByRoute,
  authorizationCases,
  callAs,
  testEngines,
  type AllowedEffect,
  type AuthorizationCase,
  type MatrixOwners,
  type MatrixRequest,
  type RouteAccess,
  expectAuthorizationOutcome,
} from '@kundval/platform/testing';
import { bgmax, camt054Xml, pain002Xml } from '../finance/test-support/bank-files.js';
import { seedFeeInvoice } from '../finance/test-support/billing-service.js';
import { DELIVERIES_RUNS_FOLLOW_UP, FEES_CREDITS_PAYMENTS, VISITS_SETTLEMENT_RATES } from '../test-support/authorization-matrix.js';
import { changeOrder, orderRequests, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../test-support/corrections.js';

const MATRIX = FEES_CREDITS_PAYMENTS;

/** The demo vouchers (öre per day) of the nursing home's municipal levels 2 and 5: a resident moved from 5 to 2 is credited 720 kr a day. */
const HOME_L2 = 162_000;
const HOME_L5 = 234_000;
/**
 * A fee basis of 15 747 kr net income and 8 000 kr housing leaves a fee room of 500 kr in 2025: a
 * month charged 936 kr (three hours at 312 kr) before is credited 436 kr (ADR 0039).
 */
const LOWER_BASIS = { netIncomeOre: 1_574_700, housingCostOre: 800_000, household: 'single' };
const DAY_MS = 86_400_000;

/**
 * The records every refused call is made against: the matrix's customer, charged 936 kr for March
 * and credited 436 kr of it on a lower fee basis, who paid 1 136 kr by the invoice's OCR (200 kr
 * too much, to return); the matrix's provider, a nursing home credited 20 880 kr for a lowered
 * level that no payment has set off; and another home invoiced back for such a credit (21 600
 * kr). A refusal must leave them as they were; an allowed command gets records of its own.
 */
type Fixture = MatrixOwners & { invoiceId: string; creditNoteId: string; ocrReference: string; paymentCreditId: string; providerInvoiceId: string; batchId: string; batchMessageId: string };
const REQUESTS: Record<string, (f: Fixture) => MatrixRequest> = {
  'GET /customers/:customerId/fee-statement': (f) => ({ method: 'GET', url: `/customers/${f.customerId}/fee-statement` }),
  'GET /fee-credits': () => ({ method: 'GET', url: '/fee-credits?status=open' }),
  'POST /fee-invoices/reminders': () => ({ method: 'POST', url: '/fee-invoices/reminders', payload: { asOf: '2026-10-31' } }),
  'POST /fee-credits/payback': () => ({ method: 'POST', url: '/fee-credits/payback', payload: {} }),
  'GET /provider-credits': () => ({ method: 'GET', url: '/provider-credits' }),
  'GET /providers/:providerId/credits': (f) => ({ method: 'GET', url: `/providers/${f.providerId}/credits` }),
  'POST /provider-credits/invoices': () => ({ method: 'POST', url: '/provider-credits/invoices', payload: {} }),
  'GET /provider-invoices': () => ({ method: 'GET', url: '/provider-invoices?providerId=faktura-hem' }),
  'POST /incoming-payments/bgmax': (f) => ({ method: 'POST', url: '/incoming-payments/bgmax', headers: { 'content-type': 'text/plain' }, payload: bgmaxFile('20250610061503000099', f.ocrReference, 10_000) }),
  'POST /incoming-payments/camt054': (f) => ({ method: 'POST', url: '/incoming-payments/camt054', headers: { 'content-type': 'application/xml' }, payload: camtFile('MATRIX-REFUSED', f.ocrReference, 10_000) }),
  'GET /incoming-payments': () => ({ method: 'GET', url: '/incoming-payments' }),
  'GET /customer-credits': () => ({ method: 'GET', url: '/customer-credits' }),
  'PUT /providers/:providerId/account': (f) => ({ method: 'PUT', url: `/providers/${f.providerId}/account`, payload: { name: 'Someone Else AB', bankgiro: '902-0900' } }),
  'POST /payment-batches': () => ({ method: 'POST', url: '/payment-batches', payload: { month: '2025-08' } }),
  'GET /payment-batches/:batchId': (f) => ({ method: 'GET', url: `/payment-batches/${f.batchId}` }),
  'GET /payment-batches/:batchId/pain001': (f) => ({ method: 'GET', url: `/payment-batches/${f.batchId}/pain001` }),
  'POST /payment-batches/:batchId/sent': (f) => ({ method: 'POST', url: `/payment-batches/${f.batchId}/sent` }),
  'POST /payment-batches/:batchId/status-report': (f) => ({ method: 'POST', url: `/payment-batches/${f.batchId}/status-report`, headers: { 'content-type': 'application/xml' }, payload: pain002Xml({ messageId: 'MATRIX-REFUSED', originalMessageId: f.batchMessageId, groupStatus: 'ACCP' }) }),
  'POST /payment-batches/:batchId/rejections': (f) => ({ method: 'POST', url: `/payment-batches/${f.batchId}/rejections`, payload: { rejections: [{ providerId: f.providerId, reason: 'AC01 wrong account number' }] } }),
  'POST /payment-batches/:batchId/retry': (f) => ({ method: 'POST', url: `/payment-batches/${f.batchId}/retry`, payload: {} }),
  'GET /exports/sie': () => ({ method: 'GET', url: '/exports/sie?month=2025-04' }),
};

/** A BgMax file of one payment of `ore` by the OCR `reference`, to the municipality's Bankgiro. */
function bgmaxFile(timestamp: string, reference: string, ore: number): string {
  return [
    bgmax.start(timestamp),
    bgmax.opening('56781234'),
    bgmax.payment({ reference, ore, serial: `${timestamp.slice(2, 8)}000001` }),
    bgmax.deposit({ account: '33001234567', date: timestamp.slice(0, 8), serial: '1', ore, count: 1 }),
    bgmax.end({ payments: 1, deposits: 1 }),
  ].join('\r\n');
}

/** A camt.054 notification of one payment of `ore` by the OCR `ocr`, booked 10 June 2025. */
function camtFile(messageId: string, ocr: string, ore: number): string {
  const amount = (ore / 100).toFixed(2);
  return camt054Xml({ messageId, entries: [{ amount, bookingDate: '2025-06-10', transactions: [{ amount, ocr, reference: `${messageId}-1` }] }] });
}

type Fresh = {
  /** A fee invoice of its own for 500 kr, made on 1 September 2026, unpaid: due 1 October, to be reminded 31 October. */
  overdueInvoice(): Promise<string>;
  /** A customer of its own credited 436 kr on 10 May 2025, the credit still open: released for payback from 8 August. */
  oldFeeCredit(): Promise<{ customerId: string; creditId: string }>;
  /** A nursing home of its own, credited for a lowered level 61 days ago with no payment to set it off: to invoice back. */
  oldProviderCredit(): Promise<{ providerId: string; paymentId: string }>;
  /** A fee invoice of its own for 500 kr with its OCR, unpaid. */
  openInvoice(): Promise<{ invoiceId: string; ocrReference: string }>;
  /** A provider id not used before. */
  provider(): string;
  /**
   * A nursing home of its own with its account, paid for August 2025 (31 days at level 5): `unbatched`
   * not yet in a batch, or its batch `created`, `sent` to the bank, or with its payment `rejected`
   * and the account corrected since.
   */
  august(state: 'unbatched' | 'created' | 'sent' | 'rejected'): Promise<{ providerId: string; paymentId: string; month: string; batchId?: string; messageId?: string }>;
};

/** The request of an allowed call: on fresh records wherever the call changes something. */
const ALLOWED_REQUESTS: Record<string, (f: Fixture, fresh: Fresh, c: AuthorizationCase) => Promise<MatrixRequest>> = {
  'POST /fee-invoices/reminders': async (_f, fresh) => {
    await fresh.overdueInvoice();
    return { method: 'POST', url: '/fee-invoices/reminders', payload: { asOf: '2026-10-31' } };
  },
  'POST /fee-credits/payback': async (_f, fresh) => {
    await fresh.oldFeeCredit();
    return { method: 'POST', url: '/fee-credits/payback', payload: {} };
  },
  'POST /provider-credits/invoices': async (_f, fresh) => {
    await fresh.oldProviderCredit();
    return { method: 'POST', url: '/provider-credits/invoices', payload: {} };
  },
  'POST /incoming-payments/bgmax': async (_f, fresh) => {
    const { ocrReference } = await fresh.openInvoice();
    return { method: 'POST', url: '/incoming-payments/bgmax', headers: { 'content-type': 'text/plain' }, payload: bgmaxFile('20250610061503000001', ocrReference, 50_000) };
  },
  'POST /incoming-payments/camt054': async (_f, fresh) => {
    const { ocrReference } = await fresh.openInvoice();
    return { method: 'POST', url: '/incoming-payments/camt054', headers: { 'content-type': 'application/xml' }, payload: camtFile('MATRIX-ALLOWED', ocrReference, 50_000) };
  },
  'PUT /providers/:providerId/account': async (_f, fresh) => ({ method: 'PUT', url: `/providers/${fresh.provider()}/account`, payload: { name: 'Matrix Omsorg AB', bankgiro: '902-0900' } }),
  'POST /payment-batches': async (_f, fresh) => ({ method: 'POST', url: '/payment-batches', payload: { month: (await fresh.august('unbatched')).month } }),
  'POST /payment-batches/:batchId/sent': async (_f, fresh) => ({ method: 'POST', url: `/payment-batches/${(await fresh.august('created')).batchId}/sent` }),
  'POST /payment-batches/:batchId/status-report': async (_f, fresh) => {
    const { batchId, messageId } = await fresh.august('sent');
    return { method: 'POST', url: `/payment-batches/${batchId}/status-report`, headers: { 'content-type': 'application/xml' }, payload: pain002Xml({ messageId: 'MATRIX-ALLOWED', originalMessageId: messageId!, groupStatus: 'ACCP' }) };
  },
  'POST /payment-batches/:batchId/rejections': async (_f, fresh) => {
    const { batchId, providerId } = await fresh.august('sent');
    return { method: 'POST', url: `/payment-batches/${batchId}/rejections`, payload: { rejections: [{ providerId, reason: 'AC01 wrong account number' }] } };
  },
  'POST /payment-batches/:batchId/retry': async (_f, fresh) => ({ method: 'POST', url: `/payment-batches/${(await fresh.august('rejected')).batchId}/retry`, payload: {} }),
};

/**
 * What each allowed call must do, exactly: its status, the rows it adds (an update shows as its
 * audit row), and the key fields of its answer. `last` holds what the latest fresh record was.
 */
type Last = { overdueInvoiceId?: string; feeCredit?: { customerId: string; creditId: string }; providerCredit?: { providerId: string; paymentId: string }; openInvoiceId?: string; provider?: string; august?: { providerId: string; paymentId: string; month: string; batchId?: string } };
/** The effect of an allowed call; `text` when the answer is a file rather than JSON. */
const EFFECTS: Record<string, (f: Fixture, c: AuthorizationCase, last: Last) => AllowedEffect> = {
  // The charge, the credit note with its cause, and the payment of the charge; the credit waits for a next invoice.
  'GET /customers/:customerId/fee-statement': (f) => ({
    status: 200,
    rows: {},
    body: {
      lines: [
        { month: '2025-03', kind: 'charge', feeOre: 93_600, cause: null, paidOre: 93_600, balanceOre: 0 },
        { month: '2025-03', kind: 'credit-note', feeOre: -43_600, cause: 'fee-room-lowered' },
      ],
      credits: [{ creditId: f.creditNoteId, month: '2025-03', cause: 'fee-room-lowered', amountOre: 43_600, setOffOre: 0, remainingOre: 43_600, status: 'open' }],
      openCreditOre: 43_600,
    },
  }),
  'GET /fee-credits': (f) => ({ status: 200, rows: {}, body: [{ creditId: f.creditNoteId, customerId: f.customerId, month: '2025-03', amountOre: 43_600, remainingOre: 43_600, status: 'open' }] }),
  // The fresh invoice's 500 kr, 30 days past its due date: one reminder, audited.
  'POST /fee-invoices/reminders': (_f, _c, last) => ({
    status: 200,
    rows: { audit_log: 1, fee_reminders: 1 },
    body: { asOf: '2026-10-31', dryRun: false, reminderDays: 30, reminded: [{ invoiceId: last.overdueInvoiceId, dueDate: '2026-10-01', paidOre: 0, balanceOre: 50_000, status: 'unpaid' }] },
  }),
  // The fresh credit, 90 days without an invoice to take it: released whole, audited; the matrix's own credit is days old and stays.
  'POST /fee-credits/payback': (_f, _c, last) => ({
    status: 200,
    rows: { audit_log: 1 },
    body: { dryRun: false, released: [{ creditId: last.feeCredit?.creditId, customerId: last.feeCredit?.customerId, month: '2025-03', cause: 'fee-room-lowered', amountOre: 43_600, returnedOre: 43_600, createdOn: '2025-05-10' }] },
  }),
  'GET /provider-credits': (f) => ({ status: 200, rows: {}, body: [{ providerId: f.providerId, outstandingOre: -2_088_000, credits: [{ paymentId: f.paymentCreditId, month: '2025-04', cause: 'decision-change:2025-04-02' }] }] }),
  'GET /providers/:providerId/credits': (f) => ({ status: 200, rows: {}, body: { providerId: f.providerId, outstandingOre: -2_088_000, credits: [{ paymentId: f.paymentCreditId, month: '2025-04' }] } }),
  // The fresh home's credit (29 days of June at 720 kr less), invoiced with an OCR; the matrix's provider's credit is days old and stays.
  'POST /provider-credits/invoices': (_f, _c, last) => ({
    status: 200,
    rows: { audit_log: 1, provider_invoice_items: 1, provider_invoices: 1 },
    body: { dryRun: false, invoices: [{ providerId: last.providerCredit?.providerId, amountOre: 29 * (HOME_L5 - HOME_L2), ocrReference: expect.stringMatching(/^8\d+$/), credits: [{ paymentId: last.providerCredit?.paymentId, month: '2025-06', amountOre: -29 * (HOME_L5 - HOME_L2) }] }] },
  }),
  'GET /provider-invoices': (f) => ({ status: 200, rows: {}, body: [{ invoiceId: f.providerInvoiceId, providerId: 'faktura-hem', amountOre: 30 * (HOME_L5 - HOME_L2), paidOre: 0, balanceOre: 30 * (HOME_L5 - HOME_L2) }] }),
  // 500 kr by the fresh invoice's OCR: matched, the invoice paid.
  'POST /incoming-payments/bgmax': (_f, _c, last) => ({
    status: 200,
    rows: { audit_log: 1, incoming_payment_files: 1, incoming_payments: 1 },
    body: { format: 'bgmax', duplicate: false, matched: 1, unmatched: 0, matchedOre: 50_000, payments: [{ status: 'matched', invoiceId: last.openInvoiceId, appliedOre: 50_000, creditOre: 0, invoiceStatus: 'paid', invoiceBalanceOre: 0 }] },
  }),
  'POST /incoming-payments/camt054': (_f, _c, last) => ({
    status: 200,
    rows: { audit_log: 1, incoming_payment_files: 1, incoming_payments: 1 },
    body: { format: 'camt054', duplicate: false, matched: 1, unmatched: 0, matchedOre: 50_000, payments: [{ status: 'matched', invoiceId: last.openInvoiceId, appliedOre: 50_000, creditOre: 0, invoiceStatus: 'paid', invoiceBalanceOre: 0 }] },
  }),
  'GET /incoming-payments': (f) => ({ status: 200, rows: {}, body: { payments: expect.arrayContaining([expect.objectContaining({ invoiceId: f.invoiceId, amountOre: 113_600, status: 'matched' })]) } }),
  'GET /customer-credits': (f) => ({ status: 200, rows: {}, body: { credits: [{ invoiceId: f.invoiceId, amountOre: 20_000, status: 'to-return' }] } }),
  'PUT /providers/:providerId/account': (_f, _c, last) => ({ status: 200, rows: { audit_log: 1, provider_accounts: 1 }, body: { providerId: last.provider, name: 'Matrix Omsorg AB', bankgiro: '9020900' } }),
  // The fresh home's August, 31 days at level 5, alone in the batch.
  'POST /payment-batches': (_f, _c, last) => ({
    status: 201,
    rows: { audit_log: 1, payment_batch_items: 1, payment_batches: 1 },
    body: { month: last.august?.month, status: 'created', includedPayments: 1, includedOre: 31 * HOME_L5, items: [{ paymentId: last.august?.paymentId, providerId: last.august?.providerId, amountOre: 31 * HOME_L5 }] },
  }),
  'GET /payment-batches/:batchId': (f) => ({ status: 200, rows: {}, body: { batchId: f.batchId, month: '2025-04', status: 'created', includedPayments: 1, includedOre: 30 * HOME_L5 } }),
  // The matrix's provider's April, 30 days at level 5: one credit transfer of 70 200 kr.
  'GET /payment-batches/:batchId/pain001': () => ({ status: 200, rows: {}, text: true, body: expect.stringContaining(`<InstdAmt Ccy="SEK">${((30 * HOME_L5) / 100).toFixed(2)}</InstdAmt>`) }),
  'POST /payment-batches/:batchId/sent': (_f, _c, last) => ({ status: 200, rows: { audit_log: 1 }, body: { batchId: last.august?.batchId, status: 'sent' } }),
  // The bank accepted the whole file (ACCP): the sent batch is accepted, nothing rejected.
  'POST /payment-batches/:batchId/status-report': (_f, _c, last) => ({ status: 200, rows: { audit_log: 1, payment_status_reports: 1 }, body: { messageId: 'MATRIX-ALLOWED', groupStatus: 'ACCP', duplicate: false, rejectedPayments: [], batch: { batchId: last.august?.batchId, status: 'accepted' } } }),
  'POST /payment-batches/:batchId/rejections': (_f, _c, last) => ({
    status: 200,
    rows: { audit_log: 1 },
    body: { batchId: last.august?.batchId, status: 'rejected', items: [{ providerId: last.august?.providerId, status: 'rejected', rejectionReason: 'AC01 wrong account number' }] },
  }),
  // The rejected payment again, in a batch of its own, to the corrected account.
  'POST /payment-batches/:batchId/retry': (_f, _c, last) => ({
    status: 201,
    rows: { audit_log: 1, payment_batch_items: 1, payment_batches: 1 },
    body: { retryOf: last.august?.batchId, month: last.august?.month, status: 'created', includedPayments: 1, items: [{ paymentId: last.august?.paymentId, bankgiro: '9020900', status: 'included' }] },
  }),
  // The ledger's April, the matrix's provider's payment and its credit: the first export numbers the two vouchers for good (their series and numbers), audited.
  'GET /exports/sie': () => ({ status: 200, rows: { audit_log: 1, sie_series: 1, sie_voucher_numbers: 2 }, text: true, body: expect.stringContaining('#SIETYP 4') }),
};

describe.each(testEngines())('billing authorization matrix of fees, credits and payments on %s', (engine) => {
  let svc: FullBilling;
  let f: Fixture;
  let fresh: Fresh;
  let now: Date | undefined;
  const last: Last = {};
  const registered: RouteAccess[] = [];

  beforeAll(async () => {
    // The whole app, every route it registers recorded: each must have a row in one of billing's matrices.
    svc = await startFullBilling(engine, 'billing_matrix_finance', { clock: () => now ?? new Date() }, registered);

    const { inject, report, approve } = orderRequests(() => svc);
    const [system, finance, caseHandler] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'finance' }), svc.as({ role: 'case-handler' })]);
    const ok = async (method: 'POST' | 'PUT', url: string, headers: Record<string, string>, payload: Record<string, unknown>, status = 201) => {
      const res = await inject(method, url, headers, payload);
      expect(res.statusCode, res.body).toBe(status);
      return res.json<Record<string, unknown>>();
    };
    const threeHours = (month: string) => [visit(`${month}-03`, '08:00', '09:00'), visit(`${month}-04`, '08:00', '09:00'), visit(`${month}-05`, '08:00', '09:00')];
    /** An order of `customerId` charged 936 kr for March 2025 and credited 436 kr of it on a lower fee basis. */
    const credited = async (customerId?: string) => {
      const order = await placeOrder(svc.db, { providerId: 'egen-omsorg', ...(customerId ? { customerId } : {}) });
      await report(order, threeHours('2025-03'));
      await approve(order, '2025-03');
      const charged = await ok('POST', '/fees', system, { customerId: order.customerId, applicationId: order.applicationId, month: '2025-03', basis: `approval:${order.orderId}` });
      await ok('PUT', `/customers/${order.customerId}/fee-basis`, caseHandler, LOWER_BASIS, 200);
      const credit = await ok('POST', '/fees', finance, { customerId: order.customerId, applicationId: order.applicationId, month: '2025-03', basis: 'fee-basis-change' });
      expect(credit).toMatchObject({ feeOre: -43_600, cause: 'fee-room-lowered' });
      return { order, invoiceId: charged['invoiceId'] as string, ocrReference: charged['ocrReference'] as string, creditId: credit['invoiceId'] as string };
    };
    /** A municipal nursing home at level 5 from the first of `month`, paid and batched, then lowered to level 2 from the second: its credit. */
    const creditedHome = async (providerId: string, month: string) => {
      await ok('PUT', `/providers/${providerId}/account`, finance, { name: `${providerId} AB`, bankgiro: '5050-1055' }, 200);
      const home: PlacedOrder = await placeOrder(svc.db, { providerId, providerKind: 'municipal', areaId: 'nursing-home', level: 5 });
      await ok('POST', `/orders/${home.orderId}/occupancy`, await svc.as({ role: 'provider', providerId }), { kind: 'moved-in', from: `${month}-01` });
      await ok('POST', '/provider-payments', system, { orderId: home.orderId, month, basis: 'occupancy' });
      const batch = await ok('POST', '/payment-batches', finance, { month });
      await changeOrder(svc.db, home, { effectiveFrom: `${month}-02`, validTo: '2025-12-31', level: 2 });
      const credit = await ok('POST', '/provider-payments', system, { orderId: home.orderId, month, basis: `decision-change:${month}-02` });
      return { paymentId: credit['paymentId'] as string, batchId: batch['batchId'] as string, messageId: batch['messageId'] as string };
    };
    /** Makes a provider credit 61 days old: the invoicing rule counts from when it was made. */
    const age = (paymentId: string) => svc.db.updateTable('provider_payments').set({ created_at: new Date(Date.now() - 61 * DAY_MS) } as never).where('payment_id', '=', paymentId).execute();

    const customerId = '00000000-0000-4000-8000-00000000c001';
    const own = await credited(customerId);
    // 1 136 kr by March's OCR: the 936 kr invoice paid, 200 kr to return.
    const paid = await svc.app.inject({ method: 'POST', url: '/incoming-payments/camt054', headers: { ...finance, 'content-type': 'application/xml' }, payload: camtFile('MATRIX-FIXTURE', own.ocrReference, 113_600) });
    expect(paid.statusCode, paid.body).toBe(200);
    const april = await creditedHome('egen-omsorg', '2025-04');
    await age((await creditedHome('faktura-hem', '2025-05')).paymentId);
    const issued = await ok('POST', '/provider-credits/invoices', finance, {}, 200);
    expect(issued['invoices']).toMatchObject([{ providerId: 'faktura-hem' }]);
    f = {
      providerId: 'egen-omsorg',
      customerId,
      invoiceId: own.invoiceId,
      creditNoteId: own.creditId,
      ocrReference: own.ocrReference,
      paymentCreditId: april.paymentId,
      batchId: april.batchId,
      batchMessageId: april.messageId,
      providerInvoiceId: (issued['invoices'] as Array<{ invoiceId: string }>)[0]!.invoiceId,
    };

    let n = 0;
    fresh = {
      overdueInvoice: async () => {
        const id = await seedFeeInvoice(svc.db, { month: '2026-08', feeOre: 50_000, ocrReference: createOcrReference(String(7_300_000 + ++n)) });
        await svc.db.updateTable('fee_invoices').set({ created_at: new Date('2026-09-01T10:00:00Z') } as never).where('invoice_id', '=', id).execute();
        last.overdueInvoiceId = id;
        return id;
      },
      oldFeeCredit: async () => {
        now = new Date('2025-05-10T09:00:00Z');
        try {
          const { order, creditId } = await credited();
          last.feeCredit = { customerId: order.customerId, creditId };
        } finally {
          now = undefined;
        }
        return last.feeCredit;
      },
      oldProviderCredit: async () => {
        const providerId = `matrix-hem-${++n}`;
        const { paymentId } = await creditedHome(providerId, '2025-06');
        await age(paymentId);
        last.providerCredit = { providerId, paymentId };
        return last.providerCredit;
      },
      openInvoice: async () => {
        const ocrReference = createOcrReference(String(7_400_000 + ++n));
        last.openInvoiceId = await seedFeeInvoice(svc.db, { month: '2025-03', feeOre: 50_000, ocrReference });
        return { invoiceId: last.openInvoiceId, ocrReference };
      },
      provider: () => (last.provider = `matrix-konto-${++n}`),
      august: async (state) => {
        const providerId = `matrix-augusti-${++n}`;
        await ok('PUT', `/providers/${providerId}/account`, finance, { name: `${providerId} AB`, bankgiro: '5050-1055' }, 200);
        const home = await placeOrder(svc.db, { providerId, providerKind: 'municipal', areaId: 'nursing-home', level: 5 });
        await ok('POST', `/orders/${home.orderId}/occupancy`, await svc.as({ role: 'provider', providerId }), { kind: 'moved-in', from: '2025-08-01' });
        const paid = await ok('POST', '/provider-payments', system, { orderId: home.orderId, month: '2025-08', basis: 'occupancy' });
        // Booked in the period still open: August's, or the next once August's batch went to the bank (ADR 0011).
        last.august = { providerId, paymentId: paid['paymentId'] as string, month: paid['periodMonth'] as string };
        if (state === 'unbatched') return last.august;
        const batch = await ok('POST', '/payment-batches', finance, { month: last.august.month });
        Object.assign(last.august, { batchId: batch['batchId'] as string });
        if (state !== 'created') await ok('POST', `/payment-batches/${last.august.batchId}/sent`, finance, {}, 200);
        if (state === 'rejected') {
          await ok('POST', `/payment-batches/${last.august.batchId}/rejections`, finance, { rejections: [{ providerId, reason: 'AC01 wrong account number' }] }, 200);
          await ok('PUT', `/providers/${providerId}/account`, finance, { name: `${providerId} AB`, bankgiro: '902-0900' }, 200);
        }
        return { ...last.august, messageId: batch['messageId'] as string };
      },
    };
  });
  afterAll(() => svc?.close());

  it('has one row per route, with the roles of its config, in one of billing\'s matrices', () => {
    expect(accessByRoute(registered)).toEqual(accessByRoute([...VISITS_SETTLEMENT_RATES, ...DELIVERIES_RUNS_FOLLOW_UP, ...FEES_CREDITS_PAYMENTS]));
  });

  it('names the exact effect of every route', () => {
    expect(Object.keys(EFFECTS).sort()).toEqual(MATRIX.map((r) => r.route).sort());
  });

  for (const c of authorizationCases(MATRIX)) {
    it(`${c.route}: ${c.caller} is ${c.expected}`, async () => {
      const allowedRequest = c.expected === 'allowed' ? ALLOWED_REQUESTS[c.route] : undefined;
      const request = allowedRequest ? await allowedRequest(f, fresh, c) : REQUESTS[c.route]!(f);
      const call = await callAs(svc, c, request, f);
      expectAuthorizationOutcome(c, call, c.expected === 'allowed' ? EFFECTS[c.route]!(f, c, last) : undefined);
    });
  }
});
