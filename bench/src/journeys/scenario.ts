import { testIdentityNumber, type HomeCareScenario, type VisitPlan } from '@kundval/tests/driver';

/** The private providers of the demo data; journeys take them in turn. */
const PROVIDERS = ['saltsjo-omsorg', 'trygga-hander', 'fisksatra-vard'] as const;

/**
 * The month every benchmark journey reports: February 2026 at a private provider, every time band
 * of the seed's rate table (the same visits as the end-to-end test), with external ids of its own.
 */
function february(prefix: string): VisitPlan[] {
  return [
    { externalId: `${prefix}-mon-morning`, kind: 'care', start: '2026-02-02T08:00:00+01:00', end: '2026-02-02T09:00:00+01:00' },
    { externalId: `${prefix}-tue-boundary`, kind: 'care', start: '2026-02-03T18:30:00+01:00', end: '2026-02-03T19:30:00+01:00' },
    { externalId: `${prefix}-wed-cleaning`, kind: 'service', start: '2026-02-04T13:00:00+01:00', end: '2026-02-04T15:00:00+01:00' },
    { externalId: `${prefix}-fri-evening`, kind: 'care', start: '2026-02-06T19:00:00+01:00', end: '2026-02-06T20:00:00+01:00' },
    { externalId: `${prefix}-sat`, kind: 'care', start: '2026-02-07T10:00:00+01:00', end: '2026-02-07T10:45:00+01:00' },
    { externalId: `${prefix}-sun-late`, kind: 'care', start: '2026-02-08T21:30:00+01:00', end: '2026-02-08T22:30:00+01:00' },
  ];
}

/**
 * The n-th journey of a benchmark run: a customer of their own (a distinct personnummer, since a
 * customer's visits may not overlap), who chooses a private provider and is billed for one month.
 */
export function benchJourney(n: number): HomeCareScenario {
  const birth = new Date(Date.UTC(1930, 0, 1) + Math.floor(n / 900) * 86_400_000).toISOString().slice(0, 10);
  return {
    identityNumber: testIdentityNumber(birth, 100 + (n % 900)),
    careHoursPerMonth: 8,
    serviceHoursPerMonth: 2,
    validFrom: '2026-02-01',
    validTo: '2026-02-28',
    feeBasis: { netIncomeOre: 1_500_000, housingCostOre: 650_000, household: 'single' },
    choose: PROVIDERS[n % PROVIDERS.length]!,
    month: '2026-02',
    visits: february(`bench-${n}`),
  };
}
