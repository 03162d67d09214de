import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import { seedOrder, startBilling, type TestBilling } from '../finance/test-support/billing-service.js';

// recordVisit was lifted out of POST /orders/:orderId/visits: these pin that route's answers, which must not change.
describe.each(testEngines())('visit reports on %s', (engine) => {
  let t: TestBilling;
  let provider: Record<string, string>;

  beforeAll(async () => {
    t = await startBilling(await testDatabaseUrl(engine, inject('postgresUrl'), 'billing_visits'));
    provider = await t.as({ role: 'provider', providerId: 'json-care' });
  });
  afterAll(async () => t?.close());

  const visit = (externalId: string, start: string, end: string, kind = 'care') => ({ externalId, kind, start, end });
  const report = (orderId: string, visits: object[]) => t.app.inject({ method: 'POST', url: `/orders/${orderId}/visits`, headers: provider, payload: { visits } });

  describe('POST /orders/:orderId/visits through recordVisit', () => {
    it('records visits and returns a re-sent visit as it is', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'json-care' });
      const first = await report(orderId, [visit('j1', '2025-03-03T08:00:00Z', '2025-03-03T09:00:00Z')]);
      expect(first.statusCode).toBe(201);
      const again = await report(orderId, [visit('j1', '2025-03-03T08:00:00Z', '2025-03-03T09:00:00Z'), visit('j2', '2025-03-04T08:00:00Z', '2025-03-04T09:00:00Z', 'service')]);
      expect(again.statusCode).toBe(201);
      const saved = again.json().visits;
      expect(saved.map((v: { externalId: string; month: string; status: string }) => [v.externalId, v.month, v.status])).toEqual([
        ['j1', '2025-03', 'reported'],
        ['j2', '2025-03', 'reported'],
      ]);
      expect(saved[0].visitId).toBe(first.json().visits[0].visitId);
    });

    it.each([
      ['a changed re-sent visit', [visit('k1', '2025-05-03T08:00:00Z', '2025-05-03T09:00:00Z'), visit('k1', '2025-05-03T08:00:00Z', '2025-05-03T10:00:00Z')], 409, 'BILLING.VISIT_CHANGED', 'body.visits.1'],
      ['an overlapping visit', [visit('k2', '2025-05-04T08:00:00Z', '2025-05-04T09:00:00Z'), visit('k3', '2025-05-04T08:30:00Z', '2025-05-04T09:30:00Z')], 400, 'BILLING.VISIT_OVERLAPS', 'body.visits.1.start'],
      ['a visit outside the order', [visit('k4', '2026-01-04T08:00:00Z', '2026-01-04T09:00:00Z')], 400, 'BILLING.VISIT_OUTSIDE_ORDER', 'body.visits.0.start'],
      ['a visit that ends before it starts', [visit('k5', '2025-05-04T08:00:00Z', '2025-05-04T07:00:00Z')], 400, 'VALIDATION', 'body.visits.0.end'],
    ])('refuses %s with the same code and field as before, recording none of the request', async (_what, visits, status, code, field) => {
      const orderId = await seedOrder(t.db, { providerId: 'json-care' });
      const res = await report(orderId, visits);
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ error: code, issues: [{ field }] });
      expect(await t.db.selectFrom('visits').select('visit_id').where('order_id', '=', orderId).execute()).toEqual([]);
    });

    it('refuses a visit in an approved month (409)', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'json-care' });
      await t.db.insertInto('month_approvals').values({ order_id: orderId, month: '2025-06', approved_by: 'citizen', approved_visits: 0, disputed_visits: 0 }).execute();
      const res = await report(orderId, [visit('m1', '2025-06-03T08:00:00Z', '2025-06-03T09:00:00Z')]);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: 'BILLING.MONTH_APPROVED', issues: [{ field: 'body.visits.0.start' }] });
    });
  });
});
