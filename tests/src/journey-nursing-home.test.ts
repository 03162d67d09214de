import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, eventually, homeCareSteps, journeyReaches, journeyState, nextIdentityNumber } from './driver/index.js';
import { TOPOLOGIES, startTopology, type TestPlatform } from './support/topology.js';
import { journeyTrail, recordHistory } from './support/histories.js';

/**
 * The rest of a nursing-home journey's life against the real platform: accepting another home while
 * staying in the queue for the chosen one and moving when it offers a place; moving out, which ends
 * the service and completes the journey once the case handler ends the decision; and a placement
 * decided by another municipality, which pays the voucher back. Amounts are asserted in öre.
 */
describe.each(TOPOLOGIES)('the life of a nursing-home journey, on the %s topology', (topology) => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTopology(topology, 'journey-nursing-home');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const people = () => actors(platform);
  const today = () => new Date().toISOString().slice(0, 10);
  const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

  /** A nursing-home decision of our own: 16 care-need points are level 5. */
  async function decision(validFrom: string, validTo: string) {
    const caseHandler = people().caseHandler;
    const app = await caseHandler.ok<{ applicationId: string; customerId: string }>('POST', `${platform.urls.decisions}/applications`, {
      identityNumber: nextIdentityNumber(1930),
      areaId: 'nursing-home',
      channel: 'discharge-planner',
    });
    await homeCareSteps(platform).assess(app.applicationId);
    const { decisionId } = await caseHandler.ok<{ decisionId: string }>('POST', `${platform.urls.decisions}/applications/${app.applicationId}/decision`, {
      outcome: 'granted',
      careHoursPerMonth: 0,
      serviceHoursPerMonth: 0,
      careNeedPoints: 16,
      validFrom,
      validTo,
    });
    return { ...app, decisionId };
  }

  /** The customer's choice of home, through the journey: chosen, or queued where the home has no free place. */
  function choose(customerId: string, decisionId: string, { providerId, ...details }: { providerId: string; stayInQueueFor?: string }) {
    return homeCareSteps(platform).choose(customerId, decisionId, providerId, details);
  }

  /** The home accepts the order, agrees the care plan and records occupancy as billing takes it. */
  async function admit(providerId: string, orderId: string, agreedOn: string) {
    const home = people().provider(providerId);
    await home.ok('POST', `${platform.urls.orders}/orders/${orderId}/accept`);
    await home.ok('POST', `${platform.urls.orders}/orders/${orderId}/care-plan`, { agreedOn, summary: 'Own room; physiotherapy twice a week.' });
    return (body: unknown) =>
      eventually(async () => {
        const answer = await home.call('POST', `${platform.urls.billing}/orders/${orderId}/occupancy`, body);
        return answer.status === 404 ? undefined : answer.status < 300 ? answer : Promise.reject(new Error(JSON.stringify(answer.body)));
      }, 'billing to record the occupancy');
  }

  /** The daily voucher of a level at a kind of provider, from the rate table billing holds. */
  async function dailyVoucher(level: string, providerKind: 'municipal' | 'private') {
    const tables = await people().caseHandler.ok<Array<{ rates: Array<{ level: string; providerKind: string; orePerUnit: number }> }>>('GET', `${platform.urls.billing}/unit-rate-tables?areaId=nursing-home`);
    return tables[0]!.rates.find((r) => r.level === level && r.providerKind === providerKind)!.orePerUnit;
  }

  it('ends the service when the resident moves out, pays the days up to the move-out, and completes once the case handler ends the decision', async () => {
    const { applicationId, customerId, decisionId } = await decision('2026-10-01', '2027-09-30');
    await choose(customerId, decisionId, { providerId: 'ektorps-hage' });
    const orderId = await homeCareSteps(platform).placedOrder('ektorps-hage', decisionId);
    const occupancy = await admit('ektorps-hage', orderId, '2026-10-02');
    await occupancy({ kind: 'moved-in', from: '2026-10-05' });
    await occupancy({ kind: 'moved-out', from: '2026-11-10' });

    const ending = await journeyReaches(platform, applicationId, ['ending'], 60_000);
    expect(ending.orders).toEqual([expect.objectContaining({ orderId, endDate: '2026-11-09' })]);
    const task = await eventually(async () => {
      const tasks = await people().caseHandler.ok<Array<{ applicationId: string; kind: string; message: string }>>('GET', `${platform.urls.decisions}/tasks?kind=moved-out`);
      return tasks.find((t) => t.applicationId === applicationId);
    }, 'the case handler to be told of the move-out');
    expect(task.message).toMatch(/moved out of ektorps-hage on 2026-11-10/);
    const order = await people().caseHandler.ok<{ endDate: string; endReason: string }>('GET', `${platform.urls.orders}/orders/${orderId}`);
    expect(order).toMatchObject({ endDate: '2026-11-09', endReason: 'moved-out' });

    await people().caseHandler.ok('POST', `${platform.urls.decisions}/decisions/${decisionId}/end`, { endDate: '2026-11-09', reason: 'deceased' });
    const done = await journeyReaches(platform, applicationId, ['completed'], 90_000);
    const daily = await dailyVoucher('5', 'private');
    // 5–31 October: 27 days; 1–9 November: 9 days (the move-out day itself is not paid).
    expect(done.settledMonths.map((m) => [m.month, m.paymentOre, m.feeOre])).toEqual([
      ['2026-10', 27 * daily, 0],
      ['2026-11', 9 * daily, 0],
    ]);
    expect(done.escalations?.find((e) => e.kind === 'moved-out')).toMatchObject({ open: false });
    await recordHistory(platform, applicationId, 'voucher-nursing-home-moved-out');
  });

  it('pays the new level from the day a changed decision raises the care need', async () => {
    const { applicationId, customerId, decisionId } = await decision('2026-10-01', '2027-09-30');
    await choose(customerId, decisionId, { providerId: 'ektorps-hage' });
    const orderId = await homeCareSteps(platform).placedOrder('ektorps-hage', decisionId);
    const occupancy = await admit('ektorps-hage', orderId, '2026-10-02');
    await occupancy({ kind: 'moved-in', from: '2026-10-05' });
    // Re-assessed after a stroke: 19 points are level 6 from 20 October.
    await people().caseHandler.ok('POST', `${platform.urls.decisions}/decisions/${decisionId}/changes`, {
      effectiveFrom: '2026-10-20',
      careHoursPerMonth: 0,
      serviceHoursPerMonth: 0,
      careNeedPoints: 19,
      validTo: '2027-09-30',
      reason: 'Re-assessment after a stroke.',
    });
    // 5–19 October at level 5, 20–31 October at level 6: paid at once if the change came first, or as a
    // correction of the month if October was paid before it.
    const expected = 15 * (await dailyVoucher('5', 'private')) + 12 * (await dailyVoucher('6', 'private'));
    const paid = await eventually(async () => {
      const october = (await journeyState(platform, applicationId))?.settledMonths.find((m) => m.month === '2026-10');
      return october?.paymentOre === expected ? october : undefined;
    }, `October to be paid ${expected} öre`, 90_000);
    expect(paid.feeOre).toBe(0);
    const order = await people().caseHandler.ok<{ level: number; validTo: string; changes: Array<Record<string, unknown>> }>('GET', `${platform.urls.orders}/orders/${orderId}`);
    expect(order).toMatchObject({ level: 6, validTo: '2027-09-30' });
    expect(order.changes).toEqual([{ effectiveFrom: '2026-10-20', validTo: '2027-09-30', careHoursPerMonth: 0, serviceHoursPerMonth: 0, level: 6, changedAt: expect.any(String) }]);
    // Orders amended the order itself (ADR 0029); the journey followed its orderChanged.
    const trail = await journeyTrail(platform, applicationId);
    expect(trail.events).toContain('orderChanged');
    expect(trail.activities).not.toContain('changeOrder');
    // The first recording guards journeys from before orders amended the orders itself.
    await recordHistory(platform, applicationId, 'voucher-nursing-home-level-changed-by-orders');
  });

  it('credits a lowered level for months already paid against the provider, with no task for the case handler', async () => {
    const { applicationId, customerId, decisionId } = await decision('2026-10-01', '2027-09-30');
    await choose(customerId, decisionId, { providerId: 'ektorps-hage' });
    const orderId = await homeCareSteps(platform).placedOrder('ektorps-hage', decisionId);
    const occupancy = await admit('ektorps-hage', orderId, '2026-10-02');
    await occupancy({ kind: 'moved-in', from: '2026-10-05' });
    const levelFive = await dailyVoucher('5', 'private');
    const levelFour = await dailyVoucher('4', 'private');
    // October (from the 5th) and November are over: both are paid at level 5.
    await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.settledMonths.length === 2 ? state : undefined;
    }, 'October and November to be paid at level 5', 60_000);
    // Re-assessed: 12 points are level 4 from 20 October, months already paid at level 5.
    await people().caseHandler.ok('POST', `${platform.urls.decisions}/decisions/${decisionId}/changes`, {
      effectiveFrom: '2026-10-20',
      careHoursPerMonth: 0,
      serviceHoursPerMonth: 0,
      careNeedPoints: 12,
      validTo: '2027-09-30',
      reason: 'Recovered after rehabilitation.',
    });
    // 20–31 October (12 days) and all of November (30 days) at level 4 instead of 5: credited, not paid down by a person.
    const octoberCredit = 12 * (levelFour - levelFive);
    const novemberCredit = 30 * (levelFour - levelFive);
    // The journey's view sums each month: what was paid, less what was credited.
    const net = [
      ['2026-10', 27 * levelFive + octoberCredit],
      ['2026-11', 30 * levelFive + novemberCredit],
    ];
    const credited = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return JSON.stringify(state?.settledMonths.map((m) => [m.month, m.paymentOre])) === JSON.stringify(net) ? state : undefined;
    }, `both months to be credited: ${JSON.stringify(net)}`);
    expect(credited.escalations?.filter((e) => e.kind === 'payment-correction')).toEqual([]);
    const tasks = await people().caseHandler.ok<Array<{ applicationId: string; key: string }>>('GET', `${platform.urls.decisions}/tasks?kind=payment-correction`);
    expect(tasks.filter((t) => t.applicationId === applicationId)).toEqual([]);
    const paid = await people().provider('ektorps-hage').ok<Array<{ orderId: string; amountOre: number }>>('GET', `${platform.urls.billing}/providers/ektorps-hage/payments`);
    expect(paid.filter((p) => p.orderId === orderId).map((p) => p.amountOre).sort((a, b) => a - b)).toEqual([novemberCredit, octoberCredit, 27 * levelFive, 30 * levelFive].sort((a, b) => a - b));
    // The order carries the new level on, for the months still to come.
    const order = await people().caseHandler.ok<{ level: number; changes: Array<Record<string, unknown>> }>('GET', `${platform.urls.orders}/orders/${orderId}`);
    expect(order.level).toBe(4);
    expect(order.changes).toEqual([{ effectiveFrom: '2026-10-20', validTo: '2027-09-30', careHoursPerMonth: 0, serviceHoursPerMonth: 0, level: 4, changedAt: expect.any(String) }]);
    expect((await journeyTrail(platform, applicationId)).activities).not.toContain('changeOrder');
    await recordHistory(platform, applicationId, 'voucher-nursing-home-level-lowered-by-orders');
  });

  it('accepts another home while staying in the queue for the chosen one, and moves there when it offers a place', async () => {
    const firstOfMonth = `${today().slice(0, 7)}-01`;
    // Sjötorpsgården has one place: another resident takes it.
    const resident = await decision(firstOfMonth, '2027-12-31');
    expect(await choose(resident.customerId, resident.decisionId, { providerId: 'sjotorpsgarden' })).toEqual({ providerId: 'sjotorpsgarden', chosenBy: 'customer' });

    const { applicationId, customerId, decisionId } = await decision(firstOfMonth, '2027-12-31');
    expect(await choose(customerId, decisionId, { providerId: 'sjotorpsgarden' })).toEqual({ providerId: 'sjotorpsgarden', queueEntryId: expect.any(String), position: 1 });
    await journeyReaches(platform, applicationId, ['queued']);
    // Ektorps Hage has room: the customer moves in there meanwhile, and keeps the place in Sjötorpsgården's queue.
    expect(await choose(customerId, decisionId, { providerId: 'ektorps-hage', stayInQueueFor: 'sjotorpsgarden' })).toEqual({ providerId: 'ektorps-hage', chosenBy: 'customer' });
    const interimOrder = await homeCareSteps(platform).placedOrder('ektorps-hage', decisionId);
    const occupancy = await admit('ektorps-hage', interimOrder, firstOfMonth);
    await occupancy({ kind: 'moved-in', from: firstOfMonth });
    await journeyReaches(platform, applicationId, ['in-service']);
    const queue = await people().caseHandler.ok<Array<{ customerId: string; status: string }>>('GET', `${platform.urls.orders}/providers/sjotorpsgarden/queue`);
    expect(queue.find((e) => e.customerId === customerId)?.status).toBe('waiting');

    // The other resident leaves Sjötorpsgården: the place is offered to the first in its queue.
    const released = await people()
      .provider('sjotorpsgarden')
      .ok<{ offers: Array<{ offerId: string; customerId: string }> }>('POST', `${platform.urls.orders}/providers/sjotorpsgarden/places/released`, { count: 1 });
    const offer = released.offers.find((o) => o.customerId === customerId)!;
    await people().citizen(customerId).ok('POST', `${platform.urls.orders}/offers/${offer.offerId}/answer`, { accepted: true });

    // The journey ends the interim order today and orders the chosen home from tomorrow.
    const moving = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.orders?.length === 2 ? state : undefined;
    }, 'the move to the chosen home');
    expect(moving.orders).toEqual([
      expect.objectContaining({ orderId: interimOrder, providerId: 'ektorps-hage', endDate: today() }),
      expect.objectContaining({ providerId: 'sjotorpsgarden', validFrom: tomorrow(), endDate: null }),
    ]);
    expect(moving).toMatchObject({ stage: 'awaiting-acceptance', providerId: 'sjotorpsgarden' });
    const chosenOrder = moving.orders![1]!.orderId;
    await admit('sjotorpsgarden', chosenOrder, today());
    await journeyReaches(platform, applicationId, ['awaiting-move-in']);
    // The interim home's order ended today, as a switch; and the customer is out of the chosen home's queue, holding its place.
    const interim = await people().caseHandler.ok<{ endDate: string; endReason: string }>('GET', `${platform.urls.orders}/orders/${interimOrder}`);
    expect(interim).toMatchObject({ endDate: today(), endReason: 'switched' });
    const after = await people().caseHandler.ok<Array<{ customerId: string; status: string }>>('GET', `${platform.urls.orders}/providers/sjotorpsgarden/queue`);
    expect(after.some((e) => e.customerId === customerId)).toBe(false);
    await recordHistory(platform, applicationId, 'voucher-nursing-home-stay-in-queue-through-journey');
  });

  it('places a customer decided by another municipality, pays the home and charges that municipality the same amount', async () => {
    const imported = await people().caseHandler.ok<{ results: Array<{ status: string; applicationId: string; decisionId: string }> }>('POST', `${platform.urls.decisions}/imports/decisions`, {
      source: 'varmdo-treserva',
      records: [
        {
          externalId: 'VD-NH-17',
          identityNumber: nextIdentityNumber(1932),
          areaId: 'nursing-home',
          decidedOn: '2026-09-20',
          outcome: 'granted',
          careNeedPoints: 13,
          validFrom: '2026-10-01',
          validTo: '2027-09-30',
          decidingMunicipality: 'Värmdö',
        },
      ],
    });
    const { applicationId, decisionId, status } = imported.results[0]!;
    expect(status).toBe('created');
    // The case handler records the customer's choice on their behalf, through the journey.
    expect(await homeCareSteps(platform).chooseAnswer(people().caseHandler, decisionId, { providerId: 'ektorps-hage' })).toEqual({ status: 200, body: { providerId: 'ektorps-hage', chosenBy: 'customer' } });
    const orderId = await homeCareSteps(platform).placedOrder('ektorps-hage', decisionId);
    const occupancy = await admit('ektorps-hage', orderId, '2026-10-02');
    await occupancy({ kind: 'moved-in', from: '2026-10-05' });
    const paid = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.settledMonths.find((m) => m.month === '2026-10');
    }, 'October to be paid', 90_000);
    // 13 care-need points are level 4: 27 days at the private level-4 voucher.
    const daily = await dailyVoucher('4', 'private');
    expect(paid.paymentOre).toBe(27 * daily);

    const finance = actors(platform).operator;
    const recharges = await eventually(async () => {
      const answer = await finance.ok<{ recharges: Array<{ orderId: string; decidingMunicipality: string; amountOre: number; month: string }> }>('GET', `${platform.urls.billing}/municipal-recharges?periodMonth=2026-10&municipality=V%C3%A4rmd%C3%B6`);
      const lines = answer.recharges.filter((l) => l.orderId === orderId);
      return lines.length > 0 ? lines : undefined;
    }, 'the recharge to Värmdö');
    expect(recharges).toEqual([expect.objectContaining({ decidingMunicipality: 'Värmdö', month: '2026-10', amountOre: 27 * daily })]);
    await recordHistory(platform, applicationId, 'voucher-nursing-home-other-municipality');
  });
});
