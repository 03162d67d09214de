import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { inUseCase, openBillingStore, queryAs } from '../../test-support/use-cases.js';
import type { BillingDb } from '../../store/db.js';
import { feeStatement } from './fee-statement.js';
import { listFeeCredits } from './list-fee-credits.js';
import { releaseFeeCredits } from './release-fee-credits.js';

const finance: Principal = { sub: 'finance-user', role: 'finance' };
const RULES = { setOffDays: 90 };

/** A credit note of `amountOre` for the customer's month and its open credit, made on `createdOn`, as a lowered fee leaves them. */
async function seedCredit(db: BillingDb, customerId: string, month: string, amountOre: number, createdOn: string): Promise<string> {
  const creditId = randomUUID();
  await db
    .insertInto('fee_invoices')
    .values({ invoice_id: creditId, customer_id: customerId, application_id: randomUUID(), month, period_month: month, total_fee_ore: 0, approved_minutes: 0, tariff_ore: 0, maxtaxa_ore: 257_600, fee_room_ore: null, fee_ore: -amountOre, applied_cap: 'tariff', ocr_reference: null, cause: 'fewer-deliveries', basis: 'uc-credit' })
    .execute();
  await db.insertInto('fee_credits').values({ credit_id: creditId, customer_id: customerId, month, amount_ore: amountOre, remaining_ore: amountOre, cause: 'fewer-deliveries', status: 'open', created_on: createdOn }).execute();
  return creditId;
}

/** The fee-credit use cases without HTTP: the customer's statement, the credit list and the payback release. */
describe.each(testEngines())('fee credit use cases on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  const customerId = randomUUID();
  let oldCredit: string;
  let freshCredit: string;
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_fee_credit_use_cases');
    // TEST_NOW is 10 June 2025: a credit of 10 January has waited 90 days, one of 1 June has not.
    oldCredit = await seedCredit(store.db, customerId, '2025-01', 12_500, '2025-01-10');
    freshCredit = await seedCredit(store.db, customerId, '2025-05', 4_000, '2025-06-01');
  });
  afterAll(() => store?.close());

  it('refuses to judge paybacks by a day after today', async () => {
    await expect(inUseCase(store.db, finance, (ctx) => releaseFeeCredits(ctx, { asOf: '2025-06-11', dryRun: false }, RULES))).rejects.toMatchObject({
      kind: 'invalid',
      code: 'BILLING.PAYBACK_DATE_FUTURE',
      details: { field: 'body.asOf' },
    });
  });

  it('lists in a dry run, then releases only the credit that waited its days, audited, leaving the fresh one open', async () => {
    const dry = await inUseCase(store.db, finance, (ctx) => releaseFeeCredits(ctx, { dryRun: true }, RULES));
    expect(dry.result).toEqual({ asOf: '2025-06-10', dryRun: true, setOffDays: 90, released: [{ creditId: oldCredit, customerId, month: '2025-01', cause: 'fewer-deliveries', amountOre: 12_500, returnedOre: 12_500, createdOn: '2025-01-10' }] });
    expect((await listFeeCredits(queryAs(store.db, finance), { status: 'to-return', limit: 10 })).map((c) => c.creditId)).toEqual([]);

    const released = await inUseCase(store.db, finance, (ctx) => releaseFeeCredits(ctx, { dryRun: false }, RULES));
    expect(released.result.released.map((c) => c.creditId)).toEqual([oldCredit]);
    expect(released.events).toEqual([]);
    expect((await listFeeCredits(queryAs(store.db, finance), { status: 'to-return', limit: 10 })).map((c) => [c.creditId, c.remainingOre, c.returnedOre, c.returnDecidedOn])).toEqual([[oldCredit, 0, 12_500, '2025-06-10']]);
    expect((await listFeeCredits(queryAs(store.db, finance), { status: 'open', limit: 10 })).map((c) => c.creditId)).toEqual([freshCredit]);
    const audit = await store.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', '=', 'fee-credit.released-for-payback').execute();
    expect(audit).toEqual([{ action: 'fee-credit.released-for-payback', entity_id: customerId }]);
  });

  it("answers the customer their own statement and refuses another citizen's", async () => {
    const own = await feeStatement(queryAs(store.db, { sub: 'citizen', role: 'citizen', customerId }), { customerId });
    expect(own.lines.map((l) => [l.kind, l.feeOre])).toEqual([
      ['credit-note', -12_500],
      ['credit-note', -4_000],
    ]);
    expect([own.openCreditOre, own.toReturnOre, own.balanceOre]).toEqual([4_000, 12_500, 0]);
    expect(() => feeStatement(queryAs(store.db, { sub: 'other', role: 'citizen', customerId: randomUUID() }), { customerId })).toThrow(expect.objectContaining({ kind: 'forbidden' }));
  });
});
