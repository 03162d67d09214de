import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { luhnCheckDigit } from '@kundval/domain';
import { enrolThroughDirectory, signInThroughConsole } from '@kundval/infra';
import { issueToken } from '@kundval/platform';
import { Actor, DEMO_PROVIDERS, homeCareSteps, journeyReaches, nextIdentityNumber, runHomeCareJourney, type Platform, type VisitPlan } from '@kundval/tests/driver';
import { CLUSTER_PLATFORM_FILE, LOCAL_CHOICE_DEADLINE_MS, PLATFORM_FILE } from './local-settings.js';

const platformFile = runningPlatformFile(process.argv.slice(2));
const platform = JSON.parse(readFileSync(platformFile, 'utf8')) as Platform & { temporal: { uiUrl: string; namespace: string }; consoleUrl?: string; identity?: { issuer: string; directoryKey: string } };
// Under the identity provider (KUNDVAL_IDP=1 npm start) every person of the story is enrolled in its
// directory and signs in through the console's client (authorization code + PKCE) for each service.
const identity = platform.identity;
if (identity) {
  const serviceOf = (url: string) => Object.entries(platform.urls).find(([, base]) => url.startsWith(base))![0];
  platform.auth = async (principal, url) => {
    await enrolThroughDirectory(identity.issuer, identity.directoryKey, { sub: principal.sub, role: principal.role, ...(principal.providerId ? { providerId: principal.providerId } : {}), ...(principal.customerId ? { customerId: principal.customerId } : {}) });
    return signInThroughConsole(identity.issuer, principal.sub, serviceOf(url));
  };
}
const kr = (ore: number) => `${(ore / 100).toFixed(2)} kr`;
const journeyUrl = (applicationId: string) => `${platform.temporal.uiUrl}/namespaces/${platform.temporal.namespace}/workflows/journey-${applicationId}`;

/**
 * The demo's month is the one before the current one in Stockholm: it is over, so it can be approved
 * and billed, and it is recent, so only the escalations the story wants fire (a month long past would
 * have its approval escalated at once).
 */
const demoMonth = previousStockholmMonth(new Date());
const [demoYear, demoMonthNumber] = demoMonth.split('-').map(Number) as [number, number];
const lastDay = new Date(Date.UTC(demoYear, demoMonthNumber, 0)).getUTCDate();
/** The month's first Monday, and the days after it, as YYYY-MM-DD. */
const firstMonday = ((8 - new Date(Date.UTC(demoYear, demoMonthNumber - 1, 1)).getUTCDay()) % 7) + 1;
const day = (offset: number) => `${demoMonth}-${String(firstMonday + offset).padStart(2, '0')}`;
/** A local Stockholm time on a day, with the offset in force then (+01:00 in winter, +02:00 in summer). */
const at = (date: string, time: string) => `${date}T${time}:00${stockholmOffset(date)}`;

/** A month of visits: mornings, an evening, a weekend, cleaning, and time after 22:00. */
const month: VisitPlan[] = [
  { externalId: 'mon', kind: 'care', start: at(day(0), '08:00'), end: at(day(0), '09:00') },
  { externalId: 'tue', kind: 'care', start: at(day(1), '18:30'), end: at(day(1), '19:30') },
  { externalId: 'wed', kind: 'service', start: at(day(2), '13:00'), end: at(day(2), '15:00') },
  { externalId: 'sat', kind: 'care', start: at(day(5), '10:00'), end: at(day(5), '10:45') },
  { externalId: 'sun', kind: 'care', start: at(day(6), '21:30'), end: at(day(6), '22:30') },
];

function previousStockholmMonth(now: Date): string {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit' }).format(now).split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

function stockholmOffset(date: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Stockholm', timeZoneName: 'longOffset' }).formatToParts(new Date(`${date}T12:00:00Z`)).find((p) => p.type === 'timeZoneName')?.value;
  return name?.replace('GMT', '') || '+01:00';
}

async function show(title: string, run: () => Promise<{ applicationId: string; stage: string; line: string }>) {
  process.stdout.write(`\n${title}\n`);
  const r = await run();
  console.log(`  journey   journey-${r.applicationId}\n  stage     ${r.stage}\n  ${r.line}\n  Temporal  ${journeyUrl(r.applicationId)}`);
}

const base = { careHoursPerMonth: 8, serviceHoursPerMonth: 2, validFrom: `${demoMonth}-01`, validTo: `${demoMonth}-${String(lastDay).padStart(2, '0')}`, month: demoMonth, visits: month };

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

/**
 * Where the demo providers are paid: one by IBAN, one by Plusgiro, the rest by made-up Bankgiro
 * numbers with a valid check digit, so the month's batch has every kind of payee (ADR 0031).
 */
function demoAccount(providerId: string, i: number): Record<string, string> {
  if (providerId === 'saltsjo-omsorg') return { iban: 'SE73 6000 0000 0000 1234 5678', bic: 'HANDSESS' };
  if (providerId === 'trygga-hander') return { plusgiro: '4 10 54-8' };
  const digits = `5${String(100_000 + i).slice(-6)}`;
  return { bankgiro: `${digits}${luhnCheckDigit(digits)}` };
}

process.stdout.write(`\n4. Finance pays the month: provider accounts, a payment batch, and its pain.001 file\n`);
{
  const finance = new Actor(platform.auth, { sub: 'demo-finance', role: 'finance' });
  for (const [i, p] of DEMO_PROVIDERS.entries()) await finance.ok('PUT', `${platform.urls.billing}/providers/${p.providerId}/account`, { name: p.name.slice(0, 70), ...demoAccount(p.providerId, i) });
  const batch = await finance.ok<{ batchId: string; messageId: string; includedPayments: number; includedOre: number; skipped: unknown[] }>('POST', `${platform.urls.billing}/payment-batches`, { month: base.month });
  // The file is XML, not JSON: fetched directly with a finance token.
  const fileUrl = `${platform.urls.billing}/payment-batches/${batch.batchId}/pain001`;
  const financePerson = { sub: 'demo-finance', role: 'finance' } as const;
  const token = typeof platform.auth === 'function' ? await platform.auth(financePerson, fileUrl) : await issueToken(platform.auth, financePerson);
  const res = await fetch(fileUrl, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET pain001 answered ${res.status}: ${await res.text()}`);
  const dir = resolve('.data/demo');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${batch.messageId}.xml`);
  writeFileSync(file, await res.text());
  console.log(`  batch     ${batch.batchId}: ${batch.includedPayments} payments, ${kr(batch.includedOre)}, ${batch.skipped.length} left for later`);
  console.log(`  file      ${file}`);
  console.log(`  (ISO 20022 pain.001.001.03 as Swedish banks read it; the same file: GET ${platform.urls.billing}/payment-batches/${batch.batchId}/pain001 as finance)`);
}

console.log(`\nDriven on the ${platformFile === CLUSTER_PLATFORM_FILE ? 'cluster topology (npm run start:cluster)' : 'local platform (npm start)'}. All journeys: ${platform.temporal.uiUrl}/namespaces/${platform.temporal.namespace}/workflows`);
if (platform.consoleUrl) console.log(`The operators' console: ${platform.consoleUrl} (${identity ? 'sign in through the identity provider as local-operator' : 'Development sign-in as an operator'}; find each journey above by its id or the customer)`);

/**
 * The platform file of the topology to drive: `--cluster` (`npm run start:cluster`) or `--local`
 * (`npm start`), else whichever of the two is running. Each start writes its file and removes it on
 * Ctrl-C.
 */
function runningPlatformFile(argv: string[]): string {
  const wanted = argv.includes('--cluster') ? 'cluster' : argv.includes('--local') ? 'local' : undefined;
  const files = { local: PLATFORM_FILE, cluster: CLUSTER_PLATFORM_FILE };
  const running = (Object.keys(files) as Array<keyof typeof files>).filter((t) => existsSync(files[t]));
  const chosen = wanted ?? (running.length === 1 ? running[0] : undefined);
  if (chosen && running.includes(chosen)) return files[chosen];
  if (running.length > 1) console.error('Both `npm start` and `npm run start:cluster` are running: say which with `npm run demo -- --local` or `-- --cluster`.');
  else console.error(`No running platform found${wanted ? ` for --${wanted}` : ''}: start it with \`npm start\` or \`npm run start:cluster\` first.`);
  process.exit(1);
}
