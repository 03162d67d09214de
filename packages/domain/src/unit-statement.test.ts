import { describe, expect, it } from 'vitest';
import { priceUnitStatement, type UnitDelivery } from './unit-statement.js';
import { FAMILY_COUNSELLING } from './areas/family-counselling.js';
import { HOME_CARE } from './areas/home-care.js';
import type { UnitAreaDefinition } from './voucher-areas.js';

const session = (id: string, over: Partial<UnitDelivery> = {}): UnitDelivery => ({
  deliveryId: id,
  customerId: 'c1',
  date: '2025-03-04',
  level: 'standard',
  units: 1,
  status: 'approved',
  ...over,
});

describe('unit statements', () => {
  it('sums units per level and rate, and totals the lines', () => {
    const statement = priceUnitStatement({
      area: FAMILY_COUNSELLING,
      providerId: 'p',
      providerKind: 'private',
      month: '2025-03',
      deliveries: [session('d1'), session('d2', { units: 2, customerId: 'c2' }), session('d3', { date: '2025-03-04' })],
    });
    expect(statement.lines).toEqual([{ level: 'standard', orePerUnit: 127_200, units: 4, amountOre: 508_800 }]);
    expect(statement.totalOre).toBe(508_800);
  });

  it('asks which municipality when an area has tables of several', () => {
    const table = FAMILY_COUNSELLING.rateTables[0] as UnitAreaDefinition['rateTables'][number];
    const area = { ...FAMILY_COUNSELLING, rateTables: [table, { ...table, id: 'solna', municipality: 'solna', rates: table.rates.map((r) => ({ ...r, orePerUnit: 1 })) }] };
    const input = { area, providerId: 'p', providerKind: 'municipal' as const, month: '2025-03', deliveries: [session('d1')] };
    expect(() => priceUnitStatement(input)).toThrow(expect.objectContaining({ code: 'DOMAIN.RATE_TABLES_AMBIGUOUS' }));
    expect(priceUnitStatement({ ...input, municipality: 'solna' }).totalOre).toBe(1);
  });

  it.each([
    ['a minutes-by-band area', { area: HOME_CARE }, 'DOMAIN.AREA_DELIVERY_UNIT_MISMATCH'],
    ['a date before every rate table', { deliveries: [session('d1', { date: '2023-12-31', status: 'approved' })], month: '2023-12' }, 'DOMAIN.NO_RATE_TABLE'],
    ['zero units', { deliveries: [session('d1', { units: 0 })] }, 'DOMAIN.INVALID_DELIVERY'],
    ['a bad month', { month: '2025-3' }, 'DOMAIN.INVALID_INPUT'],
  ])('refuses %s', (_name, over, code) => {
    expect(() => priceUnitStatement({ area: FAMILY_COUNSELLING, providerId: 'p', providerKind: 'municipal', month: '2025-03', deliveries: [session('d1')], ...over })).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
