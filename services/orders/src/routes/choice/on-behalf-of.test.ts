import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { seedDecision, seedProvider, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { requestsFor } from '../../test-support/requests.js';

/** ADR 0022: the journey's worker carries out a person's request; the audit trail names the person as actor and the worker as agent. */
describe.each(testEngines())('the audit trail of a choice made on behalf of a person on %s', (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_on_behalf_of');
    r = requestsFor(svc);
    await seedProvider(svc.db, { providerId: 'hemtjanst-a', kind: 'private' });
  });
  afterAll(() => svc?.close());

  const auditOf = (entityId: string, action: string) =>
    svc.db.selectFrom('audit_log').select(['actor', 'actor_role', 'agent', 'action', 'at']).where('entity_id', '=', entityId).where('action', '=', action).execute();

  it('records the customer as the actor and journey-worker as the agent when the worker records their choice', async () => {
    const d = await seedDecision(svc.db);
    const worker = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${d.customerId}`, role: 'citizen', customerId: d.customerId } });
    await r.ok(`/decisions/${d.decisionId}/choice`, worker, { providerId: 'hemtjanst-a' }, 201);
    expect(await auditOf(d.decisionId, 'provider.chosen')).toEqual([{ actor: `citizen-${d.customerId}`, actor_role: 'citizen', agent: 'journey-worker', action: 'provider.chosen', at: expect.any(Date) }]);
  });

  it('refuses a customer who calls orders directly (403), recording nothing: a person chooses through the journey (ADR 0029)', async () => {
    const d = await seedDecision(svc.db);
    await r.refused('POST', `/decisions/${d.decisionId}/choice`, await svc.as({ sub: `citizen-${d.customerId}`, role: 'citizen', customerId: d.customerId }), { providerId: 'hemtjanst-a' }, 403);
    expect(await auditOf(d.decisionId, 'provider.chosen')).toEqual([]);
  });

  it("refuses the worker acting for a customer on another customer's decision, as it refuses the customer", async () => {
    const d = await seedDecision(svc.db);
    const other = await seedDecision(svc.db);
    const worker = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${other.customerId}`, role: 'citizen', customerId: other.customerId } });
    await r.refused('POST', `/decisions/${d.decisionId}/choice`, worker, { providerId: 'hemtjanst-a' }, 404, 'ORDERS.DECISION_NOT_FOUND');
  });

  it("records the operator as the actor when the worker retries a journey's order at their request", async () => {
    const d = await seedDecision(svc.db);
    const system = await svc.as({ sub: 'journey-worker', role: 'system' });
    await r.ok(`/decisions/${d.decisionId}/choice`, system, { providerId: 'hemtjanst-a' }, 201);
    const retry = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'operator-7', role: 'operator' } });
    const order = await r.ok<{ orderId: string }>('/orders', retry, { decisionId: d.decisionId }, 201);
    expect(await auditOf(order.orderId, 'order.placed')).toEqual([{ actor: 'operator-7', actor_role: 'operator', agent: 'journey-worker', action: 'order.placed', at: expect.any(Date) }]);
  });
});
