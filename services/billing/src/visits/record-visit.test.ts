import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import { seedOrder, startBilling, type TestBilling } from '../finance/test-support/billing-service.js';
import type { BillingDb } from '../store/db.js';
import { recordVisit } from './record-visit.js';

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

  describe('recordVisit', () => {
    /** The statements recordVisit sends, counted as their results come back (one per round trip). */
    const counted = () => {
      const counter = { statements: 0 };
      const plugin: KyselyPlugin = { transformQuery: (args) => args.node, transformResult: async (args) => (counter.statements++, args.result) };
      return { db: t.db.withPlugin(plugin) as BillingDb, counter };
    };
    const orderRow = (orderId: string) => t.db.selectFrom('orders').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow();

    it('records a visit that breaks no rule in one statement, and finds a re-sent one with one more', async () => {
      const order = await orderRow(await seedOrder(t.db, { providerId: 'json-care' }));
      const v = { externalId: 'r1', kind: 'care' as const, start: '2025-07-01T08:00:00Z', end: '2025-07-01T08:45:00Z' };
      const first = counted();
      const recorded = await recordVisit(first.db, order, v, 'visit');
      expect(recorded).toMatchObject({ created: true, row: { external_id: 'r1', local_month: '2025-07', status: 'reported' } });
      expect(first.counter.statements).toBe(1);
      const again = counted();
      const resent = await recordVisit(again.db, order, v, 'visit');
      expect(resent).toMatchObject({ created: false, row: { visit_id: recorded.row.visit_id } });
      expect(again.counter.statements).toBe(2);
    });

    it('returns a re-sent visit as it is even when the order has since ended before it, as before', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'json-care' });
      const v = { externalId: 'r2', kind: 'service' as const, start: '2025-08-20T08:00:00Z', end: '2025-08-20T09:00:00Z' };
      const recorded = await recordVisit(t.db, await orderRow(orderId), v, 'visit');
      await t.db.updateTable('orders').set({ end_date: '2025-08-10' }).where('order_id', '=', orderId).execute();
      expect(await recordVisit(t.db, await orderRow(orderId), v, 'visit')).toMatchObject({ created: false, row: { visit_id: recorded.row.visit_id } });
      await expect(recordVisit(t.db, await orderRow(orderId), { ...v, externalId: 'r3' }, 'visit')).rejects.toMatchObject({ code: 'BILLING.VISIT_OUTSIDE_ORDER' });
    });
  });
});
