import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  chooseProviderUpdate,
  endJourneyUpdate,
  journeyEventSignal,
  journeyStateQuery,
  retryCommandUpdate,
  scaledTiming,
  skipCommandUpdate,
  type JourneyEvent,
  type VoucherJourneyInput,
} from '../contracts.js';
import { startScriptedServices, type Reply, type ScriptedServices } from '../test-fixtures/scripted-services.js';
import type { voucherJourneyWorkflow } from './voucher-journey.workflow.js';

/**
 * The failure policy against a real Temporal dev server and the real workflow, activities and
 * client, with the services' answers scripted at the HTTP seam: the refusals the running services
 * cannot be made to give on demand (a 422, a 403 to the journey's own token, an answer that does not
 * parse). The end-to-end test (tests/src/journey-attention.test.ts) covers a refusal the real
 * services give.
 */
const by = { subject: 'operator-7', role: 'operator' } as const;

describe('the journey under its failure policy', () => {
  /** What the services answer is set by each test (`services.script`). */
  let services: ScriptedServices;
  beforeAll(async () => {
    services = await startScriptedServices({ name: 'failure-policy' });
  }, 180_000);
  afterAll(() => services?.stop());

  const decisionId = () => randomUUID();
  const tasks: Record<string, (body: unknown) => Reply> = {
    'POST /tasks': (b) => ({ status: 201, body: { taskId: randomUUID(), ...(b as object), status: 'open' } }),
    'POST /tasks/close': (b) => ({ status: 200, body: { closed: [{ taskId: randomUUID(), ...(b as object), status: 'done' }] } }),
  };
  const order = (b: unknown) => ({ orderId: randomUUID(), decisionId: (b as { decisionId: string }).decisionId, providerId: 'trygga-hander', status: 'placed', validFrom: '2027-01-01', validTo: '2027-01-31', endDate: null });

  /** A home-care journey with a granted decision, and the customer's choice when `chosen`. */
  async function journey(decision: string, chosen: boolean): Promise<WorkflowHandle<typeof voucherJourneyWorkflow>> {
    const applicationId = randomUUID();
    const input: VoucherJourneyInput = {
      applicationId,
      customerId: randomUUID(),
      municipality: 'nacka',
      policy: { areaId: 'home-care', decisionKind: 'full', deliveryUnit: 'minutes-by-band', carePlanDeadlineDays: 14, defaultProvider: true, customerApprovesMonths: true, chargesFee: true },
      timing: scaledTiming(86_400, { choiceDeadlineMs: 600_000, commandRetryMs: 3_000 }),
    };
    const events: JourneyEvent[] = [
      { eventId: randomUUID(), kind: 'decisionMade', decisionId: decision, outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2027-01-01', validTo: '2027-01-31', denialReason: null },
      ...(chosen ? [{ eventId: randomUUID(), kind: 'providerChosen' as const, providerId: 'trygga-hander', chosenBy: 'customer' as const }] : []),
    ];
    const handle = await services.startJourney(input);
    for (const e of events) await handle.signal(journeyEventSignal, e);
    return handle;
  }

  /** The journey's KundvalAttention once visibility shows `expected` (it lags the workflow a little), or as it stands after 10 s. */
  async function searchAttribute(handle: WorkflowHandle, expected: string[]): Promise<unknown> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const value = (await handle.describe()).searchAttributes['KundvalAttention'];
      if (JSON.stringify(value) === JSON.stringify(expected) || Date.now() > deadline) return value;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function refusal(update: Promise<unknown>): Promise<string> {
    const err = await update.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause?.message ?? '';
  }

  it('does not fail on a refusal (422): it waits on an attention with a task, and ends when an operator ends it', async () => {
    services.script = { ...tasks, 'POST /orders': () => ({ status: 422, body: { error: 'ORDERS.PROVIDER_SUSPENDED', message: 'Trygga Händer is suspended in home-care.' } }) };
    const handle = await journey(decisionId(), true);
    const waiting = await services.until(handle, 'the attention', (s) => s.attention?.open === true);
    expect(waiting.attention).toMatchObject({ command: 'placeOrder', code: 'ORDERS.PROVIDER_SUSPENDED', reason: 'Trygga Händer is suspended in home-care.', failure: 'refused', status: 422 });
    // Refused for good: tried once, never retried.
    expect(services.sent.filter((s) => s.url === '/orders' && s.headers['x-correlation-id'] === handle.workflowId)).toHaveLength(1);
    // The task is raised, then the search attribute set, just after the attention is recorded.
    await services.until(handle, 'the task', (s) => s.escalations?.some((e) => e.kind === 'command-failed') === true);
    const raised = services.sent.filter((s) => s.url === '/tasks' && (s.body as { applicationId: string }).applicationId === waiting.applicationId);
    expect(raised.map((s) => s.body)).toEqual([expect.objectContaining({ kind: 'command-failed', key: waiting.attention!.attentionId })]);
    expect(await searchAttribute(handle, ['command-failed'])).toEqual(['command-failed']);

    // Refused before they reach history: no reason to skip or end, a role that may not, another attention.
    expect(await refusal(handle.executeUpdate(skipCommandUpdate, { args: [{ by }] }))).toMatch(/^reason/);
    expect(await refusal(handle.executeUpdate(endJourneyUpdate, { args: [{ by: { subject: 'c-1', role: 'citizen' as 'operator' }, reason: 'x' }] }))).toMatch(/^by\.role/);
    expect(await refusal(handle.executeUpdate(retryCommandUpdate, { args: [{ by, attentionId: 'payProvider-3' }] }))).toMatch(/^attentionId/);

    const ended = await handle.executeUpdate(endJourneyUpdate, { args: [{ by, reason: 'The customer moved to another municipality.' }] });
    expect(ended.resolution).toMatchObject({ action: 'end', by, reason: 'The customer moved to another municipality.' });
    const result = await handle.result();
    expect(result.stage).toBe('completed');
    expect(result.ended?.reason).toBe('ended by operator operator-7: The customer moved to another municipality.');
    expect(result.attention).toBeNull();
    const closed = services.sent.filter((s) => s.url === '/tasks/close' && (s.body as { applicationId: string }).applicationId === result.applicationId);
    expect(closed.map((s) => s.body)).toEqual([expect.objectContaining({ kind: 'command-failed', key: 'placeOrder-1' })]);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await searchAttribute(handle, ['none'])).toEqual(['none']);
  });

  it('takes an answer it cannot read as a failure of its own, and retries the same command with the same key once fixed', async () => {
    let answer: (b: unknown) => Reply = () => ({ status: 201, body: { orderId: 42 } });
    services.script = { ...tasks, 'POST /orders': (b) => answer(b) };
    const handle = await journey(decisionId(), true);
    const waiting = await services.until(handle, 'the attention', (s) => s.attention?.open === true);
    expect(waiting.attention).toMatchObject({ command: 'placeOrder', code: 'UNEXPECTED_ANSWER', failure: 'unexpected-answer', status: 201 });
    expect(waiting.attention!.reason).toMatch(/orderId/);

    answer = (b) => ({ status: 201, body: order(b) });
    await handle.executeUpdate(retryCommandUpdate, { args: [{ by, attentionId: waiting.attention!.attentionId }] });
    const placed = await services.until(handle, 'the order', (s) => s.stage === 'awaiting-acceptance');
    expect(placed.attention).toBeNull();
    expect(placed.attentions?.[0]?.resolution).toMatchObject({ action: 'retry', by, reason: null });
    const keys = services.sent.filter((s) => s.url === '/orders' && s.headers['x-correlation-id'] === handle.workflowId).map((s) => s.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    await handle.terminate('test over');
  });

  it('answers a refusal of the customer\'s choice to the caller, with the service\'s code, and goes on waiting', async () => {
    services.script = { ...tasks, 'POST /decisions/:id/choice': () => ({ status: 403, body: { error: 'AUTH.FORBIDDEN', message: 'The role system may not choose.' } }) };
    const decision = decisionId();
    const handle = await journey(decision, false);
    await services.until(handle, 'the choice', (s) => s.stage === 'awaiting-choice');
    const err = await handle.executeUpdate(chooseProviderUpdate, { args: [{ providerId: 'trygga-hander' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect([(cause as ApplicationFailure).type, (cause as ApplicationFailure).details?.[0]]).toEqual(['CommandRefused', 'AUTH.FORBIDDEN']);
    const after = await handle.query(journeyStateQuery);
    expect([after.stage, after.attention, (await handle.describe()).status.name]).toEqual(['awaiting-choice', null, 'RUNNING']);
    await handle.terminate('test over');
  });

  it('skips a payment the services keep refusing: the month no longer holds up the end, and nothing is paid', async () => {
    // Tested through the state only: the month is left to finance, the journey is not stuck on it.
    services.script = {
      ...tasks,
      'POST /orders': (b) => ({ status: 201, body: order(b) }),
      'POST /provider-payments': () => ({ status: 409, body: { error: 'BILLING.ORDER_CHANGE_PENDING', message: 'Billing does not hold the amendment yet.' } }),
      'POST /orders/:id/reminders': (b) => ({ status: 201, body: { reminderId: randomUUID(), orderId: randomUUID(), ...(b as object) } }),
    };
    const handle = await journey(decisionId(), true);
    const placed = await services.until(handle, 'the order', (s) => s.orderId !== null);
    const orderId = placed.orderId!;
    services.script['POST /orders/:id/end'] = () => ({ status: 200, body: { ...order({ decisionId: placed.decisionId }), orderId, endDate: '2027-01-31' } });
    for (const e of [
      { eventId: randomUUID(), kind: 'orderAccepted' as const, orderId },
      { eventId: randomUUID(), kind: 'carePlanAgreed' as const, orderId, agreedOn: '2027-01-03' },
      { eventId: randomUUID(), kind: 'monthApproved' as const, orderId, month: '2027-01', approvedVisits: 3, disputedVisits: 0 },
      { eventId: randomUUID(), kind: 'decisionEnded' as const, reason: 'moved' as const, endDate: '2027-01-31' },
    ]) {
      await handle.signal(journeyEventSignal, e);
    }
    const waiting = await services.until(handle, 'the payment attention', (s) => s.attention?.command === 'payProvider');
    expect(waiting.attention).toMatchObject({ code: 'BILLING.ORDER_CHANGE_PENDING', failure: 'retries-exhausted', status: 409 });

    await handle.executeUpdate(skipCommandUpdate, { args: [{ by, reason: 'Finance pays January by hand.' }] });
    const result = await handle.result();
    expect([result.stage, result.settledMonths, result.pendingMonths]).toEqual(['completed', [], []]);
    expect(services.sent.some((s) => s.url === '/fees' && s.headers['x-correlation-id'] === handle.workflowId)).toBe(false);
  });
});
