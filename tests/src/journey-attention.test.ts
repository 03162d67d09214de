import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { journeyWorkflowId } from '@kundval/workflows';
import { Actor, actors, eventually, homeCareSteps, journeyReaches, journeyState, nextIdentityNumber, type JourneyState, type VisitPlan } from './driver/index.js';
import { TOPOLOGIES, startTopology, type TestPlatform } from './support/topology.js';
import { eventTap } from './support/events.js';
import { recordHistory } from './support/histories.js';

/**
 * A command the services refuse for good must not lose the journey (ADR 0017): here the area's
 * default provider is suspended, so assigning it is refused (409 ORDERS.NO_DEFAULT_PROVIDER) until
 * the administrator reinstates it. The journey retries within its bound, then waits on an attention
 * with a case-handler task; an operator retries it once the cause is fixed, or skips it.
 */
const COMMAND_RETRY_MS = 6_000;
const DEFAULT_PROVIDER = 'nacka-hemtjanst';
const MONTH = '2026-03';
const VISITS: VisitPlan[] = [
  { externalId: 'mar-2', kind: 'care', start: '2026-03-02T08:00:00+01:00', end: '2026-03-02T09:30:00+01:00' },
  { externalId: 'mar-3', kind: 'care', start: '2026-03-03T08:00:00+01:00', end: '2026-03-03T09:30:00+01:00' },
];

type Task = { taskId: string; applicationId: string; kind: string; key: string; status: string; message: string; doneBy: string | null };

describe.each(TOPOLOGIES)('a command refused for good becomes an attention a person resolves; the journey never fails, on the %s topology', (topology) => {
  let platform: TestPlatform;
  let temporal: Client;
  let tap: Awaited<ReturnType<typeof eventTap>>;

  beforeAll(async () => {
    platform = await startTopology(topology, 'journey-attention', { env: { COMMAND_RETRY_MS: String(COMMAND_RETRY_MS) } });
    temporal = new Client({ connection: await Connection.connect({ address: platform.temporal.address }), namespace: platform.temporal.namespace });
    tap = await eventTap(platform.nats.url);
  });
  afterAll(async () => {
    await tap?.close();
    await temporal?.connection.close();
    await platform?.stop();
  });

  const people = () => actors(platform);
  const workflows = () => platform.urls.workflows;
  /** The administrator suspends the default provider (its insurance lapsed), or reinstates it. */
  const defaultProvider = (decision: 'suspend' | 'reinstate') =>
    new Actor(platform.auth, { sub: 'admin-1', role: 'administrator' }).ok('POST', `${platform.urls.orders}/providers/${DEFAULT_PROVIDER}/authorizations/home-care/decision`, {
      decision,
      reason: decision === 'suspend' ? 'The liability insurance certificate has lapsed.' : 'A new certificate was received.',
    });

  /** A home-care journey where the customer does not choose, so the journey assigns the default provider. */
  async function journeyWithoutChoice(identityNumber: string) {
    const steps = homeCareSteps(platform);
    const { applicationId, customerId } = await steps.apply(identityNumber);
    await steps.assess(applicationId);
    const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
    return { steps, applicationId, customerId, decisionId };
  }

  const openAttention = (applicationId: string) =>
    eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.attention ? state : undefined;
    }, 'the journey to wait on an attention', 60_000);

  const tasksOf = async (applicationId: string, query = '') =>
    (await people().caseHandler.ok<Task[]>('GET', `${platform.urls.decisions}/tasks?applicationId=${applicationId}${query}`));

  const listedUnder = async (attention: string, applicationId: string) =>
    (await people().operator.ok<Array<{ workflowId: string }>>('GET', `${workflows()}/journeys?attention=${attention}`)).some((j) => j.workflowId === journeyWorkflowId(applicationId));

  /**
   * The provider accepts and plans, reports March, the customer approves: the journey settles and
   * completes. March is long over, so its approval is escalated to the case handler before the
   * customer approves; that task must close with it.
   */
  async function deliverAndApprove(steps: ReturnType<typeof homeCareSteps>, providerId: string, decisionId: string, applicationId: string, customerId: string): Promise<JourneyState> {
    const orderId = await steps.acceptAndPlan(providerId, decisionId);
    await steps.reportVisits(providerId, orderId, VISITS.map((v) => ({ ...v, externalId: `${applicationId}-${v.externalId}` })));
    await eventually(async () => ((await tasksOf(applicationId, '&kind=approval-overdue&status=open')).length === 1 ? true : undefined), 'the approval to be escalated');
    await steps.approveMonth(customerId, orderId, MONTH);
    return journeyReaches(platform, applicationId, ['completed'], 90_000);
  }

  it('shows the refusal with its reason and a task, and completes once an operator retries after the cause is fixed', async () => {
    await defaultProvider('suspend');
    const { steps, applicationId, customerId, decisionId } = await journeyWithoutChoice(nextIdentityNumber(1951));

    const waiting = await openAttention(applicationId);
    expect(waiting.stage).toBe('awaiting-choice');
    expect(waiting.attention).toMatchObject({
      command: 'assignDefaultProvider',
      code: 'ORDERS.NO_DEFAULT_PROVIDER',
      failure: 'retries-exhausted',
      status: 409,
      open: true,
      resolution: null,
    });
    expect(waiting.attention!.reason).toMatch(/No default provider is registered for home-care/);
    const since = Date.parse(waiting.attention!.since);
    expect(Number.isNaN(since)).toBe(false);

    // The operators' view and the case handlers' queue say the same: one open task for this attention.
    expect(await eventually(async () => ((await listedUnder('command-failed', applicationId)) ? true : undefined), 'the search attribute')).toBe(true);
    const open = await tasksOf(applicationId, '&status=open');
    expect(open).toEqual([expect.objectContaining({ kind: 'command-failed', key: waiting.attention!.attentionId })]);
    expect(open[0]!.message).toMatch(/assignDefaultProvider.*ORDERS\.NO_DEFAULT_PROVIDER/);

    // The worker as shipped keeps no stack per workflow promise (ADR 0052), so the stack-trace query the Temporal UI asks
    // of a waiting journey gets the SDK's own refusal: the setting reached the worker's workflow threads.
    const stackTrace = await temporal.workflow.getHandle(journeyWorkflowId(applicationId)).query('__stack_trace').then(() => 'answered', (err: unknown) => (err instanceof Error ? err.message : String(err)));
    expect(stackTrace).toMatch(/Workflow stack traces are not enabled on this worker/);

    // Only an operator or a case handler resolves it, with a valid body, and only the attention that is open.
    const path = `${workflows()}/journeys/${applicationId}/attention`;
    expect((await people().citizen(customerId).call('POST', `${path}/retry`)).status).toBe(403);
    const noReason = await people().operator.call<{ issues: Array<{ field: string }> }>('POST', `${path}/skip`, {});
    expect([noReason.status, noReason.body.issues.map((i) => i.field)]).toEqual([400, ['body.reason']]);
    const stale = await people().operator.call<{ error: string }>('POST', `${path}/retry`, { attentionId: 'placeOrder-9' });
    expect([stale.status, stale.body.error]).toEqual([409, 'WORKFLOWS.NO_SUCH_ATTENTION']);

    // The administrator fixes the cause; the operator retries the same command.
    await defaultProvider('reinstate');
    const retried = await people().operator.call<JourneyState['attention']>('POST', `${path}/retry`, { attentionId: waiting.attention!.attentionId });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ open: false, resolution: { action: 'retry', by: { subject: 'operator-1', role: 'operator' }, reason: null } });
    const again = await people().operator.call<{ error: string }>('POST', `${path}/retry`);
    expect([again.status, again.body.error]).toEqual([409, 'WORKFLOWS.NO_SUCH_ATTENTION']);

    const assigned = await journeyReaches(platform, applicationId, ['awaiting-acceptance']);
    expect([assigned.providerId, assigned.chosenBy]).toEqual([DEFAULT_PROVIDER, 'default']);
    const done = await deliverAndApprove(steps, DEFAULT_PROVIDER, decisionId, applicationId, customerId);
    expect(done.settledMonths.map((m) => m.month)).toEqual([MONTH]);
    expect(done.settledMonths[0]!.paymentOre).toBeGreaterThan(0);
    expect(done.attention).toBeNull();
    expect(done.attentions).toEqual([expect.objectContaining({ command: 'assignDefaultProvider', open: false, resolution: expect.objectContaining({ action: 'retry' }) })]);

    // Paid and charged once; the attention's task is closed by the journey, and nothing is left open.
    expect(await tap.find('providerPaymentCreated', (p) => p['applicationId'] === applicationId)).toHaveLength(1);
    expect(await tap.find('feeCharged', (p) => p['applicationId'] === applicationId)).toHaveLength(1);
    expect(await tasksOf(applicationId, '&status=open')).toEqual([]);
    expect(await tasksOf(applicationId, '&kind=command-failed')).toEqual([expect.objectContaining({ status: 'done', doneBy: 'journey-worker' })]);
    expect(await tasksOf(applicationId, '&kind=approval-overdue')).toEqual([expect.objectContaining({ key: `${done.orderId}:${MONTH}`, status: 'done', doneBy: 'journey-worker' })]);
    expect(await listedUnder('approval-overdue', applicationId)).toBe(false);
    expect(await listedUnder('command-failed', applicationId)).toBe(false);
    const description = await temporal.workflow.getHandle(journeyWorkflowId(applicationId)).describe();
    expect(description.status.name).toBe('COMPLETED');
    await recordHistory(platform, applicationId, 'voucher-home-care-command-failed-retried');
  });

  it("goes on without a skipped command: no default provider, so the customer's own choice completes the journey", async () => {
    await defaultProvider('suspend');
    try {
      const { steps, applicationId, customerId, decisionId } = await journeyWithoutChoice(nextIdentityNumber(1952));
      const waiting = await openAttention(applicationId);
      expect(waiting.attention).toMatchObject({ command: 'assignDefaultProvider', code: 'ORDERS.NO_DEFAULT_PROVIDER' });

      const skipped = await people().caseHandler.call<JourneyState['attention']>('POST', `${workflows()}/journeys/${applicationId}/attention/skip`, {
        reason: 'The customer told us on the phone that she chooses Trygga Händer herself.',
      });
      expect(skipped.status, JSON.stringify(skipped.body)).toBe(200);
      expect(skipped.body).toMatchObject({ resolution: { action: 'skip', by: { subject: 'handlaggare-1', role: 'case-handler' } } });

      // Nothing is chosen on her behalf: the journey waits for her choice, with no deadline left to act on.
      let last: unknown;
      const afterSkip = await eventually(async () => {
        const state = await journeyState(platform, applicationId);
        last = state;
        return state && state.attention === null && state.nextDeadline === null ? state : undefined;
      }, 'the attention to close and the default to be given up').catch((err: unknown) => {
        throw new Error(`${String(err)}; last state ${JSON.stringify(last)}`);
      });
      expect([afterSkip.stage, afterSkip.providerId, afterSkip.nextDeadline]).toEqual(['awaiting-choice', null, null]);
      expect(await tasksOf(applicationId, '&status=open')).toEqual([]);

      await steps.choose(customerId, decisionId, 'trygga-hander');
      await journeyReaches(platform, applicationId, ['awaiting-acceptance']);
      const done = await deliverAndApprove(steps, 'trygga-hander', decisionId, applicationId, customerId);
      expect(done.settledMonths.map((m) => m.month)).toEqual([MONTH]);
      expect([done.providerId, done.chosenBy]).toEqual(['trygga-hander', 'customer']);
      expect((await temporal.workflow.getHandle(journeyWorkflowId(applicationId)).describe()).status.name).toBe('COMPLETED');
      await recordHistory(platform, applicationId, 'voucher-home-care-command-failed-skipped');
    } finally {
      await defaultProvider('reinstate');
    }
  });

  it('ends no journey Failed', async () => {
    const failed = [];
    for await (const wf of temporal.workflow.list({ query: `ExecutionStatus = 'Failed'` })) failed.push(wf.workflowId);
    expect(failed).toEqual([]);
  });
});
