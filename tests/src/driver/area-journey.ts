import type { VoucherAreaDefinition } from '@kundval/domain';
import { eventually } from './http.js';
import { actors, homeCareSteps, journeyState, type JourneyState, type Platform, type VisitPlan } from './journey.js';

/** What a provider delivers in a month, in the area's own delivery unit. */
export type AreaDeliveries =
  | { unit: 'minutes-by-band'; visits: VisitPlan[] }
  | { unit: 'occupancy-day'; moveIn: string }
  | { unit: 'attendance-day'; days: string[] }
  | { unit: 'session'; sessions: Array<{ externalId: string; date: string }> };

export type AreaJourneyPlan = {
  area: VoucherAreaDefinition;
  identityNumber: string;
  /** A provider authorized in the area (DEMO_PROVIDERS); the customer chooses it. */
  providerId: string;
  /** Unit areas: the decision's level, 1-based in the area's level list. */
  level?: number;
  /** Minute areas: the granted hours a month. */
  hours?: { care: number; service: number };
  validFrom: string;
  validTo: string;
  /** The month delivered, approved (where the customer approves) and paid. */
  month: string;
  deliveries: AreaDeliveries;
};

/**
 * Drives one journey of any voucher area from the application to a paid month, through the same
 * HTTP APIs people use: the case handler applies (and assesses, for a full decision) and decides
 * with the terms the area's definition asks for; the customer chooses the provider; the provider
 * accepts, agrees the care plan where the area requires one and reports what was delivered by the
 * area's delivery route; the customer approves the month where the area says so. Returns the
 * journey's settlement of the month once the journey has paid it.
 */
export async function runAreaJourneyToPayment(platform: Platform, plan: AreaJourneyPlan) {
  const { area, urls } = { area: plan.area, urls: platform.urls };
  const people = actors(platform);
  const steps = homeCareSteps(platform);
  const { applicationId, customerId } = await people.caseHandler.ok<{ applicationId: string; customerId: string }>('POST', `${urls.decisions}/applications`, {
    identityNumber: plan.identityNumber,
    areaId: area.id,
    channel: 'citizen',
  });
  if (area.decisionKind === 'full') await steps.assess(applicationId);
  const { decisionId } = await people.caseHandler.ok<{ decisionId: string }>('POST', `${urls.decisions}/applications/${applicationId}/decision`, {
    outcome: 'granted',
    validFrom: plan.validFrom,
    validTo: plan.validTo,
    ...decisionTerms(plan),
  });
  await steps.choose(customerId, decisionId, plan.providerId);
  const provider = people.provider(plan.providerId);
  const orderId = await steps.placedOrder(plan.providerId, decisionId);
  await provider.ok('POST', `${urls.orders}/orders/${orderId}/accept`);
  if (area.carePlan.required) {
    await provider.ok('POST', `${urls.orders}/orders/${orderId}/care-plan`, { agreedOn: plan.validFrom, summary: `How ${area.nameEn.toLowerCase()} is given, agreed with the customer.` });
  }
  // Deliveries are reported at once, without waiting for the journey to reach *in service*: a nursing
  // home's past month is due for payment as soon as the order is accepted, and its payment waits for
  // the move-in (it retries 409 BILLING.NOT_MOVED_IN until then).
  const report = (path: string, body: unknown) =>
    eventually(async () => {
      const answer = await provider.call('POST', `${urls.billing}/orders/${orderId}/${path}`, body);
      if (answer.status === 404) return undefined; // billing has not consumed orderPlaced yet
      if (answer.status >= 300) throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    }, `billing to know order ${orderId}`);
  const d = plan.deliveries;
  if (d.unit === 'minutes-by-band') await report('visits', { visits: d.visits });
  else if (d.unit === 'occupancy-day') await report('occupancy', { kind: 'moved-in', from: d.moveIn });
  else if (d.unit === 'attendance-day') await report('attendance', { days: d.days });
  else await report('sessions', { sessions: d.sessions });

  // Occupancy is paid per day of stay without an approval (the journey's policy); everything else the customer approves.
  if (d.unit !== 'occupancy-day') await steps.approveMonth(customerId, orderId, plan.month);
  const settled = await eventually(async () => (await journeyState(platform, applicationId))?.settledMonths.find((m) => m.month === plan.month), `${area.id}: ${plan.month} to be paid`, 120_000, 500);
  return { applicationId, customerId, decisionId, orderId, settled } satisfies { settled: JourneyState['settledMonths'][number] } & Record<string, unknown>;
}

/** The decision's terms the area asks for: hours where it is paid by the minute, a level (or care-need points), days a week for attendance. */
function decisionTerms(plan: AreaJourneyPlan): Record<string, number> {
  const { area } = plan;
  if (area.deliveryUnit === 'minutes-by-band') {
    const hours = plan.hours ?? { care: 10, service: 0 };
    return { careHoursPerMonth: hours.care, serviceHoursPerMonth: hours.service };
  }
  const level = plan.level ?? 1;
  const points = area.levels[level - 1]?.careNeedPoints;
  return {
    careHoursPerMonth: 0,
    serviceHoursPerMonth: 0,
    // Levels graded by points follow from the points; otherwise the decision names the level's number.
    ...(points ? { careNeedPoints: points.min } : { level }),
    ...(area.deliveryUnit === 'attendance-day' ? { daysPerWeek: 2 } : {}),
  };
}
