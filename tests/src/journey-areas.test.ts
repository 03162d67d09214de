import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { journeyWorkflowId } from '@kundval/workflows';
import { actors, eventually, homeCareSteps, journeyReaches, journeyState, nextIdentityNumber, type VisitPlan } from './driver/index.js';
import { TOPOLOGIES, startTopology, type TestPlatform } from './support/topology.js';
import { recordHistory } from './support/histories.js';

/**
 * Every voucher area through the same journey engine, against the real platform: day activities
 * (simplified decision, attendance days, one maxtaxa shared with home care), a nursing home (queue,
 * offer, move-in, hospital stay, paid per day by level), family counselling and adult education
 * (defined as data only), and a home-care journey of 36 monthly cycles whose history stays bounded.
 */
describe.each(TOPOLOGIES)('journeys in every voucher area, on the %s topology', (topology) => {
  let platform: TestPlatform;
  let temporal: Client;
  beforeAll(async () => {
    platform = await startTopology(topology, 'journey-areas');
    temporal = new Client({ connection: await Connection.connect({ address: platform.temporal.address }), namespace: platform.temporal.namespace });
  });
  afterAll(async () => {
    await temporal?.connection.close();
    await platform?.stop();
  });

  const people = () => actors(platform);

  /** An application and its simplified decision: no assessment, a level instead of hours. */
  async function simplifiedDecision(identityNumber: string, areaId: string, level: number | null, validFrom: string, validTo: string) {
    const caseHandler = people().caseHandler;
    const app = await caseHandler.ok<{ applicationId: string; customerId: string }>('POST', `${platform.urls.decisions}/applications`, { identityNumber, areaId, channel: 'citizen' });
    const decision = await caseHandler.ok<{ decisionId: string }>('POST', `${platform.urls.decisions}/applications/${app.applicationId}/decision`, {
      outcome: 'granted',
      careHoursPerMonth: 0,
      serviceHoursPerMonth: 0,
      validFrom,
      validTo,
      ...(level === null ? {} : { level }),
      ...(areaId === 'day-activities' ? { daysPerWeek: 2 } : {}),
    });
    return { ...app, decisionId: decision.decisionId };
  }

  async function orderAt(providerId: string, decisionId: string) {
    return eventually(async () => {
      const orders = await people().provider(providerId).ok<Array<{ orderId: string; decisionId: string }>>('GET', `${platform.urls.orders}/orders?status=placed`);
      return orders.find((o) => o.decisionId === decisionId)?.orderId;
    }, `an order at ${providerId}`);
  }

  it('runs day activities from a simplified decision, paying attendance days by level under one maxtaxa shared with home care', async () => {
    const identityNumber = nextIdentityNumber(1933);
    // Home care for the same customer in the same month: 8 hours (2 496 kr at 312 kr/h).
    const steps = homeCareSteps(platform);
    const home = await steps.apply(identityNumber);
    await steps.assess(home.applicationId);
    const homeDecision = await steps.decide(home.applicationId, { careHoursPerMonth: 8, serviceHoursPerMonth: 0, validFrom: '2026-09-01', validTo: '2026-09-30' });
    await steps.choose(home.customerId, homeDecision.decisionId, 'saltsjo-omsorg');
    const homeOrder = await steps.acceptAndPlan('saltsjo-omsorg', homeDecision.decisionId);
    const mornings: VisitPlan[] = [1, 2, 3, 4].map((d) => ({
      externalId: `${home.applicationId}-sep-${d}`,
      kind: 'care',
      start: `2026-09-0${d}T08:00:00+02:00`,
      end: `2026-09-0${d}T10:00:00+02:00`,
    }));
    await steps.reportVisits('saltsjo-omsorg', homeOrder, mornings);
    await steps.approveMonth(home.customerId, homeOrder, '2026-09');
    const homeDone = await journeyReaches(platform, home.applicationId, ['completed'], 90_000);
    expect(homeDone.settledMonths[0]).toMatchObject({ month: '2026-09', feeOre: 249_600 });

    const day = await simplifiedDecision(identityNumber, 'day-activities', 2, '2026-09-01', '2026-09-30');
    expect(day.customerId).toBe(home.customerId);
    await steps.choose(day.customerId, day.decisionId, 'aktiva-dagar');
    const orderId = await orderAt('aktiva-dagar', day.decisionId);
    const provider = people().provider('aktiva-dagar');
    await provider.ok('POST', `${platform.urls.orders}/orders/${orderId}/accept`);
    await provider.ok('POST', `${platform.urls.orders}/orders/${orderId}/care-plan`, { agreedOn: '2026-09-01', summary: 'Tuesdays and Thursdays, 10–15, transport included.' });
    await eventually(async () => {
      const answer = await provider.call('POST', `${platform.urls.billing}/orders/${orderId}/attendance`, { days: ['2026-09-08', '2026-09-10', '2026-09-15'] });
      return answer.status === 404 ? undefined : answer.status === 201 ? answer : Promise.reject(new Error(JSON.stringify(answer.body)));
    }, 'billing to know the day-activity order');
    await steps.approveMonth(day.customerId, orderId, '2026-09');
    const done = await journeyReaches(platform, day.applicationId, ['completed'], 90_000);
    const september = done.settledMonths.find((m) => m.month === '2026-09')!;
    // Three days at the private level-2 voucher 901 kr.
    expect(september.paymentOre).toBe(3 * 90_100);
    // Day fees 3 × 312 = 936 kr, but home care already took 2 496 of the 2 660 kr maxtaxa: 164 kr is left.
    expect(september.feeOre).toBe(16_400);
    await recordHistory(platform, day.applicationId, 'voucher-day-activities');
  });

  it('runs day activities at two providers at once, each ordered, planned and paid for its own days, one fee across both', async () => {
    const day = await simplifiedDecision(nextIdentityNumber(1934), 'day-activities', 2, '2026-11-01', '2026-11-30');
    const steps = homeCareSteps(platform);
    await steps.choose(day.customerId, day.decisionId, 'aktiva-dagar');
    // Day activities allow several providers: a second choice adds Dagcentralen rather than replacing Aktiva Dagar.
    // The case handler records it as agreed from the decision's first day (a customer adds one from today).
    expect(await steps.choose(day.customerId, day.decisionId, 'dagcentralen', { effectiveFrom: '2026-11-01' }, people().caseHandler)).toEqual({ providerId: 'dagcentralen', chosenBy: 'customer' });
    const privateOrder = await orderAt('aktiva-dagar', day.decisionId);
    const municipalOrder = await orderAt('dagcentralen', day.decisionId);
    const both = await eventually(async () => {
      const state = await journeyState(platform, day.applicationId);
      return state?.orders?.length === 2 ? state : undefined;
    }, 'an order with each provider');
    expect(both.orders!.map((o) => o.providerId).sort()).toEqual(['aktiva-dagar', 'dagcentralen']);
    expect(both.stage).toBe('awaiting-acceptance');

    const plan = (providerId: string, orderId: string, daysPerWeek: number) =>
      people().provider(providerId).call<{ error: string }>('POST', `${platform.urls.orders}/orders/${orderId}/care-plan`, {
        agreedOn: '2026-11-02',
        summary: `Activities ${daysPerWeek} day(s) a week.`,
        startsOn: '2026-11-03',
        daysPerWeek,
      });
    for (const [providerId, orderId] of [['aktiva-dagar', privateOrder], ['dagcentralen', municipalOrder]] as const) {
      await people().provider(providerId).ok('POST', `${platform.urls.orders}/orders/${orderId}/accept`);
    }
    expect((await plan('aktiva-dagar', privateOrder, 1)).status).toBe(201);
    // The decision grants two days a week in all: Dagcentralen cannot agree two more.
    expect(await plan('dagcentralen', municipalOrder, 2)).toMatchObject({ status: 409, body: { error: 'ORDERS.DAYS_EXCEED_DECISION' } });
    expect((await plan('dagcentralen', municipalOrder, 1)).status).toBe(201);
    await journeyReaches(platform, day.applicationId, ['in-service']);

    const attend = (providerId: string, orderId: string, days: string[]) =>
      eventually(async () => {
        const answer = await people().provider(providerId).call('POST', `${platform.urls.billing}/orders/${orderId}/attendance`, { days });
        return answer.status === 404 ? undefined : answer.status === 201 ? answer : Promise.reject(new Error(JSON.stringify(answer.body)));
      }, 'billing to know the day-activity order');
    await attend('aktiva-dagar', privateOrder, ['2026-11-03', '2026-11-10', '2026-11-17']);
    await attend('dagcentralen', municipalOrder, ['2026-11-05', '2026-11-12']);
    await steps.approveMonth(day.customerId, privateOrder, '2026-11');
    await steps.approveMonth(day.customerId, municipalOrder, '2026-11');
    const done = await journeyReaches(platform, day.applicationId, ['completed'], 90_000);
    const november = done.settledMonths.find((m) => m.month === '2026-11')!;
    // Level 2: three days at the private 901 kr and two at the municipal 850 kr.
    expect(november.paymentOre).toBe(3 * 90_100 + 2 * 85_000);
    // Five day fees of 312 kr = 1 560 kr, under the 2 660 kr maxtaxa, charged across both orders.
    expect(november.feeOre).toBe(156_000);
    const paid = async (providerId: string) =>
      (await people().provider(providerId).ok<Array<{ orderId: string; amountOre: number }>>('GET', `${platform.urls.billing}/providers/${providerId}/payments`))
        .filter((p) => p.orderId === privateOrder || p.orderId === municipalOrder)
        .map((p) => p.amountOre);
    expect(await paid('aktiva-dagar')).toEqual([3 * 90_100]);
    expect(await paid('dagcentralen')).toEqual([2 * 85_000]);
    await recordHistory(platform, day.applicationId, 'voucher-day-activities-two-providers');
  });

  it('queues a customer for a full nursing home, offers the released place, and pays the days of stay by level, hospital stay included', async () => {
    const steps = homeCareSteps(platform);
    const caseHandler = people().caseHandler;
    /** A nursing-home decision: 16 care-need points are level 5. */
    async function nursingHomeDecision(birthYear: number) {
      const app = await caseHandler.ok<{ applicationId: string; customerId: string }>('POST', `${platform.urls.decisions}/applications`, { identityNumber: nextIdentityNumber(birthYear), areaId: 'nursing-home', channel: 'discharge-planner' });
      await steps.assess(app.applicationId);
      const { decisionId } = await caseHandler.ok<{ decisionId: string }>('POST', `${platform.urls.decisions}/applications/${app.applicationId}/decision`, {
        outcome: 'granted',
        careHoursPerMonth: 0,
        serviceHoursPerMonth: 0,
        careNeedPoints: 16,
        validFrom: '2026-10-01',
        validTo: '2027-09-30',
      });
      const choose = () => steps.choose(app.customerId, decisionId, 'sjotorpsgarden');
      return { ...app, decisionId, choose };
    }
    // Sjötorpsgården has one place: the first customer takes it, the second must queue.
    const first = await nursingHomeDecision(1927);
    await first.choose();
    await journeyReaches(platform, first.applicationId, ['awaiting-acceptance']);
    const app = await nursingHomeDecision(1929);
    const { decisionId } = app;
    const citizen = people().citizen(app.customerId);
    await app.choose();
    await journeyReaches(platform, app.applicationId, ['queued']);

    const home = people().provider('sjotorpsgarden');
    // The first resident moves out: the home releases the place and it is offered to the first in the queue.
    const released = await home.ok<{ offers: Array<{ offerId: string; customerId: string }> }>('POST', `${platform.urls.orders}/providers/sjotorpsgarden/places/released`, { count: 1 });
    const offer = released.offers.find((o) => o.customerId === app.customerId)!.offerId;
    await citizen.ok('POST', `${platform.urls.orders}/offers/${offer}/answer`, { accepted: true });
    const orderId = await orderAt('sjotorpsgarden', decisionId);
    await home.ok('POST', `${platform.urls.orders}/orders/${orderId}/accept`);
    await home.ok('POST', `${platform.urls.orders}/orders/${orderId}/care-plan`, { agreedOn: '2026-10-02', summary: 'Room 12; physiotherapy twice a week.' });
    const occupancy = (body: unknown) =>
      eventually(async () => {
        const answer = await home.call('POST', `${platform.urls.billing}/orders/${orderId}/occupancy`, body);
        return answer.status === 404 ? undefined : answer.status < 300 ? answer : Promise.reject(new Error(JSON.stringify(answer.body)));
      }, 'billing to record the occupancy');
    await occupancy({ kind: 'moved-in', from: '2026-10-05' });
    await occupancy({ kind: 'hospital-stay', from: '2026-10-20', to: '2026-10-24' });
    const paid = await eventually(async () => {
      const state = await journeyReaches(platform, app.applicationId, ['in-service']);
      return state.settledMonths.find((m) => m.month === '2026-10');
    }, 'October to be paid', 90_000);
    // 5 October to 31 October inclusive: 27 days, the hospital stay kept paid, at the municipal level-5 voucher.
    const levelFive = await caseHandler.ok<Array<{ rates: Array<{ level: string; providerKind: string; orePerUnit: number }> }>>('GET', `${platform.urls.billing}/unit-rate-tables?areaId=nursing-home`);
    const daily = levelFive[0]!.rates.find((r) => r.level === '5' && r.providerKind === 'municipal')!.orePerUnit;
    expect(paid.paymentOre).toBe(27 * daily);
    expect(paid.feeOre).toBe(0);
    await recordHistory(platform, app.applicationId, 'voucher-nursing-home-queue');
  });

  it.each([
    ['family-counselling', 'familjeradgivningen', null],
    ['adult-education', 'komvux-nacka', 1],
  ])('runs %s through the same engine from its definition alone', async (areaId, providerId, level) => {
    const journey = await simplifiedDecision(nextIdentityNumber(1980), areaId, level, '2026-10-01', '2026-12-31');
    // Nobody chooses: the area's default provider gets the order when the choice deadline passes.
    const state = await journeyReaches(platform, journey.applicationId, ['awaiting-acceptance', 'in-service'], 60_000);
    expect(state).toMatchObject({ areaId, providerId, chosenBy: 'default' });
    const orderId = await orderAt(providerId, journey.decisionId);
    await people().provider(providerId).ok('POST', `${platform.urls.orders}/orders/${orderId}/accept`);
    // No care plan in these areas: the journey goes straight into service.
    await journeyReaches(platform, journey.applicationId, ['in-service']);
    await recordHistory(platform, journey.applicationId, `voucher-${areaId}`);
  });

  it('runs 36 monthly cycles of home care, continuing as new so that each run\'s history stays short', { timeout: 420_000 }, async () => {
    // 2024–2026: the years whose price base amounts and rate tables the platform knows.
    const steps = homeCareSteps(platform);
    const { applicationId, customerId } = await steps.apply(nextIdentityNumber(1931));
    await steps.assess(applicationId);
    const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 4, serviceHoursPerMonth: 0, validFrom: '2024-01-01', validTo: '2026-12-31' });
    await steps.choose(customerId, decisionId, 'fisksatra-vard');
    const orderId = await steps.acceptAndPlan('fisksatra-vard', decisionId);
    const months = Array.from({ length: 36 }, (_, i) => `${2024 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
    // One hour on the 10th of each month, 09:00 UTC.
    const visits: VisitPlan[] = months.map((m) => ({ externalId: `${applicationId}-${m}`, kind: 'service', start: `${m}-10T09:00:00Z`, end: `${m}-10T10:00:00Z` }));
    await steps.reportVisits('fisksatra-vard', orderId, visits);
    // The customer approves as the months go by, through the journey (ADR 0029): each approval is a request in the
    // journey's history with its command, so six at a time, the next six once those are settled and the journey has
    // continued as new (36 at once would all land in one run's history, about 34 events each).
    for (let i = 0; i < months.length; i += 6) {
      for (const month of months.slice(i, i + 6)) await steps.approveMonth(customerId, orderId, month);
      await eventually(async () => {
        const state = await journeyState(platform, applicationId);
        return state && state.settledMonths.length >= i + 6 ? state : undefined;
      }, `months ${i + 1}–${i + 6} to be settled`, 120_000);
    }

    // Every month is approved; the decision itself runs to the end of 2026, so the journey stays in service.
    const done = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state && state.settledMonths.length === 36 ? state : undefined;
    }, 'all 36 months to be settled', 300_000);
    expect(done.stage).toBe('in-service');
    // Every month: 60 service minutes at the private service rate 263 kr/h.
    expect(done.settledMonths.every((m) => m.paymentOre === 26_300)).toBe(true);
    expect(done.runs).toBeGreaterThanOrEqual(5);
    // Every run of the journey (closed by continue-as-new, and the open one) and its history length.
    const runs: number[] = [];
    for await (const run of temporal.workflow.list({ query: `WorkflowId = '${journeyWorkflowId(applicationId)}'` })) runs.push(run.historyLength);
    console.log(`36 monthly cycles: ${runs.length} runs, history lengths ${runs.join(', ')} events (Temporal's limit: 51 200)`);
    expect(runs.length).toBe(done.runs! + 1);
    expect(Math.max(...runs)).toBeLessThan(1_000);
  });
});
