import { BUILT_IN_AREAS, NACKA_HOME_CARE_RATES } from '@kundval/domain';
import { Actor, type Tokens } from './http.js';
import type { PlatformUrls } from './journey.js';

type DemoProvider = {
  providerId: string;
  name: string;
  kind: 'municipal' | 'private';
  organisationNumber: string;
  languages: string[];
  satisfactionScore: number;
  /** Areas it is authorized for: capacity in customers (places for a nursing home) and whether it is the default provider. */
  areas: Array<{ areaId: string; capacity: number; isDefault?: boolean }>;
};

/**
 * Demo data: the seed's Nacka rate table, the voucher tables of every area's definition, and
 * authorized providers in every area — one of them the municipality's own default provider
 * (ickevalsalternativ) where the area has one. Names and organisation numbers are made up.
 */
const LISTED_PROVIDERS: DemoProvider[] = [
  { providerId: 'nacka-hemtjanst', name: 'Nacka kommuns hemtjänst', kind: 'municipal', organisationNumber: '212000-0167', languages: ['sv', 'en', 'fi'], satisfactionScore: 4.4, areas: [{ areaId: 'home-care', capacity: 500, isDefault: true }] },
  { providerId: 'saltsjo-omsorg', name: 'Saltsjö Omsorg AB', kind: 'private', organisationNumber: '556677-8899', languages: ['sv', 'en'], satisfactionScore: 4.7, areas: [{ areaId: 'home-care', capacity: 200 }] },
  { providerId: 'trygga-hander', name: 'Trygga Händer Hemtjänst AB', kind: 'private', organisationNumber: '556123-4567', languages: ['sv', 'ar', 'fa'], satisfactionScore: 4.5, areas: [{ areaId: 'home-care', capacity: 200 }] },
  { providerId: 'fisksatra-vard', name: 'Fisksätra Vård & Service AB', kind: 'private', organisationNumber: '559012-3456', languages: ['sv', 'es', 'pl'], satisfactionScore: 4.2, areas: [{ areaId: 'home-care', capacity: 200 }] },
  { providerId: 'dagcentralen', name: 'Dagcentralen Nacka (kommunal)', kind: 'municipal', organisationNumber: '212000-0168', languages: ['sv'], satisfactionScore: 4.3, areas: [{ areaId: 'day-activities', capacity: 60, isDefault: true }] },
  { providerId: 'aktiva-dagar', name: 'Aktiva Dagar i Nacka AB', kind: 'private', organisationNumber: '556345-6789', languages: ['sv', 'fi'], satisfactionScore: 4.6, areas: [{ areaId: 'day-activities', capacity: 40 }] },
  { providerId: 'sjotorpsgarden', name: 'Sjötorpsgården (kommunalt boende)', kind: 'municipal', organisationNumber: '212000-0169', languages: ['sv'], satisfactionScore: 4.1, areas: [{ areaId: 'nursing-home', capacity: 1 }] },
  { providerId: 'ektorps-hage', name: 'Ektorps Hage Vård AB', kind: 'private', organisationNumber: '556456-7890', languages: ['sv', 'en'], satisfactionScore: 4.5, areas: [{ areaId: 'nursing-home', capacity: 40 }] },
  { providerId: 'familjeradgivningen', name: 'Familjerådgivningen i Nacka', kind: 'municipal', organisationNumber: '212000-0170', languages: ['sv', 'en'], satisfactionScore: 4.4, areas: [{ areaId: 'family-counselling', capacity: 100, isDefault: true }] },
  { providerId: 'komvux-nacka', name: 'Komvux Nacka', kind: 'municipal', organisationNumber: '212000-0171', languages: ['sv'], satisfactionScore: 4.0, areas: [{ areaId: 'adult-education', capacity: 300, isDefault: true }] },
];

/**
 * The listed providers, and for every built-in area none of them serves the municipality's own
 * provider (`<area id>-kommunal`, the default where the area has one): an area added to
 * BUILT_IN_AREAS can be chosen, ordered and paid in the demo and the end-to-end tests with no edit here.
 */
export const DEMO_PROVIDERS: DemoProvider[] = [
  ...LISTED_PROVIDERS,
  ...BUILT_IN_AREAS.filter((area) => !LISTED_PROVIDERS.some((p) => p.areas.some((a) => a.areaId === area.id))).map((area, i) => ({
    providerId: `${area.id}-kommunal`,
    name: `${area.nameSv} (kommunal)`,
    kind: 'municipal' as const,
    organisationNumber: `212000-${String(9000 + i).padStart(4, '0')}`,
    languages: ['sv'],
    satisfactionScore: 4.0,
    // Occupancy areas have no default provider (places are queued for); every other area has one.
    areas: [{ areaId: area.id, capacity: 100, isDefault: area.deliveryUnit !== 'occupancy-day' }],
  })),
];

/** Loads the demo data through the APIs, as an administrator and a finance officer would. Safe to run twice. */
export async function loadDemoData(urls: PlatformUrls, auth: Tokens): Promise<void> {
  const admin = new Actor(auth, { sub: 'demo-admin', role: 'administrator' });
  for (const p of DEMO_PROVIDERS) {
    const answer = await admin.call('POST', `${urls.orders}/providers`, {
      providerId: p.providerId,
      name: p.name,
      kind: p.kind,
      organisationNumber: p.organisationNumber,
      languages: p.languages,
      satisfactionScore: p.satisfactionScore,
      authorizations: p.areas.map((a) => ({ areaId: a.areaId, capacityCustomers: a.capacity, isDefault: a.isDefault ?? false })),
    });
    if (answer.status !== 201 && answer.status !== 409) throw new Error(`Loading provider ${p.providerId} failed: ${JSON.stringify(answer.body)}`);
  }
  for (const table of NACKA_HOME_CARE_RATES) {
    const { id, ...body } = table;
    await admin.ok('PUT', `${urls.billing}/rate-tables/${id}`, body);
  }
  for (const area of BUILT_IN_AREAS) {
    if (area.deliveryUnit === 'minutes-by-band') continue;
    for (const table of area.rateTables) {
      const { id, ...body } = table;
      await admin.ok('PUT', `${urls.billing}/unit-rate-tables/${id}`, body);
    }
  }
}
