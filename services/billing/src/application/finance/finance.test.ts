import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrReference, stockholmDate } from '@kundval/domain';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { bgmax } from '../../finance/test-support/bank-files.js';
import { seedProviderPayment } from '../../finance/test-support/billing-service.js';
import { loadFinanceSettings } from '../../finance/config.js';
import { providerInvoiceOcr } from '../../payments/provider-invoices.js';
import { inUseCase, openBillingStore, queryAs } from '../../test-support/use-cases.js';
import type { BillingDb } from '../../store/db.js';
import { outstandingCredits } from './outstanding-credits.js';
import { providerCredits } from './provider-credits.js';
import { invoiceProviderCredits } from './invoice-provider-credits.js';
import { listProviderInvoices } from './list-provider-invoices.js';
import { registerProviderAccount } from './register-provider-account.js';
import { createPaymentBatch } from './payment-batches.js';
import { readPaymentBatch } from './read-payment-batch.js';
import { paymentFile } from './payment-file.js';
import { importPaymentFile, importStatusReport } from './bank-files.js';
import { listIncomingPayments } from './incoming-payments.js';
import { customerCredits } from './customer-credits.js';

const finance: Principal = { sub: 'finance-user', role: 'finance' };
const provider = (providerId: string): Principal => ({ sub: `${providerId}-user`, role: 'provider', providerId });
// Credits are stamped with the database's clock: the invoicing is judged by the same day.
const now = new Date();
const RULES = { afterDays: 0, paymentTermDays: 30 };

/** The finance use cases that routes used to do by hand: credits against providers, their invoices, a batch and its file, the bank's files and their lists. */
describe.each(testEngines())('finance use cases on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  let credits: string[];
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_finance_use_cases');
    // uc-left owes two credits and has no payment coming; uc-busy owes one but has a payment coming to set it off.
    credits = [
      (await seedProviderPayment(store.db, { providerId: 'uc-left', month: '2025-03', amountOre: -5_000 })).paymentId,
      (await seedProviderPayment(store.db, { providerId: 'uc-left', month: '2025-04', amountOre: -3_000 })).paymentId,
    ];
    await seedProviderPayment(store.db, { providerId: 'uc-busy', month: '2025-04', amountOre: -2_000 });
    await seedProviderPayment(store.db, { providerId: 'uc-busy', month: '2025-05', amountOre: 40_000 });
  });
  afterAll(() => store?.close());

  it("groups the credits not set off per provider, and answers a provider its own only", async () => {
    const all = await outstandingCredits(queryAs(store.db, finance), {});
    expect(all.map((g) => [g.providerId, g.outstandingOre, g.credits.length])).toEqual([
      ['uc-left', -8_000, 2],
      ['uc-busy', -2_000, 1],
    ]);
    const own = await providerCredits(queryAs(store.db, provider('uc-left')), { providerId: 'uc-left' });
    expect(own.credits.map((c) => [c.paymentId, c.month, c.amountOre])).toEqual([
      [credits[0], '2025-03', -5_000],
      [credits[1], '2025-04', -3_000],
    ]);
    expect(await providerCredits(queryAs(store.db, finance), { providerId: 'uc-none' })).toEqual({ providerId: 'uc-none', outstandingOre: 0, oldestAt: null, credits: [] });
    await expect(providerCredits(queryAs(store.db, provider('uc-left')), { providerId: 'uc-busy' })).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it('invoices only the provider with no payment coming: a dry run lists, the real run issues an audited invoice with an OCR and takes its credits out', async () => {
    const today = stockholmDate(now);
    await expect(inUseCase(store.db, finance, (ctx) => invoiceProviderCredits(ctx, { asOf: '2999-01-01', dryRun: false }, RULES), now)).rejects.toMatchObject({
      kind: 'invalid',
      code: 'BILLING.INVOICE_DATE_FUTURE',
      details: { field: 'body.asOf' },
    });
    const dry = await inUseCase(store.db, finance, (ctx) => invoiceProviderCredits(ctx, { dryRun: true }, RULES), now);
    expect(dry.result.invoices).toEqual([{ invoiceId: null, invoiceNumber: null, providerId: 'uc-left', amountOre: 8_000, ocrReference: null, dueDate: expect.any(String), credits: expect.any(Array) }]);

    const issued = await inUseCase(store.db, finance, (ctx) => invoiceProviderCredits(ctx, { dryRun: false }, RULES), now);
    const [invoice] = issued.result.invoices;
    expect(issued.result).toMatchObject({ asOf: today, dryRun: false });
    expect(invoice).toMatchObject({ providerId: 'uc-left', amountOre: 8_000, ocrReference: providerInvoiceOcr(invoice!.invoiceNumber!) });
    expect(invoice!.credits.map((c) => c.paymentId)).toEqual(credits);
    const audit = await store.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', '=', 'provider-invoice.issued').execute();
    expect(audit).toEqual([{ action: 'provider-invoice.issued', entity_id: 'uc-left' }]);
    expect((await outstandingCredits(queryAs(store.db, finance), {})).map((g) => g.providerId)).toEqual(['uc-busy']);
    expect(await listProviderInvoices(queryAs(store.db, finance), { providerId: 'uc-left' })).toEqual([
      expect.objectContaining({ invoiceId: invoice!.invoiceId, amountOre: 8_000, paidOre: 0, balanceOre: 8_000, status: 'unpaid' }),
    ]);
  });

  it("reads a batch back, its credit set off against the payment, and makes its pain.001 file named by its MsgId; an unknown batch is not found", async () => {
    await inUseCase(store.db, finance, (ctx) => registerProviderAccount(ctx, { providerId: 'uc-busy', name: 'UC Busy AB', account: { kind: 'bankgiro', number: '5050-1055' } }));
    const made = await inUseCase(store.db, finance, (ctx) => createPaymentBatch(ctx, { month: '2025-05', executionDate: '2025-06-12' }));
    const batch = await readPaymentBatch(queryAs(store.db, finance), { batchId: made.result.batchId });
    expect(batch).toMatchObject({ batchId: made.result.batchId, month: '2025-05', status: 'created', includedPayments: 2, includedOre: 38_000 });
    expect(await outstandingCredits(queryAs(store.db, finance), {})).toEqual([]);
    const file = await paymentFile(queryAs(store.db, finance), { batchId: batch.batchId }, loadFinanceSettings({}));
    expect(file.fileName).toBe(`${batch.messageId}.xml`);
    expect(file.xml).toContain(`<MsgId>${batch.messageId}</MsgId>`);
    expect(file.xml).toContain('<CtrlSum>380.00</CtrlSum>');
    await expect(readPaymentBatch(queryAs(store.db, finance), { batchId: '00000000-0000-4000-8000-000000000999' })).rejects.toMatchObject({ kind: 'not-found', code: 'BILLING.BATCH_NOT_FOUND' });
  });

  it("refuses a bank file that does not read as its format, or a BgMax test file, as invalid naming where; keeps an unknown OCR's payment unmatched", async () => {
    await expect(inUseCase(store.db, finance, (ctx) => importStatusReport(ctx, { batchId: '00000000-0000-4000-8000-000000000999', xml: '<Document>' }))).rejects.toMatchObject({ kind: 'invalid', code: 'BILLING.BANK_FILE' });
    const lines = (marker: 'P' | 'T') =>
      [
        bgmax.start('20250605061503000001', marker),
        bgmax.opening('56781234'),
        bgmax.payment({ reference: createOcrReference('7199999'), ore: 30_000, serial: '250605000001' }),
        bgmax.deposit({ account: '33001234567', date: '20250605', serial: '1', ore: 30_000, count: 1 }),
        bgmax.end({ payments: 1, deposits: 1 }),
      ].join('\n');
    await expect(inUseCase(store.db, finance, (ctx) => importPaymentFile(ctx, { format: 'bgmax', text: lines('T') }))).rejects.toMatchObject({ kind: 'invalid', code: 'BILLING.BANK_FILE', details: { field: 'body' } });

    const imported = await inUseCase(store.db, finance, (ctx) => importPaymentFile(ctx, { format: 'bgmax', text: lines('P') }));
    expect(imported.result).toMatchObject({ format: 'bgmax', duplicate: false, matched: 0, unmatched: 1, matchedOre: 0, unmatchedOre: 30_000 });
    const listed = await listIncomingPayments(queryAs(store.db, finance), { status: 'unmatched', limit: 10 });
    expect(listed.payments.map((p) => [p.amountOre, p.status, p.unmatchedReason])).toEqual([[30_000, 'unmatched', 'unknown-reference']]);
    expect(await listIncomingPayments(queryAs(store.db, finance), { status: 'matched', limit: 10 })).toEqual({ payments: [] });
    expect(await customerCredits(queryAs(store.db, finance))).toEqual({ credits: [] });
  });
});
