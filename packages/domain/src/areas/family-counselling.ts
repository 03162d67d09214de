import type { UnitAreaDefinition } from '../voucher-areas.js';

/**
 * Family counselling (sv. familjerådgivning, Nacka's voucher since 2005 per the seeds): defined
 * purely as data to show that an area needs no engine change. Paid per session; a session fee
 * outside the elderly-care maxtaxa. All amounts are demo configuration, not from the seeds.
 */
export const FAMILY_COUNSELLING: UnitAreaDefinition = {
  id: 'family-counselling',
  nameSv: 'Familjerådgivning',
  nameEn: 'Family counselling',
  decisionKind: 'simplified',
  deliveryUnit: 'session',
  levels: [{ id: 'standard', nameSv: 'Samtal', nameEn: 'Counselling session' }],
  rateTables: [
    {
      id: 'nacka-family-counselling-2024',
      municipality: 'nacka',
      areaId: 'family-counselling',
      validFrom: '2024-01-01',
      validTo: null,
      rates: [
        { level: 'standard', providerKind: 'municipal', orePerUnit: 120_000 },
        { level: 'standard', providerKind: 'private', orePerUnit: 127_200 },
      ],
    },
  ],
  fee: { kind: 'per-unit', orePerUnit: 20_000, sharedMaxtaxa: false, paidToProvider: [] },
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system'],
  carePlan: { required: false, deadlineDays: null },
  providers: 'one',
};
