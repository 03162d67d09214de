import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { inUseCase, openBillingStore, queryAs } from '../../test-support/use-cases.js';
import type { BillingDb } from '../../store/db.js';
import { saveRateTable } from './save-rate-table.js';
import { saveUnitRateTable, type UnitRateTable } from './save-unit-rate-table.js';
import { listRateTables } from './list-rate-tables.js';
import { listUnitRateTables } from './list-unit-rate-tables.js';

const finance: Principal = { sub: 'finance-user', role: 'finance' };
const dayRates = (municipal: number, privately: number): UnitRateTable['rates'] =>
  ['1', '2', '3'].flatMap((level) => [
    { level, providerKind: 'municipal' as const, orePerUnit: municipal },
    { level, providerKind: 'private' as const, orePerUnit: privately },
  ]);

/** The rate-table use cases without HTTP: what they save, audit, list and refuse. */
describe.each(testEngines())('rate table use cases on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_rate_use_cases');
  });
  afterAll(() => store?.close());

  const auditOf = (entityId: string) => store.db.selectFrom('audit_log').select(['action', 'actor', 'before', 'after']).where('entity_id', '=', entityId).orderBy('id').execute();

  it('saves a voucher rate table, replaces it under the same id, audits both with what they replaced, and lists it', async () => {
    const table = { municipality: 'nacka', areaId: 'uc-area', validFrom: '2025-01-01', validTo: null, rates: [{ kind: 'care' as const, band: 'weekday-day', providerKind: 'private' as const, orePerHour: 31_000 }] };
    const first = await inUseCase(store.db, finance, (ctx) => saveRateTable(ctx, { rateTableId: 'uc-table', table }));
    expect(first).toEqual({ result: { rateTableId: 'uc-table' }, created: false, events: [] });
    const raised = { ...table, rates: [{ ...table.rates[0]!, orePerHour: 32_000 }] };
    await inUseCase(store.db, finance, (ctx) => saveRateTable(ctx, { rateTableId: 'uc-table', table: raised }));

    expect(await listRateTables(queryAs(store.db, finance), { areaId: 'uc-area' })).toEqual([{ rateTableId: 'uc-table', ...raised }]);
    const audit = await auditOf('uc-table');
    expect(audit.map((a) => [a.action, a.actor, a.before === null])).toEqual([
      ['rate-table.saved', 'finance-user', true],
      ['rate-table.saved', 'finance-user', false],
    ]);
    expect(audit[1]!.after).toEqual(raised);
  });

  it('saves a per-unit table checked against the area and lists it by municipality', async () => {
    const table: UnitRateTable = { municipality: 'uc-kommun', areaId: 'day-activities', validFrom: '2025-01-01', validTo: null, rates: dayRates(70_000, 74_200) };
    const saved = await inUseCase(store.db, finance, (ctx) => saveUnitRateTable(ctx, { unitRateTableId: 'uc-day-2025', table }));
    expect(saved.result).toEqual({ unitRateTableId: 'uc-day-2025' });
    const listed = await listUnitRateTables(queryAs(store.db, finance), { areaId: 'day-activities' });
    expect(listed.filter((t) => t.municipality === 'uc-kommun')).toEqual([{ unitRateTableId: 'uc-day-2025', ...table }]);
    expect((await auditOf('uc-day-2025')).map((a) => a.action)).toEqual(['unit-rate-table.saved']);
  });

  it.each([
    ['an area not paid per unit', { areaId: 'home-care' }, 'BILLING.UNKNOWN_AREA', 'body.areaId'],
    ['a level the area lacks', { rates: [...dayRates(1, 1), { level: '9', providerKind: 'private' as const, orePerUnit: 1 }] }, 'DOMAIN.UNKNOWN_LEVEL', 'body.rates'],
    ['a level priced for one provider kind only', { rates: dayRates(1, 1).slice(1) }, 'DOMAIN.RATE_MISSING', 'body.rates'],
  ])('refuses %s as invalid, naming the field and saving nothing', async (_what, change, code, field) => {
    const table: UnitRateTable = { municipality: 'uc-refused', areaId: 'day-activities', validFrom: '2025-01-01', validTo: null, rates: dayRates(1, 1), ...change };
    await expect(inUseCase(store.db, finance, (ctx) => saveUnitRateTable(ctx, { unitRateTableId: 'uc-refused', table }))).rejects.toMatchObject({ kind: 'invalid', code, details: { field } });
    expect(await store.db.selectFrom('unit_rate_tables').select('unit_rate_table_id').where('unit_rate_table_id', '=', 'uc-refused').execute()).toEqual([]);
  });

  it("refuses a table overlapping another of the municipality's in time as a conflict", async () => {
    const table: UnitRateTable = { municipality: 'uc-overlap', areaId: 'day-activities', validFrom: '2025-01-01', validTo: null, rates: dayRates(1, 1) };
    await inUseCase(store.db, finance, (ctx) => saveUnitRateTable(ctx, { unitRateTableId: 'uc-overlap-a', table }));
    await expect(inUseCase(store.db, finance, (ctx) => saveUnitRateTable(ctx, { unitRateTableId: 'uc-overlap-b', table: { ...table, validFrom: '2025-06-01' } }))).rejects.toMatchObject({
      kind: 'conflict',
      code: 'DOMAIN.RATE_TABLE_OVERLAP',
    });
  });
});
