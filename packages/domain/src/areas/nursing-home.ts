import type { UnitAreaDefinition } from '../voucher-areas.js';

// Demo daily vouchers (SEK) per level: not from the seeds or DOMAIN.md, which give no amounts;
// replace with the municipality's decided amounts. Private = municipal + 6 % VAT compensation (DOMAIN.md §2).
const MUNICIPAL_SEK = [1380, 1620, 1860, 2100, 2340, 2580, 2820, 3060];
const PRIVATE_SEK = [1463, 1717, 1972, 2226, 2480, 2735, 2989, 3244];

// DOMAIN.md §4 demo mapping of care-need points (3–24) to the eight economic levels.
const POINTS: [number, number][] = [[3, 5], [6, 8], [9, 11], [12, 14], [15, 17], [18, 20], [21, 22], [23, 24]];

/**
 * Nursing home (sv. särskilt boende): full decision, paid per occupancy day at the daily voucher of
 * the resident's level; the resident pays rent and food to the home outside the voucher (DOMAIN.md §4, §3).
 */
export const NURSING_HOME: UnitAreaDefinition = {
  id: 'nursing-home',
  nameSv: 'Särskilt boende',
  nameEn: 'Nursing home',
  decisionKind: 'full',
  deliveryUnit: 'occupancy-day',
  levels: POINTS.map(([min, max], i) => ({ id: String(i + 1), nameSv: `Nivå ${i + 1}`, nameEn: `Level ${i + 1}`, careNeedPoints: { min, max } })),
  rateTables: [
    {
      id: 'nacka-nursing-home-2024',
      municipality: 'nacka',
      areaId: 'nursing-home',
      validFrom: '2024-01-01',
      validTo: null,
      rates: MUNICIPAL_SEK.flatMap((sek, i) => [
        { level: String(i + 1), providerKind: 'municipal' as const, orePerUnit: sek * 100 },
        { level: String(i + 1), providerKind: 'private' as const, orePerUnit: (PRIVATE_SEK[i] as number) * 100 },
      ]),
    },
  ],
  fee: { kind: 'paid-to-provider', paidToProvider: ['rent', 'food'] },
  // DOMAIN.md §8: nursing homes also need a state permit (seed: "Tillstånd från Länsstyrelsen").
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system', 'state-permit'],
  // Seed: "Individuell omsorgsplan"; the 14-day deadline is demo configuration.
  carePlan: { required: true, deadlineDays: 14 },
  // The resident lives in one home; moving is a switch.
  providers: 'one',
};
