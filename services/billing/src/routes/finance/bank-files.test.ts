import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import iconv from 'iconv-lite';
import { createOcrReference } from '@kundval/domain';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import { parseSie } from '../../finance/sie-parse.js';
import { bgmax, camt054Xml, pain002Xml } from '../../finance/test-support/bank-files.js';
import { seedFeeInvoice, seedProviderPayment, startBilling, type TestBilling } from '../../finance/test-support/billing-service.js';

type Item = { paymentId: string; providerId: string; endToEndId: string; status: string; rejectionReason: string | null; bankStatus: string | null };

describe.each(testEngines())('the bank’s answers and customers’ payments on %s', (engine) => {
  let t: TestBilling;
  let finance: Record<string, string>;

  beforeAll(async () => {
    t = await startBilling(await testDatabaseUrl(engine, inject('postgresUrl'), 'billing_bank_files'));
    finance = await t.as({ role: 'finance' });
  });
  afterAll(async () => t?.close());

  const post = async (url: string, payload: string, contentType = 'application/xml', headers = finance) => t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': contentType }, payload });
  const get = async (url: string) => t.app.inject({ method: 'GET', url, headers: finance });
  const auditActions = async (entityId: string) => (await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', entityId).orderBy('id').execute()).map((r) => r.action);

  async function sentBatch(month: string, payments: Record<string, number>) {
    for (const [providerId, amountOre] of Object.entries(payments)) {
      await t.app.inject({ method: 'PUT', url: `/providers/${providerId}/account`, headers: finance, payload: { name: `${providerId} AB`, bankgiro: '5050-1055' } });
      await seedProviderPayment(t.db, { providerId, month, amountOre });
    }
    const batch = (await t.app.inject({ method: 'POST', url: '/payment-batches', headers: finance, payload: { month } })).json();
    expect((await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/sent`, headers: finance })).statusCode).toBe(200);
    const e2e = (providerId: string) => (batch.items as Item[]).find((i) => i.providerId === providerId)!.endToEndId;
    return { batch, e2e };
  }

  describe('POST /payment-batches/:batchId/status-report (pain.002)', () => {
    it('records the rejected transaction through the rejection path, accepts the rest, and a repeat changes nothing; the rejected payment is retried to the corrected account', async () => {
      const { batch, e2e } = await sentBatch('2030-01', { 'sts-a': 50_000, 'sts-b': 70_000, 'sts-c': 30_000 });
      const report = pain002Xml({
        messageId: 'NDEA-STS-2030-01-0001',
        originalMessageId: batch.messageId,
        groupStatus: 'PART',
        paymentInfoId: `${batch.messageId}-1`,
        transactions: [{ endToEndId: e2e('sts-b'), status: 'RJCT', reason: 'AC01', info: 'Felaktigt kontonummer' }],
      });
      const res = await post(`/payment-batches/${batch.batchId}/status-report`, report);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ messageId: 'NDEA-STS-2030-01-0001', groupStatus: 'PART', duplicate: false });
      expect(body.transactions).toEqual([
        { endToEndId: e2e('sts-a'), providerId: 'sts-a', payments: 1, amountOre: 50_000, status: 'ACCP', outcome: 'accepted', reason: null },
        { endToEndId: e2e('sts-b'), providerId: 'sts-b', payments: 1, amountOre: 70_000, status: 'RJCT', outcome: 'rejected', reason: 'AC01 Felaktigt kontonummer' },
        { endToEndId: e2e('sts-c'), providerId: 'sts-c', payments: 1, amountOre: 30_000, status: 'ACCP', outcome: 'accepted', reason: null },
      ]);
      const rejectedPayment = (batch.items as Item[]).find((i) => i.providerId === 'sts-b')!.paymentId;
      expect(body.rejectedPayments).toEqual([rejectedPayment]);
      expect(body.batch).toMatchObject({ status: 'rejected-partly', includedPayments: 2, includedOre: 80_000 });
      expect((body.batch.items as Item[]).map((i) => [i.providerId, i.status, i.bankStatus, i.rejectionReason])).toEqual([
        ['sts-a', 'included', 'accepted', null],
        ['sts-b', 'rejected', null, 'AC01 Felaktigt kontonummer'],
        ['sts-c', 'included', 'accepted', null],
      ]);
      expect(await auditActions(batch.batchId)).toEqual(['payment-batch.created', 'payment-batch.sent', 'payment-batch.status-report-imported']);

      const again = await post(`/payment-batches/${batch.batchId}/status-report`, report);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ duplicate: true, transactions: [], rejectedPayments: [] });
      expect(again.json().batch).toEqual(body.batch);
      expect(await auditActions(batch.batchId)).toHaveLength(3);
      expect(await t.db.selectFrom('payment_status_reports').select('message_id').where('batch_id', '=', batch.batchId).execute()).toHaveLength(1);

      // Not before the account is corrected: the bank refused that account.
      const early = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/retry`, headers: finance, payload: {} });
      expect([early.statusCode, early.json().error, early.json().message]).toEqual([409, 'BILLING.ACCOUNT_NOT_CORRECTED', 'Every rejected payment was rejected for an account that is still registered unchanged: correct the account of sts-b first.']);
      // The account is corrected, then the retry pays only the rejected payment, to the new account.
      await t.app.inject({ method: 'PUT', url: '/providers/sts-b/account', headers: finance, payload: { name: 'sts-b AB', bankgiro: '902-0900' } });
      const retry = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/retry`, headers: finance, payload: {} });
      expect(retry.statusCode).toBe(201);
      expect(retry.json()).toMatchObject({ retryOf: batch.batchId, includedPayments: 1, includedOre: 70_000, items: [{ paymentId: rejectedPayment, bankgiro: '9020900', status: 'included' }], skipped: [] });
    });

    it('a retry leaves out a payment rejected for an account not yet corrected, and a later retry takes it once it is', async () => {
      const { batch, e2e } = await sentBatch('2030-07', { 'mix-a': 11_000, 'mix-b': 22_000 });
      const report = pain002Xml({
        messageId: 'MIX-1',
        originalMessageId: batch.messageId,
        groupStatus: 'RJCT',
        paymentInfoId: `${batch.messageId}-1`,
        transactions: [
          { endToEndId: e2e('mix-a'), status: 'RJCT', reason: 'AC04', info: 'Kontot avslutat' },
          { endToEndId: e2e('mix-b'), status: 'RJCT', reason: 'AM05', info: 'Dubblett' },
        ],
      });
      expect((await post(`/payment-batches/${batch.batchId}/status-report`, report)).json().batch.status).toBe('rejected');
      const first = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/retry`, headers: finance, payload: {} });
      expect(first.statusCode).toBe(201);
      const paymentOf = (providerId: string) => (batch.items as Item[]).find((i) => i.providerId === providerId)!.paymentId;
      expect(first.json()).toMatchObject({ includedOre: 22_000, items: [{ paymentId: paymentOf('mix-b') }] });
      expect(first.json().skipped).toEqual([{ paymentId: paymentOf('mix-a'), providerId: 'mix-a', reason: 'rejected for its account (AC04 Kontot avslutat); register the corrected account first' }]);
      await t.app.inject({ method: 'PUT', url: '/providers/mix-a/account', headers: finance, payload: { name: 'mix-a AB', bankgiro: '902-0900' } });
      const second = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/retry`, headers: finance, payload: {} });
      expect(second.json()).toMatchObject({ includedOre: 11_000, items: [{ paymentId: paymentOf('mix-a'), bankgiro: '9020900' }], skipped: [] });
    });

    it('a report accepting the whole file at group level makes the batch accepted', async () => {
      const { batch } = await sentBatch('2030-02', { 'acc-a': 10_000, 'acc-b': 20_000 });
      const res = await post(`/payment-batches/${batch.batchId}/status-report`, pain002Xml({ version: '12', messageId: 'SEB-ACK-1', originalMessageId: batch.messageId, groupStatus: 'ACCP' }), 'text/xml');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().batch).toMatchObject({ status: 'accepted', includedPayments: 2, includedOre: 30_000 });
      expect((res.json().batch.items as Item[]).map((i) => i.bankStatus)).toEqual(['accepted', 'accepted']);
    });

    it('a report rejecting the whole file rejects every payment with the group reason; a pending report changes nothing', async () => {
      const { batch } = await sentBatch('2030-03', { 'rj-a': 10_000, 'rj-b': 20_000 });
      const pending = await post(`/payment-batches/${batch.batchId}/status-report`, pain002Xml({ messageId: 'SHB-1', originalMessageId: batch.messageId, groupStatus: 'PDNG' }));
      expect(pending.json().batch).toMatchObject({ status: 'sent', includedPayments: 2 });
      const res = await post(`/payment-batches/${batch.batchId}/status-report`, pain002Xml({ messageId: 'SHB-2', originalMessageId: batch.messageId, groupStatus: 'RJCT', groupReason: 'AM04' }));
      expect(res.json().batch).toMatchObject({ status: 'rejected', includedPayments: 0, includedOre: 0 });
      expect((res.json().batch.items as Item[]).map((i) => [i.status, i.rejectionReason])).toEqual([
        ['rejected', 'AM04 Se transaktionerna'],
        ['rejected', 'AM04 Se transaktionerna'],
      ]);
      // Not an account reason: the same accounts are paid again.
      const retry = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/retry`, headers: finance, payload: {} });
      expect(retry.statusCode).toBe(201);
      expect(retry.json()).toMatchObject({ includedPayments: 2, includedOre: 30_000, skipped: [] });
    });

    it('refuses a report for another batch, or naming a transaction the batch does not have, with 400 naming the element, and changes nothing', async () => {
      const { batch, e2e } = await sentBatch('2030-04', { 'wr-a': 10_000 });
      const other = await post(`/payment-batches/${batch.batchId}/status-report`, pain002Xml({ messageId: 'X-1', originalMessageId: 'KVsomeotherfile', groupStatus: 'ACCP' }));
      expect(other.statusCode).toBe(400);
      expect(other.json()).toMatchObject({ error: 'BILLING.STATUS_REPORT_OTHER_BATCH', issues: [{ field: 'body.CstmrPmtStsRpt.OrgnlGrpInfAndSts.OrgnlMsgId' }] });
      expect(other.json().message).toBe(`The status report answers the file KVsomeotherfile; this batch's file is ${batch.messageId}.`);

      const unknown = await post(
        `/payment-batches/${batch.batchId}/status-report`,
        pain002Xml({ messageId: 'X-2', originalMessageId: batch.messageId, groupStatus: 'PART', paymentInfoId: `${batch.messageId}-1`, transactions: [{ endToEndId: e2e('wr-a'), status: 'ACCP' }, { endToEndId: 'nosuchendtoend', status: 'RJCT', reason: 'AC04' }] }),
      );
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toMatchObject({ error: 'BILLING.STATUS_REPORT_UNKNOWN_PAYMENT', message: "The batch's file has no transaction with EndToEndId nosuchendtoend.", issues: [{ field: 'body.CstmrPmtStsRpt.OrgnlPmtInfAndSts.0.TxInfAndSts.1.OrgnlEndToEndId' }] });

      const malformed = await post(`/payment-batches/${batch.batchId}/status-report`, '<Document><CstmrPmtStsRpt>');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({ error: 'BILLING.BANK_FILE', issues: [{ field: 'body' }] });

      // The same report id already imported for another batch is that batch's, not this one's.
      const { batch: second } = await sentBatch('2030-05', { 'wr-b': 10_000 });
      await post(`/payment-batches/${second.batchId}/status-report`, pain002Xml({ messageId: 'X-3', originalMessageId: second.messageId, groupStatus: 'ACCP' }));
      const reused = await post(`/payment-batches/${batch.batchId}/status-report`, pain002Xml({ messageId: 'X-3', originalMessageId: batch.messageId, groupStatus: 'ACCP' }));
      expect([reused.statusCode, reused.json().issues]).toEqual([400, [{ field: 'body.CstmrPmtStsRpt.GrpHdr.MsgId', reason: `The status report X-3 was imported for batch ${second.batchId}, not this one.` }]]);

      const now = (await get(`/payment-batches/${batch.batchId}`)).json();
      expect(now).toMatchObject({ status: 'sent', includedPayments: 1 });
      expect((now.items as Item[])[0]!.bankStatus).toBeNull();
      expect(await auditActions(batch.batchId)).toEqual(['payment-batch.created', 'payment-batch.sent']);
    });

    it('replays the first answer to a repeated Idempotency-Key byte for byte, and refuses the key for another report (422)', async () => {
      const { batch } = await sentBatch('2030-06', { 'key-a': 10_000 });
      const report = pain002Xml({ messageId: 'KEY-1', originalMessageId: batch.messageId, groupStatus: 'ACCP' });
      const keyed = { ...finance, 'idempotency-key': 'status-report-key-1' };
      const first = await post(`/payment-batches/${batch.batchId}/status-report`, report, 'application/xml', keyed);
      const retry = await post(`/payment-batches/${batch.batchId}/status-report`, report, 'application/xml', keyed);
      expect([first.statusCode, retry.statusCode, retry.body, retry.headers['idempotent-replayed']]).toEqual([200, 200, first.body, 'true']);
      expect(retry.json().duplicate).toBe(false);
      const other = await post(`/payment-batches/${batch.batchId}/status-report`, report.replace('KEY-1', 'KEY-2'), 'application/xml', keyed);
      expect([other.statusCode, other.json().error]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
    });

    it('answers 404 for an unknown batch and 403 to a provider', async () => {
      const report = pain002Xml({ messageId: 'Y-1', originalMessageId: 'KV1', groupStatus: 'ACCP' });
      expect((await post('/payment-batches/00000000-0000-4000-8000-000000000000/status-report', report)).statusCode).toBe(404);
      expect((await post('/payment-batches/00000000-0000-4000-8000-000000000000/status-report', report, 'application/xml', await t.as({ role: 'provider', providerId: 'p' }))).statusCode).toBe(403);
    });
  });

  describe('incoming payments of fee invoices', () => {
    // OCR references as fee invoices carry them (length and check digit).
    const ocr = (n: number) => createOcrReference(String(n));
    const invoices = { exact: ocr(7_100_001), part: ocr(7_100_002), over: ocr(7_100_003) };

    it('matches BgMax payments by OCR: paid, part-paid, overpaid with a credit to return; unknown OCRs and deductions stay unmatched; the same file again changes nothing', async () => {
      const exact = await seedFeeInvoice(t.db, { month: '2031-02', feeOre: 125_000, ocrReference: invoices.exact });
      const part = await seedFeeInvoice(t.db, { month: '2031-02', feeOre: 200_000, ocrReference: invoices.part });
      const over = await seedFeeInvoice(t.db, { month: '2031-02', feeOre: 80_000, ocrReference: invoices.over });
      const unknownOcr = ocr(7_199_999);
      const file = [
        bgmax.start('20310305061503000001'),
        bgmax.opening('56781234'),
        bgmax.payment({ reference: invoices.exact, ore: 125_000, serial: '310305000001' }),
        bgmax.name('ANNA ANDERSSON'),
        bgmax.payment({ reference: invoices.part, ore: 50_000, serial: '310305000002' }),
        bgmax.payment({ reference: invoices.over, ore: 100_000, serial: '310305000003' }),
        bgmax.payment({ reference: unknownOcr, ore: 30_000, serial: '310305000004' }),
        bgmax.information('AVGIFT FEBRUARI SVÄRMOR'),
        bgmax.payment({ reference: invoices.part, ore: 1_000, serial: '310305000005' }, '21'),
        bgmax.deposit({ account: '33001234567', date: '20310305', serial: '1', ore: 304_000, count: 5 }),
        bgmax.end({ payments: 4, deductions: 1, deposits: 1 }),
      ].join('\r\n');
      const bytes = iconv.encode(file, 'latin1');
      const res = await t.app.inject({ method: 'POST', url: '/incoming-payments/bgmax', headers: { ...finance, 'content-type': 'text/plain' }, payload: bytes });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ format: 'bgmax', fileReference: '20310305061503000001', duplicate: false, matched: 3, unmatched: 2, matchedOre: 275_000, unmatchedOre: 31_000 });
      expect(body.payments.map((p: Record<string, unknown>) => [p.reference, p.amountOre, p.status, p.unmatchedReason, p.invoiceId, p.appliedOre, p.creditOre, p.invoiceStatus, p.invoiceBalanceOre])).toEqual([
        [invoices.exact, 125_000, 'matched', null, exact, 125_000, 0, 'paid', 0],
        [invoices.part, 50_000, 'matched', null, part, 50_000, 0, 'part-paid', 150_000],
        [invoices.over, 100_000, 'matched', null, over, 80_000, 20_000, 'overpaid', 0],
        [unknownOcr, 30_000, 'unmatched', 'unknown-reference', null, 0, 0, null, null],
        [invoices.part, 1_000, 'unmatched', 'deduction', null, 0, 0, null, null],
      ]);
      const credits = await t.db.selectFrom('customer_credits').select(['invoice_id', 'amount_ore', 'status']).execute();
      expect(credits).toEqual([{ invoice_id: over, amount_ore: 20_000, status: 'to-return' }]);
      expect((await get('/customer-credits')).json().credits).toMatchObject([{ invoiceId: over, paymentDate: '2031-03-05', amountOre: 20_000, status: 'to-return' }]);
      expect(await auditActions(body.fileId)).toEqual(['incoming-payments.imported']);

      const again = await t.app.inject({ method: 'POST', url: '/incoming-payments/bgmax', headers: { ...finance, 'content-type': 'text/plain' }, payload: bytes });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ fileId: body.fileId, duplicate: true, matched: 3, unmatched: 2, matchedOre: 275_000, unmatchedOre: 31_000 });
      expect(await t.db.selectFrom('incoming_payments').select('payment_id').where('file_id', '=', body.fileId).execute()).toHaveLength(5);
      expect(await t.db.selectFrom('customer_credits').select('credit_id').execute()).toHaveLength(1);
      expect(await auditActions(body.fileId)).toHaveLength(1);

      const unmatched = (await get('/incoming-payments?status=unmatched')).json().payments;
      expect(unmatched.map((p: Record<string, unknown>) => [p.reference, p.amountOre, p.unmatchedReason, p.information])).toEqual([
        [unknownOcr, 30_000, 'unknown-reference', 'AVGIFT FEBRUARI SVÄRMOR'],
        [invoices.part, 1_000, 'deduction', null],
      ]);
      expect((await t.app.inject({ method: 'GET', url: '/incoming-payments?status=unmatched', headers: await t.as({ role: 'operator' }) })).statusCode).toBe(200);

      // The rest of the part-paid invoice arrives by camt.054; a payment without a reference stays unmatched.
      const camt = camt054Xml({
        messageId: 'CAMT-20310310-1',
        entries: [
          { amount: '1500.00', bookingDate: '2031-03-10', reference: 'BG310310-1', transactions: [{ amount: '1500.00', ocr: invoices.part, payer: 'Bo Berg' }] },
          { amount: '12.00', bookingDate: '2031-03-10', reference: 'BG310310-2', transactions: [{ amount: '12.00', text: 'avgift' }] },
          { amount: '500.00', indicator: 'DBIT', bookingDate: '2031-03-10', reference: 'BG310310-3' },
        ],
      });
      const camtRes = await post('/incoming-payments/camt054', camt);
      expect(camtRes.statusCode, camtRes.body).toBe(200);
      expect(camtRes.json().payments.map((p: Record<string, unknown>) => [p.amountOre, p.status, p.unmatchedReason, p.invoiceStatus, p.invoiceBalanceOre])).toEqual([
        [150_000, 'matched', null, 'paid', 0],
        [1_200, 'unmatched', 'no-reference', null, null],
      ]);

      // The month's vouchers: the bank against the receivable, the surplus against customer credits, unmatched to suspense;
      // the deduction is what the deposit lacks. The bank account gains exactly the deposits: BgMax's 304 000 öre (its payments net of the deduction) and camt's 151 200.
      const sie = parseSie((await get('/exports/sie?month=2031-03')).rawPayload);
      expect(sie.vouchers.map((v) => [v.date, v.transactions.map((tr) => [tr.account, tr.amountOre])])).toEqual([
        ['2031-03-05', [['1930', 125_000], ['1510', -125_000]]],
        ['2031-03-05', [['1930', 50_000], ['1510', -50_000]]],
        ['2031-03-05', [['1930', 100_000], ['1510', -80_000], ['2420', -20_000]]],
        ['2031-03-05', [['1930', 30_000], ['2999', -30_000]]],
        ['2031-03-05', [['1930', -1_000], ['2999', 1_000]]],
        ['2031-03-10', [['1930', 150_000], ['1510', -150_000]]],
        ['2031-03-10', [['1930', 1_200], ['2999', -1_200]]],
      ]);
      expect(sie.vouchers.flatMap((v) => v.transactions).filter((tr) => tr.account === '1930').reduce((s, tr) => s + tr.amountOre, 0)).toBe(304_000 + 151_200);
      // Receivables booked by the invoices and settled here: 405 000 öre charged, 405 000 öre paid off.
      const receivable = parseSie((await get('/exports/sie?month=2031-02')).rawPayload).vouchers.flatMap((v) => v.transactions).filter((tr) => tr.account === '1510').reduce((s, tr) => s + tr.amountOre, 0);
      const settled = sie.vouchers.flatMap((v) => v.transactions).filter((tr) => tr.account === '1510').reduce((s, tr) => s + tr.amountOre, 0);
      expect([receivable, settled]).toEqual([405_000, -405_000]);
    });

    it('refuses a malformed BgMax file with 400 naming the line, and a test file, storing nothing', async () => {
      const good = [
        bgmax.start('20310306061503000001'),
        bgmax.opening('56781234'),
        bgmax.payment({ reference: invoices.exact, ore: 100, serial: '310306000001' }),
        bgmax.deposit({ account: '33001234567', date: '20310306', serial: '1', ore: 100, count: 1 }),
        bgmax.end({ payments: 1, deposits: 1 }),
      ];
      const broken = [...good];
      broken[2] = broken[2]!.slice(0, 40) + 'ABC' + broken[2]!.slice(43);
      const res = await t.app.inject({ method: 'POST', url: '/incoming-payments/bgmax', headers: { ...finance, 'content-type': 'text/plain' }, payload: broken.join('\n') });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BILLING.BANK_FILE', message: 'BgMax line 3: the amount (positions 38–55) must be digits, not "000ABC000000000100"', issues: [{ field: 'body.line.3' }] });
      const test = await t.app.inject({ method: 'POST', url: '/incoming-payments/bgmax', headers: { ...finance, 'content-type': 'text/plain' }, payload: [bgmax.start('20310306061503000001', 'T'), ...good.slice(1)].join('\n') });
      expect([test.statusCode, test.json().message]).toEqual([400, 'The file is a test file (TK01 marker T); it pays nothing.']);
      expect(await t.db.selectFrom('incoming_payment_files').select('file_id').where('file_reference', '=', '20310306061503000001').execute()).toEqual([]);
      expect((await t.app.inject({ method: 'POST', url: '/incoming-payments/bgmax', headers: { ...(await t.as({ role: 'operator' })), 'content-type': 'text/plain' }, payload: good.join('\n') })).statusCode).toBe(403);
    });
  });

  describe('POST /fee-invoices/reminders', () => {
    it('reminds each invoice with a balance 30 days past its due date once, audited; paid and recent invoices are left', async () => {
      const made = async (ocrBase: number, feeOre: number, createdOn: string) => {
        const id = await seedFeeInvoice(t.db, { month: '2026-08', feeOre, ocrReference: createOcrReference(String(ocrBase)) });
        await t.db.updateTable('fee_invoices').set({ created_at: new Date(`${createdOn}T10:00:00Z`) } as never).where('invoice_id', '=', id).execute();
        return id;
      };
      const unpaid = await made(7_200_001, 100_000, '2026-09-01');
      const partPaid = await made(7_200_002, 100_000, '2026-09-01');
      await made(7_200_003, 100_000, '2026-09-01');
      await made(7_200_004, 100_000, '2026-10-20');
      const file = [
        bgmax.start('20260915061503000001'),
        bgmax.opening('56781234'),
        bgmax.payment({ reference: createOcrReference('7200002'), ore: 40_000, serial: '260915000001' }),
        bgmax.payment({ reference: createOcrReference('7200003'), ore: 100_000, serial: '260915000002' }),
        bgmax.deposit({ account: '33001234567', date: '20260915', serial: '1', ore: 140_000, count: 2 }),
        bgmax.end({ payments: 2, deposits: 1 }),
      ].join('\n');
      expect((await t.app.inject({ method: 'POST', url: '/incoming-payments/bgmax', headers: { ...finance, 'content-type': 'text/plain' }, payload: file })).statusCode).toBe(200);

      const dry = await t.app.inject({ method: 'POST', url: '/fee-invoices/reminders', headers: finance, payload: { asOf: '2026-10-31', dryRun: true } });
      expect(dry.statusCode, dry.body).toBe(200);
      expect(dry.json().reminded.map((r: Record<string, unknown>) => [r.invoiceId, r.dueDate, r.paidOre, r.balanceOre, r.status])).toEqual([
        [unpaid, '2026-10-01', 0, 100_000, 'unpaid'],
        [partPaid, '2026-10-01', 40_000, 60_000, 'part-paid'],
      ]);
      expect(await t.db.selectFrom('fee_reminders').select('invoice_id').execute()).toEqual([]);
      // One day earlier the 30 days past the due date are not over.
      expect((await t.app.inject({ method: 'POST', url: '/fee-invoices/reminders', headers: finance, payload: { asOf: '2026-10-30' } })).json().reminded).toEqual([]);

      const real = await t.app.inject({ method: 'POST', url: '/fee-invoices/reminders', headers: await t.as({ role: 'system' }), payload: { asOf: '2026-10-31' } });
      expect(real.json()).toMatchObject({ asOf: '2026-10-31', dryRun: false, reminderDays: 30 });
      expect(real.json().reminded.map((r: Record<string, unknown>) => r.invoiceId)).toEqual([unpaid, partPaid]);
      expect(await t.db.selectFrom('fee_reminders').select(['invoice_id', 'due_date', 'balance_ore', 'reminded_on']).orderBy('balance_ore', 'desc').execute()).toEqual([
        { invoice_id: unpaid, due_date: '2026-10-01', balance_ore: 100_000, reminded_on: '2026-10-31' },
        { invoice_id: partPaid, due_date: '2026-10-01', balance_ore: 60_000, reminded_on: '2026-10-31' },
      ]);
      expect(await auditActions(unpaid)).toEqual(['fee-invoice.reminded']);
      expect((await t.app.inject({ method: 'POST', url: '/fee-invoices/reminders', headers: finance, payload: { asOf: '2026-12-01' } })).json().reminded).toEqual([]);
    });

    it('refuses a day after today (400 naming body.asOf) and a provider (403)', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/fee-invoices/reminders', headers: finance, payload: { asOf: '2999-01-01' } });
      expect([res.statusCode, res.json().error, res.json().issues?.[0]?.field]).toEqual([400, 'BILLING.REMINDER_DATE_FUTURE', 'body.asOf']);
      expect((await t.app.inject({ method: 'POST', url: '/fee-invoices/reminders', headers: await t.as({ role: 'provider', providerId: 'p' }), payload: {} })).statusCode).toBe(403);
    });
  });
});
