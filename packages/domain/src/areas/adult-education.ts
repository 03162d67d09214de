import type { UnitAreaDefinition } from '../voucher-areas.js';

/**
 * Adult education (sv. vuxenutbildning, Nacka's voucher since 2005 per the seeds): defined purely
 * as data. Paid per completed teaching session at the course level; free for the student. All
 * amounts are demo configuration, not from the seeds.
 */
export const ADULT_EDUCATION: UnitAreaDefinition = {
  id: 'adult-education',
  nameSv: 'Vuxenutbildning',
  nameEn: 'Adult education',
  decisionKind: 'simplified',
  deliveryUnit: 'session',
  levels: [
    { id: 'basic', nameSv: 'Grundläggande', nameEn: 'Basic' },
    { id: 'upper-secondary', nameSv: 'Gymnasial', nameEn: 'Upper secondary' },
  ],
  rateTables: [
    {
      id: 'nacka-adult-education-2024',
      municipality: 'nacka',
      areaId: 'adult-education',
      validFrom: '2024-01-01',
      validTo: null,
      rates: [
        { level: 'basic', providerKind: 'municipal', orePerUnit: 100_000 },
        { level: 'basic', providerKind: 'private', orePerUnit: 106_000 },
        { level: 'upper-secondary', providerKind: 'municipal', orePerUnit: 140_000 },
        { level: 'upper-secondary', providerKind: 'private', orePerUnit: 148_400 },
      ],
    },
  ],
  fee: { kind: 'none' },
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system'],
  carePlan: { required: false, deadlineDays: null },
  providers: 'one',
  // A course day may hold a morning and an afternoon lesson (demo configuration).
  sessionsPerDay: 2,
};
