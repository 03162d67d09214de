import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import { parseSie } from '../../finance/sie-parse.js';
import { controlTotalProblems, swedishGuideProblems, validateAgainstXsd } from '../../finance/test-support/pain001-checks.js';
import { sie4Problems } from '../../finance/test-support/sie-checks.js';
import { seedFeeInvoice, seedProviderPayment, seedRechargedPayment, startBilling, type TestBilling } from '../../finance/test-support/billing-service.js';

describe.each(testEngines())('finance routes on %s', (engine) => {
  let t: TestBilling;
  let finance: Record<string, string>;
  let provider: Record<string, string>;

  beforeAll(async () => {
    t = await startBilling(await testDatabaseUrl(engine, inject('postgresUrl'), 'billing_finance'));
    finance = await t.as({ role: 'finance' });
    provider = await t.as({ role: 'provider', providerId: 'vard-ost' });
  });
  afterAll(async () => t?.close());

  const UNKNOWN = '00000000-0000-4000-8000-000000000000';

  async function registerAccount(providerId: string, bankgiro: string, name = `${providerId} AB`) {
    const res = await t.app.inject({ method: 'PUT', url: `/providers/${providerId}/account`, headers: finance, payload: { name, bankgiro } });
    expect(res.statusCode).toBe(200);
  }

  async function createBatch(month: string) {
    const res = await t.app.inject({ method: 'POST', url: '/payment-batches', headers: finance, payload: { month } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  async function auditActions(entityId: string) {
    const rows = await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', entityId).orderBy('id').execute();
    return rows.map((r) => r.action);
  }

  describe('PUT /providers/:providerId/account', () => {
    it('registers a Plusgiro number, or an IBAN with its BIC, and audits the change from one to the other', async () => {
      const pg = await t.app.inject({ method: 'PUT', url: '/providers/omsorg-pg/account', headers: finance, payload: { name: 'Omsorg PG AB', plusgiro: '4 10 54-8' } });
      expect(pg.statusCode, pg.body).toBe(200);
      expect(pg.json()).toEqual({ providerId: 'omsorg-pg', name: 'Omsorg PG AB', bankgiro: null, account: { kind: 'plusgiro', number: '410548' } });
      const iban = await t.app.inject({ method: 'PUT', url: '/providers/omsorg-pg/account', headers: finance, payload: { name: 'Omsorg PG AB', iban: 'SE73 6000 0000 0000 1234 5678', bic: 'handsess' } });
      expect(iban.json()).toEqual({ providerId: 'omsorg-pg', name: 'Omsorg PG AB', bankgiro: null, account: { kind: 'iban', number: 'SE7360000000000012345678', bic: 'HANDSESS' } });
      const rows = await t.db.selectFrom('audit_log').select(['before', 'after']).where('entity_id', '=', 'omsorg-pg').orderBy('id').execute();
      expect(rows[1]).toMatchObject({
        before: { name: 'Omsorg PG AB', account_kind: 'plusgiro', account_number: '410548', bic: null },
        after: { name: 'Omsorg PG AB', account: { kind: 'iban', number: 'SE7360000000000012345678', bic: 'HANDSESS' } },
      });
    });

    it.each([
      ['a Plusgiro number with a wrong check digit', { plusgiro: '41054-9' }, 'body.plusgiro', 'the Plusgiro check digit does not match'],
      ['an IBAN with wrong check digits', { iban: 'SE7460000000000012345678', bic: 'HANDSESS' }, 'body.iban', 'the IBAN check digits do not match'],
      ['an IBAN without its BIC', { iban: 'SE7360000000000012345678' }, 'body.bic', 'an IBAN account needs the BIC of its bank'],
      ['a malformed BIC', { iban: 'SE7360000000000012345678', bic: 'HAND1SESS' }, 'body.bic', 'expected a BIC, e.g. ESSESESS'],
      ['no account at all', {}, 'body.bankgiro', 'give exactly one of bankgiro, plusgiro or iban'],
      ['two accounts at once', { bankgiro: '5050-1055', plusgiro: '41054-8' }, 'body.plusgiro', 'give exactly one of bankgiro, plusgiro or iban'],
      ['a BIC without an IBAN', { bankgiro: '5050-1055', bic: 'HANDSESS' }, 'body.bic', 'a BIC goes only with an IBAN'],
    ])('refuses %s (400 naming the field)', async (_what, account, field, reason) => {
      const res = await t.app.inject({ method: 'PUT', url: '/providers/omsorg-bad/account', headers: finance, payload: { name: 'Omsorg', ...account } });
      expect(res.statusCode).toBe(400);
      expect(res.json().issues).toContainEqual({ field, reason });
    });

    it('registers the Bankgiro number as digits and audits the change', async () => {
      const res = await t.app.inject({ method: 'PUT', url: '/providers/omsorg-syd/account', headers: finance, payload: { name: 'Omsorg Syd AB', bankgiro: '5050-1055' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ providerId: 'omsorg-syd', name: 'Omsorg Syd AB', bankgiro: '50501055', account: { kind: 'bankgiro', number: '50501055' } });
      const again = await t.app.inject({ method: 'PUT', url: '/providers/omsorg-syd/account', headers: await t.as({ role: 'administrator' }), payload: { name: 'Omsorg Syd AB', bankgiro: '902-0900' } });
      expect(again.json().bankgiro).toBe('9020900');
      expect(await auditActions('omsorg-syd')).toEqual(['provider-account.registered', 'provider-account.registered']);
    });

    it('refuses a Bankgiro number whose check digit is wrong (400)', async () => {
      const res = await t.app.inject({ method: 'PUT', url: '/providers/omsorg-syd/account', headers: finance, payload: { name: 'Omsorg Syd AB', bankgiro: '5050-1056' } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'VALIDATION', issues: [{ field: 'body.bankgiro', reason: 'the Bankgiro check digit does not match' }] });
    });

    it('needs a token (401) and the finance or administrator role (403)', async () => {
      expect((await t.app.inject({ method: 'PUT', url: '/providers/x/account', payload: { name: 'X', bankgiro: '50501055' } })).statusCode).toBe(401);
      const res = await t.app.inject({ method: 'PUT', url: '/providers/vard-ost/account', headers: provider, payload: { name: 'X', bankgiro: '50501055' } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('AUTH.FORBIDDEN');
    });
  });

  describe('payment batches', () => {
    it("batches the month's unbatched payments, leaves out providers without an account, and picks them up later", async () => {
      await registerAccount('batch-a', '5050-1055');
      const a = await seedProviderPayment(t.db, { providerId: 'batch-a', month: '2025-03', amountOre: 1_234_550 });
      const b = await seedProviderPayment(t.db, { providerId: 'batch-b', month: '2025-03', amountOre: 20_000 });
      await seedProviderPayment(t.db, { providerId: 'batch-a', month: '2025-04', amountOre: 999 });

      const first = await createBatch('2025-03');
      expect(first).toMatchObject({ month: '2025-03', status: 'created', retryOf: null, includedPayments: 1, includedOre: 1_234_550 });
      expect(first.messageId).toMatch(/^KV[0-9a-f]{28}$/);
      expect(first.items).toMatchObject([{ paymentId: a.paymentId, providerId: 'batch-a', bankgiro: '50501055', creditorName: 'batch-a AB', status: 'included' }]);
      expect(first.skipped).toEqual([{ paymentId: b.paymentId, providerId: 'batch-b', reason: 'no account is registered for the provider' }]);
      expect(await auditActions(first.batchId)).toEqual(['payment-batch.created']);

      const none = await t.app.inject({ method: 'POST', url: '/payment-batches', headers: finance, payload: { month: '2025-03' } });
      expect(none.statusCode).toBe(409);
      expect(none.json()).toMatchObject({ error: 'BILLING.NOTHING_TO_PAY' });

      await registerAccount('batch-b', '1234566');
      const second = await createBatch('2025-03');
      expect(second.items.map((i: { paymentId: string }) => i.paymentId)).toEqual([b.paymentId]);
      expect(second.skipped).toEqual([]);
    });

    it('serves the batch as a pain.001.001.03 file that the official schema accepts', async () => {
      await registerAccount('file-a', '5050-1055');
      await registerAccount('file-b', '902-0900', 'Hemtjänst Åkesson & Dotter');
      await seedProviderPayment(t.db, { providerId: 'file-a', month: '2025-05', amountOre: 1_234_550 });
      await seedProviderPayment(t.db, { providerId: 'file-b', month: '2025-05', amountOre: 99 });
      const batch = await createBatch('2025-05');

      const res = await t.app.inject({ method: 'GET', url: `/payment-batches/${batch.batchId}/pain001`, headers: finance });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
      const xml = res.body;
      expect(await validateAgainstXsd(xml)).toEqual({ valid: true, errors: [] });
      expect(controlTotalProblems(xml)).toEqual([]);
      expect(xml).toContain(`<MsgId>${batch.messageId}</MsgId>`);
      expect(xml).toContain('<CtrlSum>12346.49</CtrlSum>');
      expect(xml).toContain('<Nm>Hemtjänst Åkesson &amp; Dotter</Nm>');
      expect(xml).toContain('<Id>9020900</Id>');
      expect(swedishGuideProblems(xml)).toEqual([]);
      // The statement's reference of 2025-05, as SCOR, to both Bankgiro payees.
      expect(xml.match(/<Ref>20250585<\/Ref>/g)).toHaveLength(2);
      expect(xml.replace(/>\s+</g, '><')).toContain('<InitgPty><Nm>Demo kommun</Nm><Id><OrgId><Othr><Id>2120000001</Id><SchmeNm><Cd>BANK</Cd></SchmeNm></Othr></OrgId></Id></InitgPty>');

      const again = await t.app.inject({ method: 'GET', url: `/payment-batches/${batch.batchId}/pain001`, headers: finance });
      expect(again.body).toBe(xml);
    });

    it('pays Bankgiro, Plusgiro and IBAN payees in one file the schema and the Swedish guide accept', async () => {
      await registerAccount('mix-bg', '5050-1055');
      expect((await t.app.inject({ method: 'PUT', url: '/providers/mix-pg/account', headers: finance, payload: { name: 'Plusgiro Omsorg', plusgiro: '4 10 54-8' } })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'PUT', url: '/providers/mix-iban/account', headers: finance, payload: { name: 'Assistans Norr', iban: 'SE7360000000000012345678', bic: 'HANDSESS' } })).statusCode).toBe(200);
      const iban = await seedProviderPayment(t.db, { providerId: 'mix-iban', month: '2025-06', amountOre: 250_000 });
      await seedProviderPayment(t.db, { providerId: 'mix-bg', month: '2025-06', amountOre: 100 });
      await seedProviderPayment(t.db, { providerId: 'mix-pg', month: '2025-06', amountOre: 12_345 });
      const batch = await createBatch('2025-06');
      expect(batch.items.map((i: { providerId: string; account: unknown }) => [i.providerId, i.account])).toEqual([
        ['mix-bg', { kind: 'bankgiro', number: '50501055' }],
        ['mix-iban', { kind: 'iban', number: 'SE7360000000000012345678', bic: 'HANDSESS' }],
        ['mix-pg', { kind: 'plusgiro', number: '410548' }],
      ]);
      const xml = (await t.app.inject({ method: 'GET', url: `/payment-batches/${batch.batchId}/pain001`, headers: finance })).body;
      expect(await validateAgainstXsd(xml)).toEqual({ valid: true, errors: [] });
      expect(swedishGuideProblems(xml)).toEqual([]);
      expect(controlTotalProblems(xml)).toEqual([]);
      expect(xml).toContain('<CtrlSum>2624.45</CtrlSum>');
      expect(xml).toContain('<MmbId>9960</MmbId>');
      expect(xml).toContain('<IBAN>SE7360000000000012345678</IBAN>');
      expect(xml).toContain(`<Ustrd>Kundval 2025-06 ref 20250684 order ${iban.orderId}</Ustrd>`);
      expect(xml.match(/<Ref>20250684<\/Ref>/g)).toHaveLength(2);
    });

    it('records rejections and retries only the rejected payments, to the corrected account', async () => {
      await registerAccount('retry-a', '5050-1055');
      await registerAccount('retry-b', '1234566');
      const a = await seedProviderPayment(t.db, { providerId: 'retry-a', month: '2025-06', amountOre: 50_000 });
      const b = await seedProviderPayment(t.db, { providerId: 'retry-b', month: '2025-06', amountOre: 70_000 });
      const batch = await createBatch('2025-06');

      const sent = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/sent`, headers: finance });
      expect(sent.statusCode).toBe(200);
      expect(sent.json()).toMatchObject({ status: 'sent' });

      const rejected = await t.app.inject({
        method: 'POST',
        url: `/payment-batches/${batch.batchId}/rejections`,
        headers: finance,
        payload: { rejections: [{ providerId: 'retry-b', reason: 'AC01 wrong account number' }] },
      });
      expect(rejected.statusCode).toBe(200);
      expect(rejected.json()).toMatchObject({ status: 'rejected-partly', includedPayments: 1, includedOre: 50_000 });
      expect(rejected.json().items.find((i: { providerId: string }) => i.providerId === 'retry-b')).toMatchObject({ status: 'rejected', rejectionReason: 'AC01 wrong account number' });

      await registerAccount('retry-b', '902-0900');
      const retry = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/retry`, headers: finance, payload: {} });
      expect(retry.statusCode).toBe(201);
      const retryBatch = retry.json();
      expect(retryBatch).toMatchObject({ retryOf: batch.batchId, month: '2025-06', status: 'created', includedPayments: 1 });
      expect(retryBatch.items).toMatchObject([{ paymentId: b.paymentId, bankgiro: '9020900', status: 'included' }]);
      expect(retryBatch.items[0].endToEndId).not.toBe(batch.items.find((i: { paymentId: string }) => i.paymentId === b.paymentId).endToEndId);
      expect(retryBatch.items.some((i: { paymentId: string }) => i.paymentId === a.paymentId)).toBe(false);

      const original = await t.app.inject({ method: 'GET', url: `/payment-batches/${batch.batchId}`, headers: finance });
      expect(original.json().items.find((i: { paymentId: string }) => i.paymentId === b.paymentId)).toMatchObject({ retriedIn: retryBatch.batchId });

      const twice = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/retry`, headers: finance });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error).toBe('BILLING.NOTHING_TO_RETRY');

      const file = await t.app.inject({ method: 'GET', url: `/payment-batches/${retryBatch.batchId}/pain001`, headers: finance });
      expect((await validateAgainstXsd(file.body)).valid).toBe(true);
      expect(await auditActions(batch.batchId)).toEqual(['payment-batch.created', 'payment-batch.sent', 'payment-batch.rejections-recorded']);
      expect(await auditActions(retryBatch.batchId)).toEqual(['payment-batch.retried']);
    });

    it('refuses a rejection for a provider that has no payment in the batch (400)', async () => {
      await registerAccount('rej-a', '5050-1055');
      await seedProviderPayment(t.db, { providerId: 'rej-a', month: '2025-07', amountOre: 100 });
      const batch = await createBatch('2025-07');
      const res = await t.app.inject({ method: 'POST', url: `/payment-batches/${batch.batchId}/rejections`, headers: finance, payload: { rejections: [{ providerId: 'somebody-else', reason: 'AC01' }] } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BILLING.NOT_IN_BATCH', issues: [{ field: 'body.rejections.0.providerId' }] });
    });

    it('refuses an execution date in the past and a malformed month (400)', async () => {
      const past = await t.app.inject({ method: 'POST', url: '/payment-batches', headers: finance, payload: { month: '2025-03', executionDate: '2001-01-01' } });
      expect(past.statusCode).toBe(400);
      expect(past.json().error).toBe('BILLING.EXECUTION_DATE_PAST');
      const month = await t.app.inject({ method: 'POST', url: '/payment-batches', headers: finance, payload: { month: '2025-13' } });
      expect(month.statusCode).toBe(400);
      expect(month.json().issues).toEqual([{ field: 'body.month', reason: 'expected YYYY-MM, year 1900–2999' }]);
      // Year 0000 passed the old pattern and PostgreSQL then refused it as a server error.
      const yearZero = await t.app.inject({ method: 'POST', url: '/payment-batches', headers: finance, payload: { month: '0000-01' } });
      expect([yearZero.statusCode, yearZero.json().issues]).toEqual([400, [{ field: 'body.month', reason: 'expected YYYY-MM, year 1900–2999' }]]);
      const billingRun = await t.app.inject({ method: 'POST', url: '/billing-runs', headers: finance, payload: { month: '0000-01' } });
      expect([billingRun.statusCode, billingRun.json().issues]).toEqual([400, [{ field: 'body.month', reason: 'expected YYYY-MM, year 1900–2999' }]]);
    });

    const batchRoutes = [
      { method: 'GET', path: '' },
      { method: 'GET', path: '/pain001' },
      { method: 'POST', path: '/sent' },
      { method: 'POST', path: '/rejections', payload: { rejections: [{ providerId: 'x', reason: 'AC01' }] } },
      { method: 'POST', path: '/retry', payload: {} },
    ] as const;

    it.each(batchRoutes)('$method /payment-batches/:batchId$path answers 404 for an unknown batch and 400 for a malformed id', async ({ method, path, ...rest }) => {
      const payload = 'payload' in rest ? rest.payload : undefined;
      const unknown = await t.app.inject({ method, url: `/payment-batches/${UNKNOWN}${path}`, headers: finance, ...(payload ? { payload } : {}) });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ error: 'BILLING.BATCH_NOT_FOUND' });
      const malformed = await t.app.inject({ method, url: `/payment-batches/not-a-uuid${path}`, headers: finance, ...(payload ? { payload } : {}) });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error).toBe('VALIDATION');
    });

    it.each([{ method: 'POST', path: '/payment-batches', payload: { month: '2025-03' } }, ...batchRoutes.map((r) => ({ ...r, path: `/payment-batches/${UNKNOWN}${r.path}` }))])(
      '$method $path needs a token (401) and the finance role (403)',
      async ({ method, path, ...rest }) => {
        const payload = 'payload' in rest ? rest.payload : undefined;
        const anonymous = await t.app.inject({ method, url: path, ...(payload ? { payload } : {}) });
        expect(anonymous.statusCode).toBe(401);
        expect(anonymous.json().error).toBe('AUTH.MISSING_TOKEN');
        const administrator = await t.app.inject({ method, url: path, headers: await t.as({ role: 'administrator' }), ...(payload ? { payload } : {}) });
        expect(administrator.statusCode).toBe(403);
      },
    );
  });

  describe('GET /exports/sie', () => {
    it('declares the chart of accounts and numbers each voucher once: the same number at every export, the next ones for new vouchers', async () => {
      await seedProviderPayment(t.db, { providerId: 'num-a', month: '2026-02', amountOre: 10_000 });
      await seedFeeInvoice(t.db, { month: '2026-02', feeOre: 5_000, ocrReference: '98765480' });
      const first = await t.app.inject({ method: 'GET', url: '/exports/sie?month=2026-02', headers: finance });
      expect(sie4Problems(first.rawPayload)).toEqual([]);
      const sie = parseSie(first.rawPayload);
      expect(sie.chartType).toBe('EUBAS97');
      expect(sie.accounts.map((a) => a.number)).toEqual(['1510', '1511', '1930', '2420', '2440', '2999', '3010', '4510']);
      // Provider payments come first, then fee invoices.
      const [n1, n2] = sie.vouchers.map((v) => v.number!);
      expect(n2).toBe(n1! + 1);

      const again = parseSie((await t.app.inject({ method: 'GET', url: '/exports/sie?month=2026-02', headers: finance })).rawPayload);
      expect(again.vouchers.map((v) => v.number)).toEqual([n1, n2]);

      await seedProviderPayment(t.db, { providerId: 'num-b', month: '2026-02', amountOre: 7_000 });
      const later = parseSie((await t.app.inject({ method: 'GET', url: '/exports/sie?month=2026-02', headers: finance })).rawPayload);
      const byText = Object.fromEntries(later.vouchers.map((v) => [v.text.startsWith('Avgift') ? 'invoice' : v.text.split(' order ')[0], v.number]));
      expect(byText).toEqual({ 'Ersättning 2026-02 num-a': n1, invoice: n2, 'Ersättning 2026-02 num-b': n2! + 1 });
      const numbered = await t.db.selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', 'KV').where('action', '=', 'sie-vouchers.numbered').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      expect(numbered.after).toEqual({ month: '2026-02', first: n2! + 1, last: n2! + 1 });
    });

    it("exports one balanced voucher per provider payment and per fee invoice of the month, in CP437", async () => {
      await seedProviderPayment(t.db, { providerId: 'sie-a', month: '2025-08', amountOre: 1_234_550 });
      await seedProviderPayment(t.db, { providerId: 'sie-b', month: '2025-08', amountOre: 0 });
      await seedProviderPayment(t.db, { providerId: 'sie-a', month: '2025-09', amountOre: 500 });
      await seedFeeInvoice(t.db, { month: '2025-08', feeOre: 31_200, ocrReference: '1234574' });

      const res = await t.app.inject({ method: 'GET', url: '/exports/sie?month=2025-08', headers: finance });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=IBM437');
      const sie = parseSie(res.rawPayload);
      expect(sie).toMatchObject({ flagga: '0', format: 'PC8', sieType: '4', companyName: 'Demo kommun' });
      expect(sie.vouchers).toHaveLength(2);
      expect(sie.vouchers.map((v) => ({ date: v.date, transactions: v.transactions }))).toEqual([
        { date: '2025-08-31', transactions: [{ account: '4510', amountOre: 1_234_550 }, { account: '2440', amountOre: -1_234_550 }] },
        { date: '2025-08-31', transactions: [{ account: '1510', amountOre: 31_200 }, { account: '3010', amountOre: -31_200 }] },
      ]);
      expect(sie.vouchers[0]!.text).toMatch(/^Ersättning 2025-08 sie-a order /);
      expect(sie.vouchers[1]!.text).toMatch(/OCR 1234574$/);
    });

    it('exports a recharge to the municipality that placed the customer as a balanced receivable against the voucher cost', async () => {
      const { orderId } = await seedRechargedPayment(t.db, { providerId: 'sie-ike', month: '2025-10', amountOre: 4_860_000, decidingMunicipality: 'Värmdö' });
      const sie = parseSie((await t.app.inject({ method: 'GET', url: '/exports/sie?month=2025-10', headers: finance })).rawPayload);
      expect(sie.vouchers).toEqual([
        { series: 'KV', number: expect.any(Number), date: '2025-10-31', text: `Ersättning 2025-10 sie-ike order ${orderId}`, transactions: [{ account: '4510', amountOre: 4_860_000 }, { account: '2440', amountOre: -4_860_000 }] },
        { series: 'KV', number: expect.any(Number), date: '2025-10-31', text: `Interkommunal ersättning 2025-10 Värmdö order ${orderId}`, transactions: [{ account: '1511', amountOre: 4_860_000 }, { account: '4510', amountOre: -4_860_000 }] },
      ]);
      // The voucher cost is what the municipality bears itself: the recharge takes the payment off it again.
      const costOn4510 = sie.vouchers.flatMap((v) => v.transactions).filter((tr) => tr.account === '4510').reduce((s, tr) => s + tr.amountOre, 0);
      expect(costOn4510).toBe(0);
    });

    it('refuses a malformed month (400), a caller without a token (401) and a provider (403)', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/exports/sie?month=2025-8', headers: finance })).statusCode).toBe(400);
      expect((await t.app.inject({ method: 'GET', url: '/exports/sie', headers: finance })).statusCode).toBe(400);
      expect((await t.app.inject({ method: 'GET', url: '/exports/sie?month=2025-08' })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'GET', url: '/exports/sie?month=2025-08', headers: provider })).statusCode).toBe(403);
    });
  });
});
