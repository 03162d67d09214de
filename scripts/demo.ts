import { existsSync, readFileSync } from 'node:fs';
import { homeCareSteps, journeyReaches, nextIdentityNumber, runHomeCareJourney, type Platform, type VisitPlan } from '@kundval/tests/driver';
import { LOCAL_CHOICE_DEADLINE_MS, PLATFORM_FILE } from './local-settings.js';

if (!existsSync(PLATFORM_FILE)) {
  console.error('No running platform found: start it with `npm start` first.');
  process.exit(1);
}
const platform = JSON.parse(readFileSync(PLATFORM_FILE, 'utf8')) as Platform & { temporal: { uiUrl: string; namespace: string }; consoleUrl?: string };
const kr = (ore: number) => `${(ore / 100).toFixed(2)} kr`;
const journeyUrl = (applicationId: string) => `${platform.temporal.uiUrl}/namespaces/${platform.temporal.namespace}/workflows/journey-${applicationId}`;

/** A February 2026 month of visits: mornings, an evening, a weekend, cleaning, and time after 22:00. */
const month: VisitPlan[] = [
  { externalId: 'mon', kind: 'care', start: '2026-02-02T08:00:00+01:00', end: '2026-02-02T09:00:00+01:00' },
  { externalId: 'tue', kind: 'care', start: '2026-02-03T18:30:00+01:00', end: '2026-02-03T19:30:00+01:00' },
  { externalId: 'wed', kind: 'service', start: '2026-02-04T13:00:00+01:00', end: '2026-02-04T15:00:00+01:00' },
  { externalId: 'sat', kind: 'care', start: '2026-02-07T10:00:00+01:00', end: '2026-02-07T10:45:00+01:00' },
  { externalId: 'sun', kind: 'care', start: '2026-02-08T21:30:00+01:00', end: '2026-02-08T22:30:00+01:00' },
];

async function show(title: string, run: () => Promise<{ applicationId: string; stage: string; line: string }>) {
  process.stdout.write(`\n${title}\n`);
  const r = await run();
  console.log(`  journey   journey-${r.applicationId}\n  stage     ${r.stage}\n  ${r.line}\n  Temporal  ${journeyUrl(r.applicationId)}`);
}

const base = { careHoursPerMonth: 8, serviceHoursPerMonth: 2, validFrom: '2026-02-01', validTo: '2026-02-28', month: '2026-02', visits: month };

await show('1. A customer chooses a private provider; the fee is capped by the fee room', async () => {
  const r = await runHomeCareJourney(platform, {
    ...base,
    identityNumber: nextIdentityNumber(1938),
    feeBasis: { netIncomeOre: 1_500_000, housingCostOre: 650_000, household: 'single' },
    choose: 'saltsjo-omsorg',
  });
  return { applicationId: r.applicationId, stage: r.state.stage, line: `provider  ${r.providerId} (chosen by the customer)\n  fee       ${kr(r.settled.feeOre)} (cap: ${r.settled.appliedCap}, OCR ${r.settled.ocrReference})\n  payment   ${kr(r.settled.paymentOre)} (${r.settled.unpricedMinutes} unpriced minutes after 22:00)` };
});

await show('2. An application is denied; the journey ends with the reason', async () => {
  const steps = homeCareSteps(platform);
  const { applicationId } = await steps.apply(nextIdentityNumber(1946));
  await steps.assess(applicationId);
  await steps.deny(applicationId, 'The need is met by the home help of the spouse and the safety alarm.');
  const state = await journeyReaches(platform, applicationId, ['denied']);
  return { applicationId, stage: state.stage, line: `reason    ${state.denialReason}` };
});

await show(`3. A customer does not choose; after ${LOCAL_CHOICE_DEADLINE_MS / 1000} s the default provider is assigned`, async () => {
  const r = await runHomeCareJourney(platform, { ...base, identityNumber: nextIdentityNumber(1941), choose: null });
  return { applicationId: r.applicationId, stage: r.state.stage, line: `provider  ${r.providerId} (default)\n  fee       ${kr(r.settled.feeOre)} (cap: ${r.settled.appliedCap})\n  payment   ${kr(r.settled.paymentOre)}` };
});

console.log(`\nAll journeys: ${platform.temporal.uiUrl}/namespaces/${platform.temporal.namespace}/workflows`);
if (platform.consoleUrl) console.log(`The operators' console: ${platform.consoleUrl} (Development sign-in as an operator; find each journey above by its id or the customer)`);
