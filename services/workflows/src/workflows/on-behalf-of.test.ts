import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { createLogger, createServiceApp, issueToken } from '@kundval/platform';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '@kundval/contracts';
import { journeyWorkerInterceptors } from '../activities/on-behalf-of.js';
import {
  chooseProviderUpdate,
  journeyEventSignal,
  journeyStateQuery,
  personRequestQuery,
  REQUEST_OUTCOMES_IN_MEMO,
  requestOutcomeMemoKey,
  retryCommandUpdate,
  scaledTiming,
  type VoucherJourneyInput,
} from '../contracts.js';
import { askJourney } from '../person-requests.js';
import { journeyRoutes } from '../routes/journeys.js';
import { startScriptedServices, TEST_AUTH as auth, type Reply, type ScriptedServices } from '../test-fixtures/scripted-services.js';
import type { voucherJourneyWorkflow } from './voucher-journey.workflow.js';

/**
 * ADR 0022 against a real Temporal dev server, the real workflow, worker interceptors and client:
 * the command a person's request makes carries them in its token (`onBehalfOf`), and the journey's
 * own commands do not. What the services do with it is tested in each service's routes.
 */
const QUEUE_ENTRY_ID = randomUUID();

describe('the journey acting on behalf of a person', () => {
  let services: ScriptedServices;
  let app: FastifyInstance;
  let placeOrder: (body: unknown) => Reply = () => ({ status: 500, body: {} });
  let approveMonth: (body: unknown) => Reply = () => ({ status: 500, body: {} });

  const order = (b: unknown) => ({ orderId: randomUUID(), decisionId: (b as { decisionId: string }).decisionId, providerId: 'trygga-hander', status: 'placed', validFrom: '2027-01-01', validTo: '2027-01-31', endDate: null });
  /** Orders' answer to a choice: recorded, except at sjotorpsgarden, a nursing home with no free place, which queues the customer (202). */
  const recordChoice = (b: { providerId: string }, decisionId: string) =>
    b.providerId === 'sjotorpsgarden'
      ? { status: 202, body: { queueEntryId: QUEUE_ENTRY_ID, providerId: b.providerId, areaId: 'nursing-home', decisionId, customerId: randomUUID(), status: 'waiting', position: 3, queuedAt: '2027-01-02T09:00:00.000Z', offer: null } }
      : { status: 201, body: { choiceId: randomUUID(), decisionId, providerId: b.providerId, chosenBy: 'customer' } };

  beforeAll(async () => {
    services = await startScriptedServices({
      name: 'on-behalf-of',
      interceptors: journeyWorkerInterceptors,
      script: {
        'POST /tasks': (b) => ({ status: 201, body: { taskId: randomUUID(), ...(b as object), status: 'open' } }),
        'POST /tasks/close': (b) => ({ status: 200, body: { closed: [{ taskId: randomUUID(), ...(b as object), status: 'done' }] } }),
        'POST /decisions/:id/choice': (b, path) => recordChoice(b as { providerId: string }, path.split('/')[2]!),
        'POST /orders': (b) => placeOrder(b),
        'POST /orders/:id/months/2026-11/approval': (b) => approveMonth(b),
      },
    });
    app = await createServiceApp({
      name: 'workflows',
      version: 'test',
      description: 'test',
      logger: createLogger('on-behalf-of-test', { level: 'silent' }),
      auth,
      routes: async (scope) => {
        await scope.register(journeyRoutes({ client: services.client, namespace: services.namespace, temporalUiUrl: 'http://127.0.0.1:8233' }));
      },
    });
    await app.ready();
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await services?.stop();
  });

  async function journey(decisionId: string, validity = { validFrom: '2027-01-01', validTo: '2027-01-31' }, customerId: string = randomUUID()): Promise<WorkflowHandle<typeof voucherJourneyWorkflow>> {
    const applicationId = randomUUID();
    const input: VoucherJourneyInput = {
      applicationId,
      customerId,
      municipality: 'nacka',
      policy: { areaId: 'home-care', decisionKind: 'full', deliveryUnit: 'minutes-by-band', carePlanDeadlineDays: 14, defaultProvider: true, customerApprovesMonths: true, chargesFee: true },
      timing: scaledTiming(86_400, { choiceDeadlineMs: 600_000, commandRetryMs: 3_000 }),
    };
    const handle = await services.startJourney(input);
    await handle.signal(journeyEventSignal, { eventId: randomUUID(), kind: 'decisionMade', decisionId, outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, ...validity, denialReason: null });
    return handle;
  }

  const to = (decisionId: string, path: string) => services.sent.filter((s) => s.url === path.replace(':decision', decisionId));

  it("records the customer's choice on their behalf, and places the order that follows as the journey's own", async () => {
    placeOrder = (b) => ({ status: 201, body: order(b) });
    const decisionId = randomUUID();
    const handle = await journey(decisionId);
    await services.until(handle, 'the choice', (s) => s.stage === 'awaiting-choice');
    const customer = { sub: 'citizen-c-1', role: 'citizen', customerId: randomUUID() } as const;
    await handle.executeUpdate(chooseProviderUpdate, { args: [{ providerId: 'trygga-hander', onBehalfOf: customer }] });
    // Orders announces the choice; the journey then places the order on its own.
    await handle.signal(journeyEventSignal, { eventId: randomUUID(), kind: 'providerChosen', providerId: 'trygga-hander', chosenBy: 'customer' });
    await services.until(handle, 'the order', (s) => s.stage === 'awaiting-acceptance');
    expect(to(decisionId, '/decisions/:decision/choice').map((s) => s.principal)).toEqual([{ sub: 'journey-worker', role: 'system', onBehalfOf: customer }]);
    expect(services.sent.filter((s) => s.url === '/orders').at(-1)!.principal).toEqual({ sub: 'journey-worker', role: 'system' });
    await handle.terminate('test over');
  });

  it("retries a failed command on behalf of the operator who retried it, and only that command", async () => {
    placeOrder = () => ({ status: 422, body: { error: 'ORDERS.PROVIDER_SUSPENDED', message: 'Trygga Händer is suspended in home-care.' } });
    const decisionId = randomUUID();
    const handle = await journey(decisionId);
    await handle.signal(journeyEventSignal, { eventId: randomUUID(), kind: 'providerChosen', providerId: 'trygga-hander', chosenBy: 'customer' });
    const waiting = await services.until(handle, 'the attention', (s) => s.attention?.open === true && (s.escalations?.length ?? 0) > 0);
    const before = services.sent.length;
    placeOrder = (b) => ({ status: 201, body: order(b) });
    await handle.executeUpdate(retryCommandUpdate, { args: [{ by: { subject: 'operator-7', role: 'operator' }, attentionId: waiting.attention!.attentionId }] });
    await services.until(handle, 'the order', (s) => s.stage === 'awaiting-acceptance');
    const after = services.sent.slice(before);
    expect(after.filter((s) => s.url === '/orders').map((s) => s.principal)).toEqual([{ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'operator-7', role: 'operator' } }]);
    // The attention's task is closed by the journey, on its own behalf.
    expect(after.filter((s) => s.url !== '/orders').every((s) => s.principal.onBehalfOf === undefined)).toBe(true);
    await handle.terminate('test over');
  });

  it("takes the customer's choice through the personRequest signal on their behalf, once per request id, and refuses a second choice with the reason", async () => {
    placeOrder = (b) => ({ status: 201, body: order(b) });
    const decisionId = randomUUID();
    const handle = await journey(decisionId);
    await services.until(handle, 'the choice', (s) => s.stage === 'awaiting-choice');
    const customer = { sub: 'citizen-c-2', role: 'citizen', customerId: randomUUID() } as const;
    const request = { requestId: `request-${randomUUID()}`, kind: 'chooseProvider', providerId: 'trygga-hander', onBehalfOf: customer } as const;
    expect(await askJourney(handle, request, 20_000)).toEqual({ requestId: request.requestId, kind: 'chooseProvider', status: 'done', answer: { providerId: 'trygga-hander', chosenBy: 'customer' } });
    // The same request again (a caller retrying with the same Idempotency-Key) reads the first outcome and sends nothing.
    expect(await askJourney(handle, request, 20_000)).toMatchObject({ status: 'done', answer: { providerId: 'trygga-hander' } });
    expect(to(decisionId, '/decisions/:decision/choice').map((s) => s.principal)).toEqual([{ sub: 'journey-worker', role: 'system', onBehalfOf: customer }]);
    // Another request to choose is refused by the journey's own check, with the reason, and nothing reaches orders.
    const again = await askJourney(handle, { ...request, requestId: `request-${randomUUID()}`, providerId: 'omsorg-plus' }, 20_000);
    expect(again).toMatchObject({ status: 'refused', code: 'WORKFLOWS.UPDATE_REFUSED', reason: 'A provider is already chosen; switching is a separate request.' });
    expect(to(decisionId, '/decisions/:decision/choice')).toHaveLength(1);
    expect(await handle.query(personRequestQuery, 'request-never-sent')).toBeNull();
    await handle.terminate('test over');
  });

  it("writes each request's final outcome to the journey's memo, its latest ten, where the route reads it without a replay (ADR 0051)", async () => {
    placeOrder = (b) => ({ status: 201, body: order(b) });
    const decisionId = randomUUID();
    const handle = await journey(decisionId);
    await services.until(handle, 'the choice', (s) => s.stage === 'awaiting-choice');
    const customer = { sub: 'citizen-c-9', role: 'citizen', customerId: randomUUID() } as const;
    const choice = { requestId: `request-${randomUUID()}`, kind: 'chooseProvider', providerId: 'trygga-hander', onBehalfOf: customer } as const;
    const done = await askJourney(handle, choice, 20_000);
    expect(done).toEqual({ requestId: choice.requestId, kind: 'chooseProvider', status: 'done', answer: { providerId: 'trygga-hander', chosenBy: 'customer' } });
    expect((await handle.describe()).memo).toEqual({ [REQUEST_OUTCOMES_IN_MEMO]: true, [requestOutcomeMemoKey(choice.requestId)]: done });
    // Eleven more, each refused by the journey's own check: the memo keeps the latest ten and the marker.
    const refused = Array.from({ length: 11 }, () => ({ ...choice, requestId: `request-${randomUUID()}`, providerId: 'omsorg-plus' }));
    for (const request of refused) expect(await askJourney(handle, request, 20_000)).toMatchObject({ status: 'refused', code: 'WORKFLOWS.UPDATE_REFUSED' });
    const memo = (await handle.describe()).memo ?? {};
    expect(Object.keys(memo).sort()).toEqual([REQUEST_OUTCOMES_IN_MEMO, ...refused.slice(1).map((r) => requestOutcomeMemoKey(r.requestId))].sort());
    // A repeat of a request that has left the memo is still answered, by the journey's own record (one query).
    expect(await askJourney(handle, choice, 20_000)).toEqual(done);
    expect(to(decisionId, '/decisions/:decision/choice')).toHaveLength(1);
    await handle.terminate('test over');
  });

  it("passes on the service's refusal of a request's command with the service's code and reason, and the journey goes on", async () => {
    placeOrder = (b) => ({ status: 201, body: order(b) });
    const decisionId = randomUUID();
    // A month already over, so the journey waits for its approval as soon as the order is accepted.
    const handle = await journey(decisionId, { validFrom: '2026-11-01', validTo: '2026-11-30' });
    await handle.signal(journeyEventSignal, { eventId: randomUUID(), kind: 'providerChosen', providerId: 'trygga-hander', chosenBy: 'customer' });
    const placed = await services.until(handle, 'the order', (s) => s.stage === 'awaiting-acceptance');
    const orderId = placed.orderId!;
    await handle.signal(journeyEventSignal, { eventId: randomUUID(), kind: 'orderAccepted', orderId });
    await services.until(handle, 'the month', (s) => s.pendingMonths.includes('2026-11'));
    approveMonth = () => ({ status: 422, body: { error: 'BILLING.UNKNOWN_VISIT', message: 'A disputed visit is not one of the order\'s visits in 2026-11.' } });
    const customer = { sub: 'citizen-c-3', role: 'citizen', customerId: randomUUID() } as const;
    const refused = await askJourney(handle, { requestId: `request-${randomUUID()}`, kind: 'approveMonth', orderId, month: '2026-11', disputedVisitIds: [], onBehalfOf: customer }, 20_000);
    expect(refused).toMatchObject({ status: 'refused', code: 'BILLING.UNKNOWN_VISIT', reason: "A disputed visit is not one of the order's visits in 2026-11." });
    approveMonth = () => ({ status: 201, body: { orderId, month: '2026-11', approvedVisits: 3, disputedVisits: 0 } });
    const approved = await askJourney(handle, { requestId: `request-${randomUUID()}`, kind: 'approveMonth', orderId, month: '2026-11', disputedVisitIds: [], onBehalfOf: customer }, 20_000);
    expect(approved).toMatchObject({ status: 'done', answer: { orderId, month: '2026-11', approvedVisits: 3 } });
    expect(services.sent.filter((s) => s.url === `/orders/${orderId}/months/2026-11/approval`).map((s) => s.principal)).toEqual([
      { sub: 'journey-worker', role: 'system', onBehalfOf: customer },
      { sub: 'journey-worker', role: 'system', onBehalfOf: customer },
    ]);
    await handle.terminate('test over');
  });

  it("gives the person billing's refusal of a month with nothing reported (409 BILLING.NO_VISITS) at once: sent once, not retried for the request's minute", async () => {
    placeOrder = (b) => ({ status: 201, body: order(b) });
    const handle = await journey(randomUUID(), { validFrom: '2026-11-01', validTo: '2026-11-30' });
    await handle.signal(journeyEventSignal, { eventId: randomUUID(), kind: 'providerChosen', providerId: 'trygga-hander', chosenBy: 'customer' });
    const orderId = (await services.until(handle, 'the order', (s) => s.stage === 'awaiting-acceptance')).orderId!;
    await handle.signal(journeyEventSignal, { eventId: randomUUID(), kind: 'orderAccepted', orderId });
    await services.until(handle, 'the month', (s) => s.pendingMonths.includes('2026-11'));
    const message = 'No visits, sessions or attendance days are reported for 2026-11; a case handler closes a month without deliveries as nothing delivered.';
    approveMonth = () => ({ status: 409, body: { error: 'BILLING.NO_VISITS', message } });
    const customer = { sub: 'citizen-c-4', role: 'citizen', customerId: randomUUID() } as const;
    const approval = { kind: 'approveMonth' as const, orderId, month: '2026-11', disputedVisitIds: [], onBehalfOf: customer };
    const asked = Date.now();
    const refused = await askJourney(handle, { ...approval, requestId: `request-${randomUUID()}` }, 20_000);
    expect([refused?.status, refused?.code, refused?.reason]).toEqual(['refused', 'BILLING.NO_VISITS', message]);
    // The worker retries another 409 within the request's minute (the service may not have the facts yet); this one it sent once.
    expect(Date.now() - asked).toBeLessThan(20_000);
    const approvals = () => services.sent.filter((s) => s.url === `/orders/${orderId}/months/2026-11/approval`);
    expect(approvals()).toHaveLength(1);
    // Once the provider has reported, the same approval goes through.
    approveMonth = () => ({ status: 201, body: { orderId, month: '2026-11', approvedVisits: 2, disputedVisits: 0 } });
    expect(await askJourney(handle, { ...approval, requestId: `request-${randomUUID()}` }, 20_000)).toMatchObject({ status: 'done', answer: { orderId, month: '2026-11', approvedVisits: 2 } });
    expect(approvals()).toHaveLength(2);
    await handle.terminate('test over');
  });

  it('retries a failed command through the personRequest signal on behalf of the operator who asked', async () => {
    placeOrder = () => ({ status: 422, body: { error: 'ORDERS.PROVIDER_SUSPENDED', message: 'Trygga Händer is suspended in home-care.' } });
    const decisionId = randomUUID();
    const handle = await journey(decisionId);
    await handle.signal(journeyEventSignal, { eventId: randomUUID(), kind: 'providerChosen', providerId: 'trygga-hander', chosenBy: 'customer' });
    const waiting = await services.until(handle, 'the attention', (s) => s.attention?.open === true && (s.escalations?.length ?? 0) > 0);
    const by = { subject: 'operator-8', role: 'operator' } as const;
    // A request naming another attention is refused with the reason, and changes nothing.
    const wrong = await askJourney(handle, { requestId: `request-${randomUUID()}`, kind: 'retry', attentionId: 'placeOrder-9', by }, 20_000);
    expect(wrong).toMatchObject({ status: 'refused', code: 'WORKFLOWS.NO_SUCH_ATTENTION', reason: `attentionId: the open attention is ${waiting.attention!.attentionId}, not placeOrder-9.` });
    const before = services.sent.length;
    placeOrder = (b) => ({ status: 201, body: order(b) });
    const retried = await askJourney(handle, { requestId: `request-${randomUUID()}`, kind: 'retry', command: 'placeOrder', attentionId: waiting.attention!.attentionId, by }, 20_000);
    expect(retried).toMatchObject({ status: 'done', answer: { attentionId: waiting.attention!.attentionId, command: 'placeOrder', open: false, resolution: { action: 'retry', by } } });
    await services.until(handle, 'the order', (s) => s.stage === 'awaiting-acceptance');
    expect(services.sent.slice(before).filter((s) => s.url === '/orders').map((s) => s.principal)).toEqual([{ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'operator-8', role: 'operator' } }]);
    await handle.terminate('test over');
  });
  /** `POST /journeys/:applicationId/choice` as `principal`, with a fresh Idempotency-Key. */
  async function chooseThroughRoute(handle: WorkflowHandle, principal: Principal, body: unknown) {
    const applicationId = handle.workflowId.slice('journey-'.length);
    const token = await issueToken(auth, principal);
    return app.inject({ method: 'POST', url: `/journeys/${applicationId}/choice`, headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() }, payload: body as object });
  }

  it('carries what the customer says with a choice (district, a queue to stay in) to orders on their behalf, and answers the choice', async () => {
    const decisionId = randomUUID();
    const customerId = randomUUID();
    const handle = await journey(decisionId, undefined, customerId);
    await services.until(handle, 'the choice', (s) => s.stage === 'awaiting-choice');
    const customer = { sub: `citizen-${customerId}`, role: 'citizen', customerId } as const;
    const answer = await chooseThroughRoute(handle, customer, { providerId: 'ektorps-hage', district: 'Fisksätra', stayInQueueFor: 'sjotorpsgarden' });
    expect([answer.statusCode, answer.json()]).toEqual([200, { providerId: 'ektorps-hage', chosenBy: 'customer' }]);
    expect(to(decisionId, '/decisions/:decision/choice').map(({ principal, body }) => ({ principal, body }))).toEqual([
      { principal: { sub: 'journey-worker', role: 'system', onBehalfOf: customer }, body: { providerId: 'ektorps-hage', district: 'Fisksätra', stayInQueueFor: 'sjotorpsgarden' } },
    ]);
    expect((await handle.query(journeyStateQuery)).providerId).toBe('ektorps-hage');
    await handle.terminate('test over');
  });

  it("carries a case handler's first day for a provider added beside others to orders on their behalf", async () => {
    const decisionId = randomUUID();
    const handle = await journey(decisionId);
    await services.until(handle, 'the choice', (s) => s.stage === 'awaiting-choice');
    const caseHandler = { sub: 'handlaggare-4', role: 'case-handler' } as const;
    const answer = await chooseThroughRoute(handle, caseHandler, { providerId: 'dagcentralen', effectiveFrom: '2027-01-10' });
    expect([answer.statusCode, answer.json()]).toEqual([200, { providerId: 'dagcentralen', chosenBy: 'customer' }]);
    expect(to(decisionId, '/decisions/:decision/choice').map(({ principal, body }) => ({ principal, body }))).toEqual([
      { principal: { sub: 'journey-worker', role: 'system', onBehalfOf: caseHandler }, body: { providerId: 'dagcentralen', effectiveFrom: '2027-01-10' } },
    ]);
    await handle.terminate('test over');
  });

  it('answers a choice of a nursing home without a free place with the queue entry, and waits in the queue instead of assigning a default', async () => {
    const decisionId = randomUUID();
    const customerId = randomUUID();
    const handle = await journey(decisionId, undefined, customerId);
    const waiting = await services.until(handle, 'the choice', (s) => s.stage === 'awaiting-choice');
    const before = Date.now();
    const answer = await chooseThroughRoute(handle, { sub: `citizen-${customerId}`, role: 'citizen', customerId }, { providerId: 'sjotorpsgarden' });
    const after = Date.now();
    expect([answer.statusCode, answer.json()]).toEqual([200, { providerId: 'sjotorpsgarden', queueEntryId: QUEUE_ENTRY_ID, position: 3 }]);
    // Queued, not chosen: no choice in the journey, and its next deadline is no longer the default's (10 minutes
    // after the decision) but the queue's escalation, 90 days scaled to 90 s after the customer was queued.
    const state = await handle.query(journeyStateQuery);
    expect([state.providerId, state.chosenBy, state.orderId]).toEqual([null, null, null]);
    const next = Date.parse(state.nextDeadline!);
    expect(next).toBeLessThan(Date.parse(waiting.nextDeadline!));
    expect(next).toBeGreaterThanOrEqual(before + 90_000 - 1_000);
    expect(next).toBeLessThanOrEqual(after + 90_000);
    await handle.terminate('test over');
  });

  it('refuses a choice whose first day is not a date (400, naming the field) before it reaches the journey', async () => {
    const decisionId = randomUUID();
    const handle = await journey(decisionId);
    await services.until(handle, 'the choice', (s) => s.stage === 'awaiting-choice');
    const answer = await chooseThroughRoute(handle, { sub: 'handlaggare-4', role: 'case-handler' }, { providerId: 'dagcentralen', effectiveFrom: '10 January' });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({ error: 'VALIDATION', issues: [{ field: 'body.effectiveFrom' }] });
    expect(to(decisionId, '/decisions/:decision/choice')).toEqual([]);
    await handle.terminate('test over');
  });
});
