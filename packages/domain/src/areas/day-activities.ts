import type { UnitAreaDefinition } from '../voucher-areas.js';
import { NACKA_HOME_CARE_TARIFF_ORE_PER_HOUR } from '../fees.js';

// Demo vouchers per attendance day (SEK), three levels: not from the seeds or DOMAIN.md;
// replace with the municipality's decided amounts. Private = municipal + 6 % VAT compensation.
const RATES: [string, number, number][] = [['1', 650, 689], ['2', 850, 901], ['3', 1100, 1166]];

/**
 * Day activities for the elderly (sv. dagverksamhet): simplified decision, three levels, paid per
 * attendance day; the customer pays food to the provider and a day fee equal to the home-care
 * hourly fee under the shared maxtaxa (DOMAIN.md §5; seed "Kundval i dagverksamhet").
 */
export const DAY_ACTIVITIES: UnitAreaDefinition = {
  id: 'day-activities',
  nameSv: 'Dagverksamhet',
  nameEn: 'Day activities',
  decisionKind: 'simplified',
  deliveryUnit: 'attendance-day',
  levels: RATES.map(([id]) => ({ id, nameSv: `Nivå ${id}`, nameEn: `Level ${id}` })),
  rateTables: [
    {
      id: 'nacka-day-activities-2024',
      municipality: 'nacka',
      areaId: 'day-activities',
      validFrom: '2024-01-01',
      validTo: null,
      rates: RATES.flatMap(([level, municipal, privateSek]) => [
        { level, providerKind: 'municipal' as const, orePerUnit: municipal * 100 },
        { level, providerKind: 'private' as const, orePerUnit: privateSek * 100 },
      ]),
    },
  ],
  fee: { kind: 'per-unit', orePerUnit: NACKA_HOME_CARE_TARIFF_ORE_PER_HOUR, sharedMaxtaxa: true, paidToProvider: ['food'] },
  // Seed: state approval, F-skatt, knowledge and experience, liability insurance, quality work.
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system', 'state-permit'],
  // Seed: customer and provider agree start and days per week; the 30-day deadline is demo configuration.
  carePlan: { required: true, deadlineDays: 30 },
  // Seed: the customer may choose and visit several providers, each ordered on its own.
  providers: 'several',
};
