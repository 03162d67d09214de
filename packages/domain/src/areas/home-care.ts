import type { MinutesAreaDefinition } from '../voucher-areas.js';
import { NACKA_TIME_BANDS } from '../time-bands.js';
import { NACKA_HOME_CARE_RATES } from '../rate-tables.js';
import { NACKA_HOME_CARE_TARIFF_ORE_PER_HOUR } from '../fees.js';

/**
 * Home care (sv. hemtjänst): full needs assessment, paid per approved minute by time band with the
 * seed's Nacka bands and rates (DOMAIN.md §2), hourly fee under the shared maxtaxa (DOMAIN.md §3).
 * The 14-day care-plan deadline is demo configuration (the seeds set no number).
 */
export const HOME_CARE: MinutesAreaDefinition = {
  id: 'home-care',
  nameSv: 'Hemtjänst',
  nameEn: 'Home care',
  decisionKind: 'full',
  deliveryUnit: 'minutes-by-band',
  bands: NACKA_TIME_BANDS,
  rateTables: NACKA_HOME_CARE_RATES,
  fee: { kind: 'hourly-tariff', tariffOrePerHour: NACKA_HOME_CARE_TARIFF_ORE_PER_HOUR, sharedMaxtaxa: true },
  // DOMAIN.md §8: registered company, F-skatt, liability insurance, experience, quality system.
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system'],
  carePlan: { required: true, deadlineDays: 14 },
  // One provider at a time; the customer may switch at any time (DESIGN.md §2).
  providers: 'one',
};
