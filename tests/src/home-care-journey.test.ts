import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPlatform } from '@kundval/infra';
import { actors, homeCareSteps, journeyReaches, nextIdentityNumber, runHomeCareJourney, type VisitPlan } from './driver/index.js';
import { startTestPlatform } from './support/platform.js';
import { recordHistory } from './support/histories.js';

/**
 * February 2026 (CET, +01:00) at a private provider: every band of the seed's table, a service
 * visit, and half an hour after 22:00 that no band prices.
 */
const PRIVATE_PROVIDER_MONTH: VisitPlan[] = [
  { externalId: 'v-mon-morning', kind: 'care', start: '2026-02-02T08:00:00+01:00', end: '2026-02-02T09:00:00+01:00' }, // 60 weekday-day
  { externalId: 'v-tue-boundary', kind: 'care', start: '2026-02-03T18:30:00+01:00', end: '2026-02-03T19:30:00+01:00' }, // 30 day + 30 evening
  { externalId: 'v-wed-cleaning', kind: 'service', start: '2026-02-04T13:00:00+01:00', end: '2026-02-04T15:00:00+01:00' }, // 120 service
  { externalId: 'v-fri-evening', kind: 'care', start: '2026-02-06T19:00:00+01:00', end: '2026-02-06T20:00:00+01:00' }, // 60 weekend-holiday
  { externalId: 'v-sat', kind: 'care', start: '2026-02-07T10:00:00+01:00', end: '2026-02-07T10:45:00+01:00' }, // 45 weekend-holiday
  { externalId: 'v-sun-late', kind: 'care', start: '2026-02-08T21:30:00+01:00', end: '2026-02-08T22:30:00+01:00' }, // 30 weekend-holiday + 30 unpriced
];

describe('the home-care journey, end to end on real Temporal, NATS and services', () => {
  let platform: LocalPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform('home-care-journey');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('takes a customer who chooses a private provider from application to payment, fee capped by the fee room', async () => {
    const result = await runHomeCareJourney(platform, {
      identityNumber: nextIdentityNumber(1938),
      careHoursPerMonth: 8,
      serviceHoursPerMonth: 2,
      validFrom: '2026-02-01',
      validTo: '2026-02-28',
      // Fee room 2026: 15 000 − 6 500 − 7 296 (minimum amount, single) = 1 204 kr.
      feeBasis: { netIncomeOre: 1_500_000, housingCostOre: 650_000, household: 'single' },
      choose: 'saltsjo-omsorg',
      month: '2026-02',
      visits: PRIVATE_PROVIDER_MONTH,
    });

    expect(result.state.chosenBy).toBe('customer');
    expect(result.providerId).toBe('saltsjo-omsorg');
    // Private rates (öre/h): day 31 000, evening 34 200, weekend-holiday 39 000, service 26 300.
    // 90 day → 46 500; 30 evening → 17 100; 135 weekend → 87 750; 120 service → 52 600.
    expect(result.settled.paymentOre).toBe(46_500 + 17_100 + 87_750 + 52_600);
    expect(result.settled.unpricedMinutes).toBe(30);
    // Tariff: 405 approved minutes × 312 kr/h = 2 106 kr; maxtaxa 2026 2 660 kr; fee room 1 204 kr.
    expect(result.settled.feeOre).toBe(120_400);
    expect(result.settled.appliedCap).toBe('fee-room');
    expect(result.settled.ocrReference).toMatch(/^\d{2,25}$/);

    const citizen = actors(platform).citizen(result.customerId);
    const invoices = await citizen.ok<Array<{ feeOre: number }>>('GET', `${platform.urls.billing}/customers/${result.customerId}/invoices`);
    expect(invoices.map((i) => i.feeOre)).toEqual([120_400]);
    const provider = actors(platform).provider('saltsjo-omsorg');
    const payments = await provider.ok<Array<{ amountOre: number; lines: unknown[] }>>('GET', `${platform.urls.billing}/providers/saltsjo-omsorg/payments?month=2026-02`);
    expect(payments.map((p) => p.amountOre)).toEqual([203_950]);
    // Recorded since request outcomes go to the memo (ADR 0051); `voucher-home-care-chosen-provider.json` is the same journey from before.
    await recordHistory(platform, result.applicationId, 'voucher-home-care-chosen-provider-outcomes-in-memo');
  });

  it('gives the default provider to a customer who does not choose in time, and caps the fee at maxtaxa', async () => {
    const weekdayMornings: VisitPlan[] = [9, 10, 11, 12, 13].map((day) => ({
      externalId: `v-feb-${day}`,
      kind: 'care' as const,
      start: `2026-02-${String(day).padStart(2, '0')}T08:00:00+01:00`,
      end: `2026-02-${String(day).padStart(2, '0')}T10:00:00+01:00`,
    }));
    const result = await runHomeCareJourney(platform, {
      identityNumber: nextIdentityNumber(1941),
      careHoursPerMonth: 10,
      serviceHoursPerMonth: 0,
      validFrom: '2026-02-01',
      validTo: '2026-02-28',
      choose: null,
      month: '2026-02',
      visits: weekdayMornings,
    });
    expect(result.state.chosenBy).toBe('default');
    expect(result.providerId).toBe('nacka-hemtjanst');
    // 600 weekday-day minutes at the municipal rate 293 kr/h.
    expect(result.settled.paymentOre).toBe(293_000);
    // No fee basis declared: tariff 10 h × 312 = 3 120 kr, capped at the 2026 maxtaxa 2 660 kr.
    expect(result.settled.feeOre).toBe(266_000);
    expect(result.settled.appliedCap).toBe('maxtaxa');
    await recordHistory(platform, result.applicationId, 'voucher-home-care-default-provider');
  });

  it('ends the journey of a denied application with the reason', async () => {
    const steps = homeCareSteps(platform);
    const { applicationId } = await steps.apply(nextIdentityNumber(1950));
    await steps.assess(applicationId);
    await steps.deny(applicationId, 'The need is met by the housing adaptation already granted.');
    const state = await journeyReaches(platform, applicationId, ['denied']);
    expect(state.denialReason).toBe('The need is met by the housing adaptation already granted.');
    await recordHistory(platform, applicationId, 'voucher-home-care-denied');
  });
});
