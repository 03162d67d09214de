import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { orderRequests, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../test-support/corrections.js';

describe.each(testEngines())("Idempotency-Key on the billing commands the journey sends, on %s", (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_idempotency');
    system = await svc.as({ role: 'system', sub: 'journey-worker' });
  });
  afterAll(() => svc?.close());

  const { inject, report, approve } = orderRequests(() => svc);
  const keyed = (key: string) => ({ ...system, 'idempotency-key': key });

  /** An order with two weekday-morning hours reported in March 2025, approved unless told otherwise. */
  async function march(providerId: string, approved = true): Promise<{ order: PlacedOrder; visitIds: string[] }> {
    const order = await placeOrder(svc.db, { providerId });
    const visits = await report(order, [visit('2025-03-03', '08:00', '09:00'), visit('2025-03-04', '08:00', '09:00')]);
    if (approved) await approve(order, '2025-03');
    return { order, visitIds: visits.map((v) => v.visitId) };
  }

  /** Sends `payload` twice with `key`: the retry must answer the first status and body, marked replayed, with no row changed. */
  async function sentTwice(url: string, key: string, payload: unknown, status: number) {
    const first = await inject('POST', url, keyed(key), payload);
    expect(first.statusCode, first.body).toBe(status);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const before = await tableCounts(svc.db);
    const commits = svc.commits();
    const retry = await inject('POST', url, keyed(key), payload);
    expect([retry.statusCode, retry.body, retry.headers['idempotent-replayed']]).toEqual([status, first.body, 'true']);
    expect(await tableCounts(svc.db)).toEqual(before);
    expect(svc.commits(), 'a replay does not kick the relay').toBe(commits);
    return first;
  }

  /** The key sent with another body: 422 IDEMPOTENCY.KEY_REUSED naming it, no row changed. */
  async function reused(url: string, key: string, payload: unknown) {
    const before = await tableCounts(svc.db);
    const res = await inject('POST', url, keyed(key), payload);
    expect([res.statusCode, res.json().error]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
    expect(res.json().message).toBe(`The Idempotency-Key "${key}" was used for a different request to POST ${url}; send a new key for a new command.`);
    expect(await tableCounts(svc.db)).toEqual(before);
  }

  describe('POST /orders/:orderId/months/:month/approval (the journey records the approval the customer gave)', () => {
    it('answers an approval whose answer was lost with the same 201 when retried with its key; unkeyed, the retry is 409 BILLING.MONTH_APPROVED', async () => {
      const { order } = await march('nyckel-godkann', false);
      const url = `/orders/${order.orderId}/months/2025-03/approval`;
      const first = await sentTwice(url, `journey-${order.applicationId}:approve:2025-03`, { disputedVisitIds: [] }, 201);
      expect(first.json()).toEqual({ orderId: order.orderId, month: '2025-03', approvedVisits: 2, disputedVisits: 0 });
      const unkeyed = await inject('POST', url, system, { disputedVisitIds: [] });
      expect([unkeyed.statusCode, unkeyed.json().error]).toEqual([409, 'BILLING.MONTH_APPROVED']);
    });

    it('refuses the key with other disputed visits with 422', async () => {
      const { order, visitIds } = await march('nyckel-godkann-2', false);
      const url = `/orders/${order.orderId}/months/2025-03/approval`;
      await inject('POST', url, keyed('approve-key-2'), { disputedVisitIds: [] });
      await reused(url, 'approve-key-2', { disputedVisitIds: [visitIds[0]] });
    });
  });

  describe('POST /fees', () => {
    it('answers the retry with the first 201 and invoice (unkeyed, a repeat is 200), and refuses the key for another basis with 422', async () => {
      const { order } = await march('nyckel-avgift');
      const payload = { customerId: order.customerId, applicationId: order.applicationId, month: '2025-03' };
      const first = await sentTwice('/fees', `journey-${order.applicationId}:fee:2025-03`, payload, 201);
      expect(first.json()).toMatchObject({ customerId: order.customerId, month: '2025-03', basis: 'approval', feeOre: 62_400 });
      const unkeyed = await inject('POST', '/fees', system, payload);
      expect([unkeyed.statusCode, unkeyed.body]).toEqual([200, first.body]);
      await reused('/fees', `journey-${order.applicationId}:fee:2025-03`, { ...payload, month: '2025-04' });
    });

    it('keeps no 409 for a month not approved yet: the retry with the key charges once the approval is in', async () => {
      const { order } = await march('nyckel-avgift-2', false);
      const payload = { customerId: order.customerId, applicationId: order.applicationId, month: '2025-03' };
      const before = await tableCounts(svc.db);
      const early = await inject('POST', '/fees', keyed('fee-early'), payload);
      expect([early.statusCode, early.json().error]).toEqual([409, 'BILLING.MONTH_NOT_APPROVED']);
      expect(await tableCounts(svc.db)).toEqual(before);
      await approve(order, '2025-03');
      const charged = await inject('POST', '/fees', keyed('fee-early'), payload);
      expect([charged.statusCode, charged.json().feeOre, charged.headers['idempotent-replayed']]).toEqual([201, 62_400, undefined]);
    });
  });

  describe('POST /provider-payments', () => {
    it('answers the retry with the first 201 and payment (unkeyed, a repeat is 200), and refuses the key for another month with 422', async () => {
      const { order } = await march('nyckel-betalning');
      const payload = { orderId: order.orderId, month: '2025-03' };
      const first = await sentTwice('/provider-payments', `journey-${order.applicationId}:pay:${order.orderId}:2025-03`, payload, 201);
      expect(first.json()).toMatchObject({ orderId: order.orderId, month: '2025-03', basis: 'approval', amountOre: 62_000 });
      const unkeyed = await inject('POST', '/provider-payments', system, payload);
      expect([unkeyed.statusCode, unkeyed.body]).toEqual([200, first.body]);
      await reused('/provider-payments', `journey-${order.applicationId}:pay:${order.orderId}:2025-03`, { ...payload, month: '2025-04' });
    });
  });

  describe('POST /billing-runs (the monthly run, several transactions)', () => {
    it('answers the retry with the first 201 and run (unkeyed, a repeat is 200), and refuses the key for another month with 422', async () => {
      const first = await sentTwice('/billing-runs', 'billing-run-2024-11', { month: '2024-11' }, 201);
      expect(first.json()).toMatchObject({ month: '2024-11', status: 'completed' });
      const unkeyed = await inject('POST', '/billing-runs', system, { month: '2024-11' });
      expect([unkeyed.statusCode, unkeyed.json().runId]).toEqual([200, first.json().runId]);
      await reused('/billing-runs', 'billing-run-2024-11', { month: '2024-10' });
    });
  });

  it('declares the header on every command of the service (OpenAPI)', () => {
    const doc = (svc.app as unknown as { swagger(): { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> } }).swagger();
    const commands = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => ['post', 'put', 'patch'].includes(m)).map(([m, op]) => [`${m} ${path}`, op] as const));
    expect(commands).toHaveLength(27);
    for (const [name, op] of commands) expect(op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), name).toBe(true);
  });
});
