import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { LocalPlatform } from '@kundval/infra';
import { Actor, actors, eventually, homeCareSteps, journeyReaches, journeyState, nextIdentityNumber, type VisitPlan } from './driver/index.js';
import { startTestPlatform } from './support/platform.js';
import { journeyTrail, recordHistory } from './support/histories.js';

/**
 * The whole life of a home-care journey against the real platform: a switch of provider in the
 * middle of a month, a changed and then ended decision, a deadline missed and escalated, and a
 * disputed month resolved by the case handler. Amounts are asserted in öre.
 */
describe('the life of a home-care journey', () => {
  let platform: LocalPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform('journey-life');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const visit = (applicationId: string, id: string, kind: 'care' | 'service', start: string, end: string): VisitPlan => ({ externalId: `${applicationId}-${id}`, kind, start, end });

  type AmendedOrder = { validTo: string; careHoursPerMonth: number; serviceHoursPerMonth: number; level: number | null; endDate: string | null; changes: Array<Record<string, unknown>> };
  /** The order as orders shows it once its amendments number `count`. */
  const orderAmended = (orderId: string, count: number) =>
    eventually(async () => {
      const order = await actors(platform).caseHandler.ok<AmendedOrder>('GET', `${platform.urls.orders}/orders/${orderId}`);
      return order.changes.length === count ? order : undefined;
    }, `the order to have ${count} amendment(s)`);
  /**
   * Orders amended the order itself from the decision's change (ADR 0029): the journey heard it as
   * orderChanged and never sent the amendment command.
   */
  async function expectAmendedByOrders(applicationId: string) {
    const trail = await journeyTrail(platform, applicationId);
    expect(trail.events).toContain('orderChanged');
    expect(trail.activities).not.toContain('changeOrder');
  }

  async function grantedJourney(validFrom: string, validTo: string, careHoursPerMonth = 6) {
    const steps = homeCareSteps(platform);
    const { applicationId, customerId } = await steps.apply(nextIdentityNumber(1937));
    await steps.assess(applicationId);
    const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth, serviceHoursPerMonth: 0, validFrom, validTo });
    return { steps, applicationId, customerId, decisionId };
  }

  it('switches provider from tomorrow: each provider is paid for its own visits, one fee across both', async () => {
    // A switch takes effect tomorrow at the earliest, so this journey runs in today's calendar.
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const firstOfMonth = `${today.slice(0, 7)}-01`;
    const { steps, applicationId, customerId, decisionId } = await grantedJourney(firstOfMonth, tomorrow);
    await steps.choose(customerId, decisionId, 'saltsjo-omsorg');
    const firstOrder = await steps.acceptAndPlan('saltsjo-omsorg', decisionId);
    // Service visits are paid at one rate whatever the hour: 60 minutes at the private 263 kr/h.
    await steps.reportVisits('saltsjo-omsorg', firstOrder, [visit(applicationId, 'first', 'service', `${firstOfMonth}T10:00:00Z`, `${firstOfMonth}T11:00:00Z`)]);

    const citizen = actors(platform).citizen(customerId);
    await citizen.ok('POST', `${platform.urls.orders}/decisions/${decisionId}/switch`, { providerId: 'trygga-hander', effectiveFrom: tomorrow });
    const secondOrder = await steps.acceptAndPlan('trygga-hander', decisionId);
    expect(secondOrder).not.toBe(firstOrder);
    // 120 minutes at 263 kr/h with the new provider.
    await steps.reportVisits('trygga-hander', secondOrder, [visit(applicationId, 'second', 'service', `${tomorrow}T10:00:00Z`, `${tomorrow}T12:00:00Z`)]);
    // The old provider's order ended today: a visit of its tomorrow is refused.
    await eventually(async () => {
      const late = await actors(platform).provider('saltsjo-omsorg').call('POST', `${platform.urls.billing}/orders/${firstOrder}/visits`, {
        visits: [visit(applicationId, 'late', 'service', `${tomorrow}T14:00:00Z`, `${tomorrow}T15:00:00Z`)],
      });
      return late.status === 400 ? late : undefined;
    }, 'billing to know that the first order ended');

    await steps.approveMonth(customerId, firstOrder, firstOfMonth.slice(0, 7));
    await steps.approveMonth(customerId, secondOrder, tomorrow.slice(0, 7));
    const settled = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      const months = state?.settledMonths ?? [];
      return months.reduce((sum, m) => sum + m.paymentOre, 0) === 26_300 + 52_600 ? months : undefined;
    }, 'both providers to be paid', 60_000);
    // 180 approved minutes × 312 kr/h = 936 kr, charged once in all (the second approval as a delta).
    expect(settled.reduce((sum, m) => sum + m.feeOre, 0)).toBe(93_600);
    const paid = (provider: string, orderId: string) =>
      actors(platform)
        .provider(provider)
        .ok<Array<{ orderId: string; amountOre: number }>>('GET', `${platform.urls.billing}/providers/${provider}/payments`)
        .then((all) => all.filter((p) => p.orderId === orderId).map((p) => p.amountOre));
    expect(await paid('saltsjo-omsorg', firstOrder)).toEqual([26_300]);
    expect(await paid('trygga-hander', secondOrder)).toEqual([52_600]);
    await recordHistory(platform, applicationId, 'voucher-home-care-switch');
  });

  it('follows a changed decision and ends the journey when the customer moves, with a final statement', async () => {
    const { steps, applicationId, customerId, decisionId } = await grantedJourney('2026-05-01', '2026-10-31');
    await steps.choose(customerId, decisionId, 'fisksatra-vard');
    const orderId = await steps.acceptAndPlan('fisksatra-vard', decisionId);
    const caseHandler = actors(platform).caseHandler;
    await caseHandler.ok('POST', `${platform.urls.decisions}/decisions/${decisionId}/changes`, {
      effectiveFrom: '2026-06-01',
      careHoursPerMonth: 10,
      serviceHoursPerMonth: 2,
      validTo: '2026-10-31',
      reason: 'Re-assessment after a fall: more help in the mornings.',
    });
    // Omprövning: orders amends the order in force from the change's first day, as its consumer copies the change.
    const amended = await orderAmended(orderId, 1);
    expect(amended).toMatchObject({ validTo: '2026-10-31', careHoursPerMonth: 10, serviceHoursPerMonth: 2, level: null, endDate: null });
    expect(amended.changes).toEqual([{ effectiveFrom: '2026-06-01', validTo: '2026-10-31', careHoursPerMonth: 10, serviceHoursPerMonth: 2, level: null, changedAt: expect.any(String) }]);
    await caseHandler.ok('POST', `${platform.urls.decisions}/decisions/${decisionId}/end`, { endDate: '2026-06-30', reason: 'moved' });
    await steps.reportVisits('fisksatra-vard', orderId, [
      visit(applicationId, 'may-5', 'care', '2026-05-05T08:00:00+02:00', '2026-05-05T09:00:00+02:00'),
      visit(applicationId, 'jun-2', 'service', '2026-06-02T10:00:00+02:00', '2026-06-02T12:00:00+02:00'),
    ]);
    await steps.approveMonth(customerId, orderId, '2026-05');
    await steps.approveMonth(customerId, orderId, '2026-06');
    const done = await journeyReaches(platform, applicationId, ['completed'], 90_000);
    expect(done.ended).toEqual({ reason: 'moved', endDate: '2026-06-30' });
    // May: 60 day minutes at 310 kr/h; June: 120 service minutes at 263 kr/h.
    expect(done.settledMonths.map((m) => [m.month, m.paymentOre])).toEqual([
      ['2026-05', 31_000],
      ['2026-06', 52_600],
    ]);
    expect(await actors(platform).caseHandler.ok<AmendedOrder>('GET', `${platform.urls.orders}/orders/${orderId}`)).toMatchObject({ validTo: '2026-10-31', endDate: '2026-06-30', careHoursPerMonth: 10 });
    await expectAmendedByOrders(applicationId);
    // Recorded anew under another name each time the path changed: the earlier recordings guard journeys
    // from before the decision-change patch and from before orders amended the orders itself.
    await recordHistory(platform, applicationId, 'voucher-home-care-changed-and-ended-by-orders');
  });

  it('renews the decision before it ends: the order runs on to the new end and the months after the old one are paid', async () => {
    const { steps, applicationId, customerId, decisionId } = await grantedJourney('2026-05-01', '2026-05-31');
    await steps.choose(customerId, decisionId, 'trygga-hander');
    const orderId = await steps.acceptAndPlan('trygga-hander', decisionId);
    await actors(platform).caseHandler.ok('POST', `${platform.urls.decisions}/decisions/${decisionId}/changes`, {
      effectiveFrom: '2026-05-20',
      careHoursPerMonth: 6,
      serviceHoursPerMonth: 2,
      validTo: '2026-06-30',
      reason: 'Follow-up visit: the need remains; renewed for June with two hours of service.',
    });
    // The order is amended, not replaced: the provider keeps the customer and billing takes June's visits.
    const amended = await orderAmended(orderId, 1);
    expect(amended).toMatchObject({ validTo: '2026-06-30', careHoursPerMonth: 6, serviceHoursPerMonth: 2, level: null, endDate: null });
    expect(amended.changes).toEqual([{ effectiveFrom: '2026-05-20', validTo: '2026-06-30', careHoursPerMonth: 6, serviceHoursPerMonth: 2, level: null, changedAt: expect.any(String) }]);
    await steps.reportVisits('trygga-hander', orderId, [
      visit(applicationId, 'may-12', 'service', '2026-05-12T09:00:00Z', '2026-05-12T10:00:00Z'),
      visit(applicationId, 'jun-9', 'service', '2026-06-09T09:00:00Z', '2026-06-09T11:00:00Z'),
    ]);
    await steps.approveMonth(customerId, orderId, '2026-05');
    await steps.approveMonth(customerId, orderId, '2026-06');
    const done = await journeyReaches(platform, applicationId, ['completed'], 90_000);
    // 60 and 120 service minutes at the private 263 kr/h; fees at 312 kr/h.
    expect(done.settledMonths.map((m) => [m.month, m.paymentOre, m.feeOre])).toEqual([
      ['2026-05', 26_300, 31_200],
      ['2026-06', 52_600, 62_400],
    ]);
    expect(done.ended).toEqual({ reason: 'expired', endDate: '2026-06-30' });
    await expectAmendedByOrders(applicationId);
    // The first recording guards journeys from before orders amended the orders itself.
    await recordHistory(platform, applicationId, 'voucher-home-care-renewed-by-orders');
  });

  it('tells the case handler a month before the decision ends, and a renewal answers the notice', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const { steps, applicationId, customerId, decisionId } = await grantedJourney(`${today.slice(0, 7)}-01`, inTenDays);
    await steps.choose(customerId, decisionId, 'fisksatra-vard');
    const orderId = await steps.acceptAndPlan('fisksatra-vard', decisionId);
    const noticed = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.escalations?.some((e) => e.kind === 'decision-expiring' && e.open) ? state : undefined;
    }, 'the notice that the decision ends');
    expect(noticed.escalations?.find((e) => e.kind === 'decision-expiring')).toMatchObject({ to: 'case-handler', key: inTenDays });
    const tasks = await actors(platform).caseHandler.ok<Array<{ applicationId: string; key: string }>>('GET', `${platform.urls.decisions}/tasks?kind=decision-expiring`);
    expect(tasks.filter((t) => t.applicationId === applicationId)).toEqual([expect.objectContaining({ key: inTenDays })]);

    const nextYear = `${Number(today.slice(0, 4)) + 1}-06-30`;
    await actors(platform).caseHandler.ok('POST', `${platform.urls.decisions}/decisions/${decisionId}/changes`, {
      effectiveFrom: today,
      careHoursPerMonth: 6,
      serviceHoursPerMonth: 0,
      validTo: nextYear,
      reason: 'Renewed for a year at the follow-up.',
    });
    const renewed = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.escalations?.every((e) => e.kind !== 'decision-expiring' || !e.open) ? state : undefined;
    }, 'the notice to be answered by the renewal');
    expect(renewed.stage).toBe('in-service');
    const order = await orderAmended(orderId, 1);
    expect(order).toMatchObject({ validTo: nextYear, careHoursPerMonth: 6, serviceHoursPerMonth: 0, level: null, endDate: null });
    expect(order.changes).toEqual([{ effectiveFrom: today, validTo: nextYear, careHoursPerMonth: 6, serviceHoursPerMonth: 0, level: null, changedAt: expect.any(String) }]);
    await expectAmendedByOrders(applicationId);
  });

  it('reminds the provider, then escalates to the case handler, when an order is not accepted; never accepts it for them', async () => {
    const { steps, applicationId, customerId, decisionId } = await grantedJourney('2026-07-01', '2026-07-31');
    await steps.choose(customerId, decisionId, 'trygga-hander');
    // One day is one second in the tests: the escalation comes five "days" after the order.
    const escalated = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.escalations?.some((e) => e.kind === 'acceptance-overdue' && e.open) ? state : undefined;
    }, 'the acceptance escalation', 60_000);
    expect(escalated.stage).toBe('awaiting-acceptance');
    expect(escalated.escalations?.some((e) => e.kind === 'acceptance-reminder')).toBe(true);
    // The escalation is in the journey's state as its task is being opened, and the search attribute reaches
    // Temporal's visibility store a moment later: both are waited for, not raced.
    await eventually(async () => {
      const tasks = await actors(platform).caseHandler.ok<Array<{ applicationId: string; kind: string }>>('GET', `${platform.urls.decisions}/tasks?status=open`);
      return tasks.some((t) => t.applicationId === applicationId && t.kind === 'acceptance-overdue') || undefined;
    }, "the acceptance escalation's task", 30_000);
    await eventually(async () => {
      const operatorView = await actors(platform).operator.ok<Array<{ workflowId: string }>>('GET', `${platform.urls.workflows}/journeys?attention=acceptance-overdue`);
      return operatorView.some((j) => j.workflowId === `journey-${applicationId}`) || undefined;
    }, "the journey among the operators' acceptance-overdue journeys", 30_000);

    await steps.acceptAndPlan('trygga-hander', decisionId);
    // The acceptance closes the escalation as it is applied; the stage follows in the same pass, after
    // the journey has closed the escalation's task, so a query may see the one before the other.
    const resolved = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.escalations?.every((e) => e.kind !== 'acceptance-overdue' || !e.open) && state.stage !== 'awaiting-acceptance' ? state : undefined;
    }, 'the escalation to close and the journey to move on');
    expect(['awaiting-care-plan', 'in-service']).toContain(resolved.stage);
    const stillOpen = await actors(platform).caseHandler.ok<Array<{ applicationId: string; kind: string }>>('GET', `${platform.urls.decisions}/tasks?status=open`);
    expect(stillOpen.some((t) => t.applicationId === applicationId && t.kind === 'acceptance-overdue')).toBe(false);
  });

  it('reminds the provider of an overdue care plan, then escalates it to the case handler, and closes it when the plan is agreed', async () => {
    const { steps, applicationId, customerId, decisionId } = await grantedJourney('2026-09-01', '2026-09-30');
    await steps.choose(customerId, decisionId, 'fisksatra-vard');
    const orderId = await steps.placedOrder('fisksatra-vard', decisionId);
    const provider = actors(platform).provider('fisksatra-vard');
    await provider.ok('POST', `${platform.urls.orders}/orders/${orderId}/accept`);
    // Home care's care plan is due 14 days after acceptance; the escalation follows 7 days later (seconds here).
    const escalated = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.escalations?.some((e) => e.kind === 'care-plan-overdue' && e.open) ? state : undefined;
    }, 'the care-plan escalation', 60_000);
    expect(escalated.stage).toBe('awaiting-care-plan');
    expect(escalated.escalations?.find((e) => e.kind === 'care-plan-reminder')).toMatchObject({ to: 'provider', key: `${orderId}:care-plan-1` });
    const reminders = await provider.ok<{ reminders: Array<{ about: string }> }>('GET', `${platform.urls.orders}/orders/${orderId}`);
    expect(reminders.reminders.map((r) => r.about)).toContain('care-plan');
    const tasks = await actors(platform).caseHandler.ok<Array<{ applicationId: string; kind: string; key: string }>>('GET', `${platform.urls.decisions}/tasks?kind=care-plan-overdue`);
    expect(tasks.filter((t) => t.applicationId === applicationId)).toEqual([expect.objectContaining({ key: orderId })]);

    await provider.ok('POST', `${platform.urls.orders}/orders/${orderId}/care-plan`, { agreedOn: '2026-09-20', summary: 'Morning visits; shower on Mondays and Thursdays.' });
    // September is over, so the journey goes on to chase its approval; the care-plan escalation is closed.
    const planned = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.stage === 'in-service' && state.escalations?.every((e) => e.kind !== 'care-plan-overdue' || !e.open) ? state : undefined;
    }, 'the care-plan escalation to close');
    expect(planned.escalations?.filter((e) => e.kind === 'care-plan-overdue')).toHaveLength(1);
    await recordHistory(platform, applicationId, 'voucher-home-care-care-plan-escalated');
  });

  it('chases an unapproved month, and settles a month with nothing delivered at zero once the case handler closes it; nothing is approved for the customer', async () => {
    const { steps, applicationId, customerId, decisionId } = await grantedJourney('2026-04-01', '2026-04-30');
    await steps.choose(customerId, decisionId, 'saltsjo-omsorg');
    const orderId = await steps.acceptAndPlan('saltsjo-omsorg', decisionId);
    // April is over: the approval is reminded 5 days and escalated 10 days after the month (at once, here).
    const escalated = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.escalations?.some((e) => e.kind === 'approval-overdue' && e.open) ? state : undefined;
    }, 'the approval escalation', 60_000);
    expect(escalated.escalations?.some((e) => e.kind === 'approval-reminder' && e.to === 'provider')).toBe(true);
    expect(escalated.settledMonths).toEqual([]);
    expect(escalated.stage).toBe('in-service');

    // The customer has nothing to approve: the provider reported no visits at all in April. Billing's refusal comes back
    // through the journey at once, not after the half minute of retries the worker gives a 409 that is not final (ADR 0044).
    const citizen = actors(platform).citizen(customerId);
    const asked = Date.now();
    const empty = await steps.approvalAnswer(citizen, orderId, '2026-04');
    const waited = Date.now() - asked;
    expect(empty).toMatchObject({ status: 409, body: { error: 'BILLING.NO_VISITS', message: 'No visits, sessions or attendance days are reported for 2026-04; a case handler closes a month without deliveries as nothing delivered.' } });
    expect(waited, 'ms the refusal took').toBeLessThan(15_000);
    // Only the case handler may close the month as delivered-nothing.
    const byCitizen = await citizen.call('POST', `${platform.urls.billing}/orders/${orderId}/months/2026-04/nothing-delivered`, { reason: 'In hospital all April' });
    expect(byCitizen.status).toBe(403);
    await actors(platform).caseHandler.ok('POST', `${platform.urls.billing}/orders/${orderId}/months/2026-04/nothing-delivered`, {
      reason: 'The customer was in hospital from 30 March to 4 May; no home care was delivered.',
    });
    const done = await journeyReaches(platform, applicationId, ['completed'], 90_000);
    expect(done.settledMonths).toEqual([expect.objectContaining({ month: '2026-04', paymentOre: 0, feeOre: 0 })]);
    expect(done.escalations?.filter((e) => e.kind === 'approval-overdue')).toEqual([expect.objectContaining({ open: false })]);
    expect(done.ended).toEqual({ reason: 'expired', endDate: '2026-04-30' });
    const payments = await actors(platform)
      .provider('saltsjo-omsorg')
      .ok<Array<{ orderId: string; amountOre: number }>>('GET', `${platform.urls.billing}/providers/saltsjo-omsorg/payments`);
    expect(payments.filter((p) => p.orderId === orderId).reduce((sum, p) => sum + p.amountOre, 0)).toBe(0);
    await recordHistory(platform, applicationId, 'voucher-home-care-nothing-delivered');
  });

  it('pays the undisputed part of a month at once and the rest when the case handler resolves the dispute', async () => {
    const { steps, applicationId, customerId, decisionId } = await grantedJourney('2026-08-01', '2026-08-31');
    await steps.choose(customerId, decisionId, 'saltsjo-omsorg');
    const orderId = await steps.acceptAndPlan('saltsjo-omsorg', decisionId);
    const reported = await steps.reportVisits('saltsjo-omsorg', orderId, [
      visit(applicationId, 'aug-3', 'care', '2026-08-03T08:00:00+02:00', '2026-08-03T09:00:00+02:00'),
      visit(applicationId, 'aug-4', 'care', '2026-08-04T08:00:00+02:00', '2026-08-04T09:00:00+02:00'),
    ]);
    const disputed = reported.find((v) => v.externalId.endsWith('aug-4'))!.visitId;
    await steps.approveMonth(customerId, orderId, '2026-08', [disputed]);
    const waiting = await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.escalations?.some((e) => e.kind === 'dispute' && e.open) ? state : undefined;
    }, 'the dispute escalation');
    expect(waiting.settledMonths.find((m) => m.month === '2026-08')?.paymentOre).toBe(31_000);

    await actors(platform).caseHandler.ok('POST', `${platform.urls.billing}/orders/${orderId}/months/2026-08/disputes/resolve`, { approve: [disputed], reject: [] });
    const done = await journeyReaches(platform, applicationId, ['completed'], 90_000);
    const august = done.settledMonths.find((m) => m.month === '2026-08')!;
    expect(august.paymentOre).toBe(62_000);
    // 120 minutes × 312 kr/h = 624 kr in all: 312 kr at approval, 312 kr when the dispute was resolved.
    expect(august.feeOre).toBe(62_400);
    await recordHistory(platform, applicationId, 'voucher-home-care-dispute');
  });

  it("takes the choice and the approval as requests to the journey, refusing an invalid one with the journey's reason", async () => {
    const { steps, applicationId, customerId, decisionId } = await grantedJourney('2026-03-01', '2026-03-31');
    const citizen = actors(platform).citizen(customerId);
    const journey = `${platform.urls.workflows}/journeys/${applicationId}`;
    await journeyReaches(platform, applicationId, ['awaiting-choice']);
    expect(await citizen.ok('POST', `${journey}/choice`, { providerId: 'fisksatra-vard' })).toMatchObject({ providerId: 'fisksatra-vard', chosenBy: 'customer' });
    const again = await citizen.call<{ error: string; message: string }>('POST', `${journey}/choice`, { providerId: 'saltsjo-omsorg' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'WORKFLOWS.UPDATE_REFUSED', message: expect.stringMatching(/already chosen/) });
    const stranger = actors(platform).citizen('00000000-0000-4000-8000-000000000009');
    // Another customer's journey is not found, the same answer as an unknown application (scoped by its search attributes).
    expect(await stranger.call('POST', `${journey}/choice`, { providerId: 'fisksatra-vard' })).toMatchObject({ status: 404, body: { error: 'WORKFLOWS.JOURNEY_NOT_FOUND' } });

    const orderId = await steps.acceptAndPlan('fisksatra-vard', decisionId);
    await steps.reportVisits('fisksatra-vard', orderId, [visit(applicationId, 'mar-9', 'service', '2026-03-09T09:00:00Z', '2026-03-09T10:00:00Z')]);
    const wrongMonth = await citizen.call<{ error: string }>('POST', `${journey}/months/2026-04/approval`, { orderId });
    expect(wrongMonth.status).toBe(409);
    // The request is refused until the journey has seen the order's month; then it answers once billing has approved it.
    const approved = await eventually(async () => {
      const answer = await citizen.call<{ approvedVisits: number }>('POST', `${journey}/months/2026-03/approval`, { orderId });
      return answer.status === 200 ? answer.body : undefined;
    }, 'the approval request to be accepted');
    expect(approved.approvedVisits).toBe(1);
    const done = await journeyReaches(platform, applicationId, ['completed'], 90_000);
    expect(done.settledMonths).toEqual([expect.objectContaining({ month: '2026-03', paymentOre: 26_300, feeOre: 31_200 })]);
    await recordHistory(platform, applicationId, 'voucher-home-care-person-requests');
  });

  it('schedules the monthly billing run, and a triggered run bills the month before', async () => {
    const connection = await Connection.connect({ address: platform.temporal.address });
    try {
      const client = new Client({ connection, namespace: platform.temporal.namespace });
      const schedule = client.schedule.getHandle('monthly-billing-run-nacka');
      const described = await schedule.describe();
      expect(described.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 5, end: 5, step: 1 }] });
      await schedule.trigger();
      const now = new Date();
      const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
      const finance = new Actor(platform.auth, { sub: 'finance-1', role: 'finance' });
      const run = await eventually(async () => {
        const answer = await finance.call<{ status: string; month: string }>('GET', `${platform.urls.billing}/billing-runs/${previous}`);
        return answer.status === 200 && answer.body.status === 'completed' ? answer.body : undefined;
      }, `the billing run of ${previous}`, 60_000);
      expect(run.month).toBe(previous);
    } finally {
      await connection.close();
    }
  });
});
