import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { HOME_CARE_GRANT, caseHandlerSteps, startDecisions, type TestDecisions } from '../../test-support/decisions-service.js';

/**
 * ADR 0022: when an operator retries the journey's expiry of a decision (an attention), the worker
 * carries it out on their behalf; the audit trail names the operator as actor and the worker as agent.
 */
describe.each(testEngines())('the audit trail of a decision ended on behalf of a person on %s', (engine) => {
  let svc: TestDecisions;
  let caseHandler: Record<string, string>;
  let steps: ReturnType<typeof caseHandlerSteps>;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_on_behalf_of');
    caseHandler = await svc.as({ role: 'case-handler', sub: 'handlaggare-3' });
    steps = caseHandlerSteps(svc, caseHandler);
  });
  afterAll(() => svc?.close());

  const post = (url: string, headers: Record<string, string>, payload?: Record<string, unknown>) => svc.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  const auditOf = (decisionId: string) =>
    svc.db.selectFrom('audit_log').select(['actor', 'actor_role', 'agent', 'action', 'at']).where('entity_id', '=', decisionId).where('action', '=', 'decision.ended').execute();

  it("records the operator as the actor and journey-worker as the agent when the worker expires a decision at the operator's retry", async () => {
    const decision = await steps.decided('home-care', HOME_CARE_GRANT);
    const worker = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'operator-7', role: 'operator' } });
    const res = await post(`/decisions/${decision.decisionId}/expire`, worker);
    expect(res.statusCode, res.body).toBe(200);
    expect(await auditOf(decision.decisionId)).toEqual([{ actor: 'operator-7', actor_role: 'operator', agent: 'journey-worker', action: 'decision.ended', at: expect.any(Date) }]);
  });

  it('records the journey worker alone when it expires a decision on its own schedule', async () => {
    const decision = await steps.decided('home-care', HOME_CARE_GRANT);
    expect((await post(`/decisions/${decision.decisionId}/expire`, await svc.as({ sub: 'journey-worker', role: 'system' }))).statusCode).toBe(200);
    expect(await auditOf(decision.decisionId)).toEqual([{ actor: 'journey-worker', actor_role: 'system', agent: null, action: 'decision.ended', at: expect.any(Date) }]);
  });

  it('records a case handler who ends a decision directly as the actor, with no agent', async () => {
    const decision = await steps.decided('home-care', HOME_CARE_GRANT);
    const res = await post(`/decisions/${decision.decisionId}/end`, caseHandler, { endDate: '2026-04-15', reason: 'moved' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await auditOf(decision.decisionId)).toEqual([{ actor: 'handlaggare-3', actor_role: 'case-handler', agent: null, action: 'decision.ended', at: expect.any(Date) }]);
  });
});
