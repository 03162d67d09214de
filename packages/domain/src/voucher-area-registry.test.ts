import { describe, expect, it } from 'vitest';
import { BUILT_IN_AREAS, createVoucherAreaRegistry, voucherAreaRegistry } from './voucher-area-registry.js';
import { DomainError } from './errors.js';
import { HOME_CARE } from './areas/home-care.js';
import { NURSING_HOME } from './areas/nursing-home.js';
import { DAY_ACTIVITIES } from './areas/day-activities.js';
import type { UnitAreaDefinition } from './voucher-areas.js';

describe('the voucher-area registry', () => {
  // Areas added later register after these five (BUILT_IN_AREAS appends): the pins stay true.
  it('holds the five original built-in areas first, and every area of BUILT_IN_AREAS in its order', () => {
    expect(voucherAreaRegistry.list().map((a) => a.id)).toEqual(BUILT_IN_AREAS.map((a) => a.id));
    expect(voucherAreaRegistry.list().slice(0, 5).map((a) => [a.id, a.deliveryUnit, a.decisionKind])).toEqual([
      ['home-care', 'minutes-by-band', 'full'],
      ['nursing-home', 'occupancy-day', 'full'],
      ['day-activities', 'attendance-day', 'simplified'],
      ['family-counselling', 'session', 'simplified'],
      ['adult-education', 'session', 'simplified'],
    ]);
    expect(voucherAreaRegistry.get('home-care').nameSv).toBe('Hemtjänst');
  });

  it('says per area whether the customer may use several providers at once: day activities only', () => {
    expect(voucherAreaRegistry.list().slice(0, 5).map((a) => [a.id, a.providers])).toEqual([
      ['home-care', 'one'],
      ['nursing-home', 'one'],
      ['day-activities', 'several'],
      ['family-counselling', 'one'],
      ['adult-education', 'one'],
    ]);
  });

  it('refuses an unknown area with DOMAIN.UNKNOWN_AREA', () => {
    expect(voucherAreaRegistry.has('chiropody')).toBe(false);
    expect(() => voucherAreaRegistry.get('chiropody')).toThrow(DomainError);
    expect(() => voucherAreaRegistry.get('chiropody')).toThrow(expect.objectContaining({ code: 'DOMAIN.UNKNOWN_AREA' }));
  });

  it('refuses the same area twice with DOMAIN.DUPLICATE_AREA', () => {
    expect(() => createVoucherAreaRegistry([HOME_CARE, HOME_CARE])).toThrow(expect.objectContaining({ code: 'DOMAIN.DUPLICATE_AREA' }));
  });

  it('leaves a registry unchanged when a new one is made from it', () => {
    const small = createVoucherAreaRegistry([HOME_CARE]);
    const bigger = small.register(DAY_ACTIVITIES);
    expect(small.has('day-activities')).toBe(false);
    expect(bigger.get('day-activities').id).toBe('day-activities');
  });

  const nursingTable = NURSING_HOME.rateTables[0] as UnitAreaDefinition['rateTables'][number];
  it.each([
    ['a definition missing its names', { ...HOME_CARE, nameSv: undefined }, 'DOMAIN.INVALID_AREA_DEFINITION'],
    ['an unknown delivery unit', { ...NURSING_HOME, deliveryUnit: 'hour' }, 'DOMAIN.INVALID_AREA_DEFINITION'],
    ['a rate table of another area', { ...NURSING_HOME, rateTables: [{ ...nursingTable, areaId: 'home-care' }] }, 'DOMAIN.INVALID_AREA_DEFINITION'],
    ['rate tables with a gap', { ...NURSING_HOME, rateTables: [{ ...nursingTable, validTo: '2025-01-01' }, { ...nursingTable, id: 'b', validFrom: '2025-02-01' }] }, 'DOMAIN.RATE_TABLE_GAP'],
    ['rate tables that overlap', { ...NURSING_HOME, rateTables: [{ ...nursingTable, validTo: '2025-03-01' }, { ...nursingTable, id: 'b', validFrom: '2025-02-01' }] }, 'DOMAIN.RATE_TABLE_OVERLAP'],
    ['a rate for an unknown level', { ...NURSING_HOME, rateTables: [{ ...nursingTable, rates: [...nursingTable.rates, { level: '9', providerKind: 'private', orePerUnit: 1 }] }] }, 'DOMAIN.UNKNOWN_LEVEL'],
    ['a level without a rate', { ...NURSING_HOME, rateTables: [{ ...nursingTable, rates: nursingTable.rates.filter((r) => r.level !== '8') }] }, 'DOMAIN.RATE_MISSING'],
    ['care-need points that leave a gap', { ...NURSING_HOME, levels: NURSING_HOME.levels.map((l) => (l.id === '2' ? { ...l, careNeedPoints: { min: 7, max: 8 } } : l)) }, 'DOMAIN.LEVEL_MAPPING_INVALID'],
    ['a home-care table without a band’s rate', { ...HOME_CARE, rateTables: [{ ...HOME_CARE.rateTables[0], rates: HOME_CARE.rateTables[0]!.rates.filter((r) => r.band !== 'weekday-evening') }] }, 'DOMAIN.RATE_MISSING'],
    ['a required care plan without a deadline', { ...HOME_CARE, carePlan: { required: true, deadlineDays: null } }, 'DOMAIN.INVALID_AREA_DEFINITION'],
    ['a definition that does not say how many providers at once', { ...DAY_ACTIVITIES, providers: undefined }, 'DOMAIN.INVALID_AREA_DEFINITION'],
    ['an unknown number of providers at once', { ...DAY_ACTIVITIES, providers: 'many' }, 'DOMAIN.INVALID_AREA_DEFINITION'],
    ['several homes at once for an area paid per occupancy day', { ...NURSING_HOME, providers: 'several' }, 'DOMAIN.INVALID_AREA_DEFINITION'],
  ])('refuses %s', (_name, definition, code) => {
    expect(() => createVoucherAreaRegistry([definition])).toThrow(expect.objectContaining({ code }));
  });
});
