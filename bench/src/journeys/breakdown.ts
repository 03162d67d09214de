import { homeCareSteps, journeyReaches, type HomeCareScenario, type Platform } from '@kundval/tests/driver';

/** The journey's steps as the driver takes them; a step that waits for an event includes that wait. */
export const JOURNEY_STEPS = ['apply', 'assess', 'feeBasis', 'decide', 'choose', 'orderPlaced', 'acceptAndPlan', 'reportVisits', 'approveMonth', 'paid'] as const;
export type JourneyStep = (typeof JOURNEY_STEPS)[number];

/**
 * `runHomeCareJourney` (tests/src/driver/journey.ts) step by step, timing each step: for `--breakdown`,
 * to see where a journey's time goes. Same calls in the same order; without `--breakdown` the
 * runs use the driver's own function. Returns the application id.
 */
export async function timedHomeCareJourney(platform: Platform, s: HomeCareScenario, timings: Record<JourneyStep, number[]>): Promise<string> {
  const steps = homeCareSteps(platform);
  const time = async <T>(step: JourneyStep, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const value = await work();
    timings[step].push(performance.now() - t0);
    return value;
  };
  const { applicationId, customerId } = await time('apply', () => steps.apply(s.identityNumber));
  await time('assess', () => steps.assess(applicationId));
  if (s.feeBasis) await time('feeBasis', () => steps.declareFeeBasis(customerId, s.feeBasis!));
  const { decisionId } = await time('decide', () => steps.decide(applicationId, s));
  if (s.choose) await time('choose', () => steps.choose(customerId, decisionId, s.choose!));
  const chosen = await time('orderPlaced', () => journeyReaches(platform, applicationId, ['awaiting-acceptance', 'awaiting-care-plan', 'in-service', 'completed']));
  const orderId = await time('acceptAndPlan', () => steps.acceptAndPlan(chosen.providerId!, decisionId));
  await time('reportVisits', () => steps.reportVisits(chosen.providerId!, orderId, s.visits));
  await time('approveMonth', () => steps.approveMonth(customerId, orderId, s.month));
  const done = await time('paid', () => journeyReaches(platform, applicationId, ['completed']));
  if (!(done.settledMonths.find((m) => m.month === s.month)?.paymentOre ?? 0)) throw new Error(`journey ${applicationId} settled without a payment`);
  return applicationId;
}
