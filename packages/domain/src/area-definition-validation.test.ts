// Registration checks a whole definition against what the platform can do, and names every problem
// at once: a definition that registers is one billing can price, charge and pay.
import { describe, expect, it } from 'vitest';
import { areaDefinitionProblems, BUILT_IN_AREAS, createVoucherAreaRegistry, levelIdForDecision, validateVoucherAreaDefinition } from './voucher-area-registry.js';
import { DELIVERY_ROUTES, DeliveryUnit, FEE_KINDS_BY_UNIT, type UnitAreaDefinition } from './voucher-areas.js';
import { DomainError } from './errors.js';
import { ADULT_EDUCATION } from './areas/adult-education.js';
import { NURSING_HOME } from './areas/nursing-home.js';
import { HOME_CARE } from './areas/home-care.js';

/** Family treatment (sv. familjebehandling, Nacka 2007 per the seeds), as the new developer wrote it. */
const FAMILY_TREATMENT = {
  id: 'family-treatment',
  nameSv: 'Familjebehandling',
  nameEn: 'Family treatment',
  decisionKind: 'full',
  deliveryUnit: 'session',
  levels: [
    { id: 'basic', nameSv: 'Grund', nameEn: 'Basic' },
    { id: 'intensive', nameSv: 'Intensiv', nameEn: 'Intensive' },
  ],
  rateTables: [
    {
      id: 'nacka-family-treatment-2025',
      municipality: 'nacka',
      areaId: 'family-treatment',
      validFrom: '2025-01-01',
      validTo: null,
      rates: [
        { level: 'basic', providerKind: 'municipal', orePerUnit: 110_000 },
        { level: 'basic', providerKind: 'private', orePerUnit: 116_600 },
        { level: 'intensive', providerKind: 'municipal', orePerUnit: 150_000 },
        { level: 'intensive', providerKind: 'private', orePerUnit: 159_000 },
      ],
    },
  ],
  fee: { kind: 'none' },
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system'],
  carePlan: { required: true, deadlineDays: 21 },
  providers: 'one',
  sessionsPerDay: 2,
} satisfies UnitAreaDefinition;

const table = FAMILY_TREATMENT.rateTables[0]!;

describe('validating an area definition at registration', () => {
  it('finds nothing wrong with any built-in area or with family treatment as written', () => {
    for (const area of [...BUILT_IN_AREAS, FAMILY_TREATMENT]) expect(areaDefinitionProblems(area), area.id).toEqual([]);
    // A registry of its own: a built-in area of the same id (added later) must not make this test fail.
    expect(createVoucherAreaRegistry([FAMILY_TREATMENT]).get('family-treatment').deliveryUnit).toBe('session');
  });

  it('names every problem of a wrong definition in one error, each with its path and code', () => {
    const wrong = {
      ...FAMILY_TREATMENT,
      deliveryUnit: 'occupancy-day',
      providers: 'several',
      fee: { kind: 'hourly-tariff', tariffOrePerHour: 31_200, sharedMaxtaxa: true },
      levels: [...FAMILY_TREATMENT.levels, { id: '2', nameSv: 'Två', nameEn: 'Two' }],
      rateTables: [
        { ...table, validTo: '2025-07-01', rates: table.rates.filter((r) => !(r.level === 'intensive' && r.providerKind === 'private')) },
        { ...table, id: 'nacka-family-treatment-2025b', validFrom: '2025-08-01', rates: [...table.rates, { level: 'crisis', providerKind: 'private', orePerUnit: 1 }] },
      ],
    };
    let thrown: unknown;
    try {
      validateVoucherAreaDefinition(wrong);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    const error = thrown as DomainError;
    expect(error.details?.['problems']).toEqual([
      { path: 'fee.kind', code: 'DOMAIN.INVALID_AREA_DEFINITION', message: 'a fee of kind hourly-tariff cannot be charged on occupancy-day deliveries (use paid-to-provider, none)' },
      { path: 'providers', code: 'DOMAIN.INVALID_AREA_DEFINITION', message: 'an area paid per occupancy day has one provider at a time' },
      { path: 'sessionsPerDay', code: 'DOMAIN.INVALID_AREA_DEFINITION', message: 'sessions per day apply to areas paid per session, not per occupancy-day' },
      { path: 'rateTables.1', code: 'DOMAIN.RATE_TABLE_GAP', message: 'No rate table between 2025-07-01 and 2025-08-01.' },
      {
        path: 'levels.2.id',
        code: 'DOMAIN.UNKNOWN_LEVEL',
        message: "level id 2 is a number but level 3 in the list: a decision's level 3 would be paid as this level, and its level 2 as another; use id '3' or a name",
      },
      { path: 'rateTables.0.rates', code: 'DOMAIN.RATE_MISSING', message: 'rate table nacka-family-treatment-2025 (2025-01-01–2025-07-01) has no rate for level intensive, private providers' },
      { path: 'rateTables.0.rates', code: 'DOMAIN.RATE_MISSING', message: 'rate table nacka-family-treatment-2025 (2025-01-01–2025-07-01) has no rate for level 2, municipal providers' },
      { path: 'rateTables.0.rates', code: 'DOMAIN.RATE_MISSING', message: 'rate table nacka-family-treatment-2025 (2025-01-01–2025-07-01) has no rate for level 2, private providers' },
      { path: 'rateTables.1.rates.4.level', code: 'DOMAIN.UNKNOWN_LEVEL', message: 'rate table nacka-family-treatment-2025b prices level crisis, which the area does not define (levels: basic, intensive, 2)' },
      { path: 'rateTables.1.rates', code: 'DOMAIN.RATE_MISSING', message: 'rate table nacka-family-treatment-2025b (2025-08-01–open) has no rate for level 2, municipal providers' },
      { path: 'rateTables.1.rates', code: 'DOMAIN.RATE_MISSING', message: 'rate table nacka-family-treatment-2025b (2025-08-01–open) has no rate for level 2, private providers' },
    ]);
    // The code is the first problem's; the message lists them all, so a log line is enough to fix the file.
    expect(error.code).toBe('DOMAIN.INVALID_AREA_DEFINITION');
    expect(error.message).toMatch(/^Area family-treatment has 11 problems: fee\.kind: a fee of kind hourly-tariff .*; rateTables\.1\.rates: .* level 2, private providers\.$/);
    expect(() => createVoucherAreaRegistry([wrong])).toThrow(error.message);
  });

  it('names every shape problem with its path', () => {
    expect(areaDefinitionProblems({ ...FAMILY_TREATMENT, nameSv: '', levels: [], sessionsPerDay: 0 })).toEqual([
      { path: 'nameSv', code: 'DOMAIN.INVALID_AREA_DEFINITION', message: 'Too small: expected string to have >=1 characters' },
      { path: 'levels', code: 'DOMAIN.INVALID_AREA_DEFINITION', message: 'Too small: expected array to have >=1 items' },
      { path: 'sessionsPerDay', code: 'DOMAIN.INVALID_AREA_DEFINITION', message: 'Too small: expected number to be >0' },
    ]);
  });

  it.each([
    ['an hourly tariff on sessions', { ...FAMILY_TREATMENT, fee: { kind: 'hourly-tariff', tariffOrePerHour: 31_200, sharedMaxtaxa: true } }, 'fee.kind'],
    ['a per-unit fee on a nursing home (rent and food go to the home)', { ...NURSING_HOME, fee: { kind: 'per-unit', orePerUnit: 100, sharedMaxtaxa: true, paidToProvider: [] } }, 'fee.kind'],
    ['a per-unit fee on minutes', { ...HOME_CARE, fee: { kind: 'per-unit', orePerUnit: 100, sharedMaxtaxa: true, paidToProvider: [] } }, 'fee.kind'],
    ['a numeric level id out of its place', { ...ADULT_EDUCATION, levels: [{ id: '2', nameSv: 'a', nameEn: 'a' }, { id: '1', nameSv: 'b', nameEn: 'b' }], rateTables: [] }, 'rateTables'],
    ['more levels than a decision can name', { ...FAMILY_TREATMENT, levels: Array.from({ length: 100 }, (_, i) => ({ id: `l${i}`, nameSv: 'n', nameEn: 'n' })) }, 'levels'],
  ])('refuses %s', (_name, definition, path) => {
    expect(areaDefinitionProblems(definition).map((p) => p.path)).toContain(path);
    expect(() => validateVoucherAreaDefinition(definition)).toThrow(DomainError);
  });

  it('has a delivery route and a fitting fee model for every delivery unit', () => {
    for (const unit of DeliveryUnit.options) {
      expect(DELIVERY_ROUTES[unit]).toMatch(/^POST \/orders\/:orderId\//);
      expect(FEE_KINDS_BY_UNIT[unit]).toContain('none');
    }
  });
});

describe("a decision's level", () => {
  it('is the n-th level of the area, whatever the level ids are', () => {
    expect(levelIdForDecision(ADULT_EDUCATION, 1)).toBe('basic');
    expect(levelIdForDecision(ADULT_EDUCATION, 2)).toBe('upper-secondary');
    expect(levelIdForDecision(NURSING_HOME, 5)).toBe('5');
    expect(levelIdForDecision(FAMILY_TREATMENT, 2)).toBe('intensive');
  });

  it.each([0, 3, 1.5])('refuses level %s of an area with two levels with DOMAIN.UNKNOWN_LEVEL', (level) => {
    expect(() => levelIdForDecision(ADULT_EDUCATION, level)).toThrow(expect.objectContaining({ code: 'DOMAIN.UNKNOWN_LEVEL' }));
  });
});
