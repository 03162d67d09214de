import { NACKA_HOME_CARE_RATES } from '@kundval/domain';
import { Actor } from './http.js';
import type { PlatformUrls } from './journey.js';

/**
 * Demo data: the seed's Nacka rate table and a handful of authorized home-care providers, one of
 * them the municipality's own default provider (ickevalsalternativ). Names are made up.
 */
export const DEMO_PROVIDERS = [
  { providerId: 'nacka-hemtjanst', name: 'Nacka kommuns hemtjänst', kind: 'municipal', organisationNumber: '212000-0167', languages: ['sv', 'en', 'fi'], satisfactionScore: 4.4, isDefault: true },
  { providerId: 'saltsjo-omsorg', name: 'Saltsjö Omsorg AB', kind: 'private', organisationNumber: '556677-8899', languages: ['sv', 'en'], satisfactionScore: 4.7, isDefault: false },
  { providerId: 'trygga-hander', name: 'Trygga Händer Hemtjänst AB', kind: 'private', organisationNumber: '556123-4567', languages: ['sv', 'ar', 'fa'], satisfactionScore: 4.5, isDefault: false },
  { providerId: 'fisksatra-vard', name: 'Fisksätra Vård & Service AB', kind: 'private', organisationNumber: '559012-3456', languages: ['sv', 'es', 'pl'], satisfactionScore: 4.2, isDefault: false },
] as const;

/** Loads the demo data through the APIs, as an administrator and a finance officer would. Safe to run twice. */
export async function loadDemoData(urls: PlatformUrls, auth: { secret: string; issuer: string }): Promise<void> {
  const admin = new Actor(auth, { sub: 'demo-admin', role: 'administrator' });
  for (const p of DEMO_PROVIDERS) {
    const answer = await admin.call('POST', `${urls.orders}/providers`, {
      providerId: p.providerId,
      name: p.name,
      kind: p.kind,
      organisationNumber: p.organisationNumber,
      languages: p.languages,
      satisfactionScore: p.satisfactionScore,
      authorizations: [{ areaId: 'home-care', capacityCustomers: 200, isDefault: p.isDefault }],
    });
    if (answer.status !== 201 && answer.status !== 409) throw new Error(`Loading provider ${p.providerId} failed: ${JSON.stringify(answer.body)}`);
  }
  for (const table of NACKA_HOME_CARE_RATES) {
    const { id, ...body } = table;
    await admin.ok('PUT', `${urls.billing}/rate-tables/${id}`, body);
  }
}
