// The test behind docs/adding-a-voucher-area.md: new areas arrive as definitions only, and every
// engine function (registry, statements, fees) handles them without a change.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_AREAS, createVoucherAreaRegistry } from './voucher-area-registry.js';

// The built-in areas but the examples: the day chiropody or escort and respite is built in, these
// steps still register the examples as new areas.
const voucherAreaRegistry = createVoucherAreaRegistry(BUILT_IN_AREAS.filter((a) => a.id !== 'chiropody' && a.id !== 'escort-and-respite'));
import { priceUnitStatement } from './unit-statement.js';
import { priceProviderStatement } from './statement.js';
import { areaFeeCharge } from './area-fees.js';
import { computeMonthlyFee } from './fees.js';
import type { MinutesAreaDefinition, UnitAreaDefinition } from './voucher-areas.js';
import { FAMILY_COUNSELLING } from './areas/family-counselling.js';
import { ADULT_EDUCATION } from './areas/adult-education.js';

// Step 1 of the guide: the definition. Chiropody coupons were Nacka's first voucher (1985).
const CHIROPODY = {
  id: 'chiropody',
  nameSv: 'Fotvård',
  nameEn: 'Chiropody',
  decisionKind: 'simplified',
  deliveryUnit: 'session',
  levels: [
    { id: 'basic', nameSv: 'Fotvård', nameEn: 'Foot care' },
    { id: 'medical', nameSv: 'Medicinsk fotvård', nameEn: 'Medical foot care' },
  ],
  rateTables: [
    {
      id: 'nacka-chiropody-2025',
      municipality: 'nacka',
      areaId: 'chiropody',
      validFrom: '2025-01-01',
      validTo: '2026-01-01',
      rates: [
        { level: 'basic', providerKind: 'municipal', orePerUnit: 45_000 },
        { level: 'basic', providerKind: 'private', orePerUnit: 47_700 },
        { level: 'medical', providerKind: 'municipal', orePerUnit: 60_000 },
        { level: 'medical', providerKind: 'private', orePerUnit: 63_600 },
      ],
    },
    {
      id: 'nacka-chiropody-2026',
      municipality: 'nacka',
      areaId: 'chiropody',
      validFrom: '2026-01-01',
      validTo: null,
      rates: [
        { level: 'basic', providerKind: 'municipal', orePerUnit: 46_000 },
        { level: 'basic', providerKind: 'private', orePerUnit: 48_800 },
        { level: 'medical', providerKind: 'municipal', orePerUnit: 61_000 },
        { level: 'medical', providerKind: 'private', orePerUnit: 64_700 },
      ],
    },
  ],
  fee: { kind: 'per-unit', orePerUnit: 15_000, sharedMaxtaxa: true, paidToProvider: [] },
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience'],
  carePlan: { required: false, deadlineDays: null },
  providers: 'one',
} satisfies UnitAreaDefinition;

// A minutes-by-band area with its own bands: escort and respite (Nacka 1998), paid day and night.
const ESCORT = {
  id: 'escort-and-respite',
  nameSv: 'Ledsagning och avlösning',
  nameEn: 'Escort and respite',
  decisionKind: 'full',
  deliveryUnit: 'minutes-by-band',
  bands: {
    id: 'escort-bands',
    timeZone: 'Europe/Stockholm',
    holidayEves: [],
    bands: [
      { id: 'day', nameSv: 'Dag', nameEn: 'Day', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '07:00', to: '21:00' }] },
      { id: 'night', nameSv: 'Natt', nameEn: 'Night', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '07:00' }, { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '21:00', to: '24:00' }] },
    ],
  },
  rateTables: [
    {
      id: 'nacka-escort-2025',
      municipality: 'nacka',
      areaId: 'escort-and-respite',
      validFrom: '2025-01-01',
      validTo: null,
      rates: [
        { kind: 'care', band: 'day', providerKind: 'municipal', orePerHour: 30_000 },
        { kind: 'care', band: 'day', providerKind: 'private', orePerHour: 31_800 },
        { kind: 'care', band: 'night', providerKind: 'municipal', orePerHour: 36_000 },
        { kind: 'care', band: 'night', providerKind: 'private', orePerHour: 38_160 },
        { kind: 'service', band: 'any', providerKind: 'municipal', orePerHour: 25_000 },
        { kind: 'service', band: 'any', providerKind: 'private', orePerHour: 26_500 },
      ],
    },
  ],
  fee: { kind: 'none' },
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system'],
  carePlan: { required: true, deadlineDays: 21 },
  providers: 'one',
} satisfies MinutesAreaDefinition;

describe('adding a voucher area', () => {
  it('registers a new area from a definition alone', () => {
    // Step 2 of the guide: register it.
    const registry = voucherAreaRegistry.register(CHIROPODY);
    const area = registry.get('chiropody');
    expect(area.nameEn).toBe('Chiropody');
    expect(registry.list()).toHaveLength(voucherAreaRegistry.list().length + 1);

    // Step 3: price a month of deliveries with the generic engine, each session at the table valid on its date.
    const statement = priceUnitStatement({
      area,
      providerId: 'fotvard-ab',
      providerKind: 'private',
      month: '2025-12',
      deliveries: [
        { deliveryId: 's1', customerId: 'c1', date: '2025-12-02', level: 'basic', units: 1, status: 'approved' },
        { deliveryId: 's2', customerId: 'c1', date: '2025-12-16', level: 'medical', units: 1, status: 'approved' },
        { deliveryId: 's3', customerId: 'c2', date: '2025-12-16', level: 'basic', units: 2, status: 'approved' },
        { deliveryId: 's4', customerId: 'c3', date: '2025-12-17', level: 'basic', units: 1, status: 'disputed' },
      ],
    });
    expect(statement.lines).toEqual([
      { level: 'basic', orePerUnit: 47_700, units: 3, amountOre: 143_100 },
      { level: 'medical', orePerUnit: 63_600, units: 1, amountOre: 63_600 },
    ]);
    expect(statement.totalOre).toBe(206_700);
    expect(statement.excluded).toEqual([{ deliveryId: 's4', reason: 'disputed' }]);

    const january = priceUnitStatement({
      area,
      providerId: 'fotvard-ab',
      providerKind: 'municipal',
      month: '2026-01',
      deliveries: [{ deliveryId: 's5', customerId: 'c1', date: '2026-01-08', level: 'basic', units: 1, status: 'approved' }],
    });
    expect(january.totalOre).toBe(46_000);

    // Step 4: the customer's fee, under the shared maxtaxa with home care.
    const charge = areaFeeCharge(area, { units: 2 });
    expect(charge).toEqual({ areaId: 'chiropody', tariffOre: 30_000, sharedMaxtaxa: true });
    const homeCare = areaFeeCharge(registry.get('home-care'), { approvedMinutes: 8 * 60 });
    const fee = computeMonthlyFee({ month: '2025-12', charges: [homeCare, charge], feeBasis: null });
    expect(fee.tariffOre).toBe(249_600 + 30_000);
    expect(fee.feeOre).toBe(264_200);
  });

  it('registers a minutes-by-band area with its own bands and prices it with the home-care engine', () => {
    const area = voucherAreaRegistry.register(ESCORT).get('escort-and-respite');
    if (area.deliveryUnit !== 'minutes-by-band') throw new Error('expected a minutes area');
    const statement = priceProviderStatement({
      providerId: 'escort-ab',
      providerKind: 'municipal',
      month: '2025-05',
      rateTables: area.rateTables,
      bands: area.bands,
      visits: [{ visitId: 'e1', customerId: 'c1', kind: 'care', status: 'approved', start: '2025-05-10T20:00:00+02:00', end: '2025-05-10T23:00:00+02:00' }],
    });
    expect(statement.lines).toEqual([
      { kind: 'care', band: 'day', orePerHour: 30_000, minutes: 60, amountOre: 30_000 },
      { kind: 'care', band: 'night', orePerHour: 36_000, minutes: 120, amountOre: 72_000 },
    ]);
    expect(statement.unpricedMinutes).toBe(0);
  });

  it('refuses a new area whose rate tables leave a gap, before any amount is computed', () => {
    const broken = { ...CHIROPODY, rateTables: [CHIROPODY.rateTables[0], { ...CHIROPODY.rateTables[1], validFrom: '2026-02-01' }] };
    expect(() => voucherAreaRegistry.register(broken)).toThrow(expect.objectContaining({ code: 'DOMAIN.RATE_TABLE_GAP' }));
  });

  it.each([
    [FAMILY_COUNSELLING, 'standard', 2, 240_000, 40_000, false],
    [ADULT_EDUCATION, 'upper-secondary', 3, 420_000, 0, false],
  ] as const)('prices the data-only area %s with the same engine', (area, level, units, totalOre, feeOre, sharedMaxtaxa) => {
    const statement = priceUnitStatement({
      area,
      providerId: 'p',
      providerKind: 'municipal',
      month: '2025-09',
      deliveries: [{ deliveryId: 'd1', customerId: 'c1', date: '2025-09-01', level, units, status: 'approved' }],
    });
    expect(statement.totalOre).toBe(totalOre);
    expect(areaFeeCharge(area, { units })).toEqual({ areaId: area.id, tariffOre: feeOre, sharedMaxtaxa });
  });
});
