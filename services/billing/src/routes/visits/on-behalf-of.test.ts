import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { seedOrder, startBilling, type SeededOrder, type TestBilling } from '../../test-support/billing-routes.js';
import { visitRoutes } from './index.js';

/** ADR 0022: the journey's worker carries out the customer's approval; the audit trail names the customer as actor and the worker as agent. */
describe.each(testEngines())("the audit trail of a month approved on the customer's behalf on %s", (engine) => {
  let svc: TestBilling;
  let provider: Record<string, string>;

  beforeAll(async () => {
    svc = await startBilling(engine, 'billing_on_behalf_of', visitRoutes);
    provider = await svc.as({ role: 'provider', providerId: 'omsorg-privat' });
  });
  afterAll(() => svc?.close());

  /** An order with one visit reported in March 2025. */
  async function delivered(): Promise<SeededOrder> {
    const order = await seedOrder(svc.db, { providerId: 'omsorg-privat' });
    const res = await svc.app.inject({
      method: 'POST',
      url: `/orders/${order.orderId}/visits`,
      headers: provider,
      payload: { visits: [{ externalId: `v-${order.orderId}`, kind: 'care', start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }] },
    });
    expect(res.statusCode).toBe(201);
    return order;
  }
  const approve = (order: SeededOrder, headers: Record<string, string>) =>
    svc.app.inject({ method: 'POST', url: `/orders/${order.orderId}/months/2025-03/approval`, headers, payload: { disputedVisitIds: [] } });
  const auditOf = (order: SeededOrder) =>
    svc.db.selectFrom('audit_log').select(['actor', 'actor_role', 'agent', 'action', 'at']).where('entity_id', '=', order.orderId).where('action', '=', 'month.approved').execute();

  it('records the customer as the actor and journey-worker as the agent when the worker records their approval', async () => {
    const order = await delivered();
    const worker = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${order.customerId}`, role: 'citizen', customerId: order.customerId } });
    expect((await approve(order, worker)).statusCode).toBe(201);
    expect(await auditOf(order)).toEqual([{ actor: `citizen-${order.customerId}`, actor_role: 'citizen', agent: 'journey-worker', action: 'month.approved', at: expect.any(Date) }]);
    // The month is approved by the customer, not by the worker that carried the approval.
    expect(await svc.db.selectFrom('month_approvals').select(['month', 'approved_by', 'approved_visits']).where('order_id', '=', order.orderId).execute()).toEqual([
      { month: '2025-03', approved_by: `citizen-${order.customerId}`, approved_visits: 1 },
    ]);
  });

  it('refuses a customer who calls billing directly (403), recording nothing: a person approves through the journey (ADR 0029)', async () => {
    const order = await delivered();
    expect((await approve(order, await svc.as({ sub: `citizen-${order.customerId}`, role: 'citizen', customerId: order.customerId }))).statusCode).toBe(403);
    expect(await auditOf(order)).toEqual([]);
  });

  it("refuses the worker approving for a customer another customer's month: to that customer it is not found (404)", async () => {
    const order = await delivered();
    const worker = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'citizen-someone-else', role: 'citizen', customerId: '00000000-0000-4000-8000-000000000000' } });
    const res = await approve(order, worker);
    expect(res.statusCode).toBe(404);
    expect(await auditOf(order)).toEqual([]);
  });
});
