import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import { seedOrder, startBilling, type TestBilling } from '../../finance/test-support/billing-service.js';

describe.each(testEngines())('visit import on %s', (engine) => {
  let t: TestBilling;
  let provider: Record<string, string>;

  beforeAll(async () => {
    t = await startBilling(await testDatabaseUrl(engine, inject('postgresUrl'), 'billing_import'));
    provider = await t.as({ role: 'provider', providerId: 'csv-care' });
  });
  afterAll(async () => t?.close());

  const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
  const HEADER = 'external_id;kind;start;end';

  function importCsv(orderId: string, body: string, headers: Record<string, string> = provider) {
    return t.app.inject({ method: 'POST', url: `/orders/${orderId}/visits/import`, headers: { ...headers, 'content-type': 'text/csv' }, payload: body });
  }

  async function visitsOf(orderId: string) {
    const rows = await t.db.selectFrom('visits').select(['external_id', 'kind', 'status']).where('order_id', '=', orderId).orderBy('start_at').execute();
    return rows.map((r) => r.external_id);
  }

  describe('POST /orders/:orderId/visits/import', () => {
    it('imports the good rows and reports each bad row by line and reason', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'csv-care', validFrom: '2025-03-01', validTo: '2025-03-31' });
      const file = csv(
        HEADER,
        'v1;care;2025-03-03T08:00:00+01:00;2025-03-03T08:45:00+01:00',
        'v2;cleaning;2025-03-03T10:00:00+01:00;2025-03-03T11:00:00+01:00',
        'v3;service;2025-03-04T09:00:00Z;2025-03-04T10:00:00Z',
        'v4;care;yesterday;2025-03-04T10:00:00Z',
        'v5;care;2025-03-05T10:00:00Z',
        'v6;care;2025-03-03T08:30:00+01:00;2025-03-03T09:00:00+01:00',
        'v7;care;2025-04-02T08:00:00Z;2025-04-02T09:00:00Z',
        'v8;care;2025-03-06T10:00:00Z;2025-03-06T09:00:00Z',
        '',
        'v9;"care";2025-03-07T08:00:00Z;2025-03-07T09:00:00Z',
        'v1;care;2025-03-03T08:00:00+01:00;2025-03-03T09:00:00+01:00',
      );
      const res = await importCsv(orderId, file);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.imported).toBe(3);
      expect(body.unchanged).toBe(0);
      expect(body.rejected.map((r: { line: number; externalId: string; code: string }) => [r.line, r.externalId, r.code])).toEqual([
        [3, 'v2', 'BILLING.CSV_ROW'],
        [5, 'v4', 'BILLING.CSV_ROW'],
        [6, 'v5', 'BILLING.CSV_ROW'],
        [7, 'v6', 'BILLING.VISIT_OVERLAPS'],
        [8, 'v7', 'BILLING.VISIT_OUTSIDE_ORDER'],
        [9, 'v8', 'BILLING.VISIT_DURATION'],
        [12, 'v1', 'BILLING.VISIT_CHANGED'],
      ]);
      const reasons = Object.fromEntries(body.rejected.map((r: { externalId: string; reason: string }) => [r.externalId, r.reason]));
      expect(reasons['v2']).toMatch(/^kind: /);
      expect(reasons['v4']).toMatch(/^start: /);
      expect(reasons['v5']).toBe('expected 4 columns, found 3');
      expect(reasons['v6']).toBe('The visit overlaps visit v1 of the same customer.');
      expect(reasons['v8']).toBe('A visit ends after it starts.');
      expect(await visitsOf(orderId)).toEqual(['v1', 'v3', 'v9']);

      const audited = await t.db.selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', orderId).execute();
      expect(audited).toMatchObject([{ action: 'visits.imported', after: { imported: ['v1', 'v3', 'v9'], unchanged: 0 } }]);
    });

    it('recognises a file sent twice: nothing is doubled', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'csv-care', validFrom: '2025-03-01', validTo: '2025-03-31' });
      const file = csv(HEADER, 'w1;care;2025-03-10T08:00:00Z;2025-03-10T09:00:00Z', 'w2;service;2025-03-11T08:00:00Z;2025-03-11T09:00:00Z');
      expect((await importCsv(orderId, file)).json()).toEqual({ imported: 2, unchanged: 0, rejected: [] });
      expect((await importCsv(orderId, file)).json()).toEqual({ imported: 0, unchanged: 2, rejected: [] });
      expect(await visitsOf(orderId)).toEqual(['w1', 'w2']);
    });

    it('refuses a visit in a month the customer has approved, keeping the other rows', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'csv-care', validFrom: '2025-02-01', validTo: '2025-03-31' });
      await t.db.insertInto('month_approvals').values({ order_id: orderId, month: '2025-02', approved_by: 'citizen', approved_visits: 0, disputed_visits: 0 }).execute();
      const res = await importCsv(orderId, csv(HEADER, 'a1;care;2025-02-10T08:00:00Z;2025-02-10T09:00:00Z', 'a2;care;2025-03-10T08:00:00Z;2025-03-10T09:00:00Z'));
      expect(res.json()).toMatchObject({ imported: 1, rejected: [{ line: 2, externalId: 'a1', code: 'BILLING.MONTH_APPROVED' }] });
      expect(await visitsOf(orderId)).toEqual(['a2']);
    });

    it('refuses a file whose header is not external_id;kind;start;end, or that is empty (400)', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'csv-care' });
      const wrong = await importCsv(orderId, csv('id;kind;from;to', 'x;care;2025-03-10T08:00:00Z;2025-03-10T09:00:00Z'));
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toMatchObject({ error: 'BILLING.CSV_HEADER', issues: [{ field: 'body' }] });
      const empty = await importCsv(orderId, '');
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error).toBe('BILLING.CSV_EMPTY');
      expect(await visitsOf(orderId)).toEqual([]);
    });

    it("answers 404 for an unknown order and for another provider's order (outside its scope: not found)", async () => {
      const unknown = await importCsv('00000000-0000-4000-8000-000000000000', csv(HEADER));
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error).toBe('BILLING.ORDER_NOT_FOUND');
      const theirs = await seedOrder(t.db, { providerId: 'someone-else' });
      const hidden = await importCsv(theirs, csv(HEADER, 'x;care;2025-03-10T08:00:00Z;2025-03-10T09:00:00Z'));
      expect(hidden.statusCode).toBe(404);
      expect(hidden.json().error).toBe('BILLING.ORDER_NOT_FOUND');
      expect(await visitsOf(theirs)).toEqual([]);
    });

    it('needs a token (401) and the provider role (403)', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'csv-care' });
      const anonymous = await t.app.inject({ method: 'POST', url: `/orders/${orderId}/visits/import`, headers: { 'content-type': 'text/csv' }, payload: csv(HEADER) });
      expect(anonymous.statusCode).toBe(401);
      expect((await importCsv(orderId, csv(HEADER), await t.as({ role: 'finance' }))).statusCode).toBe(403);
    });

    it('answers 400 for a malformed order id', async () => {
      expect((await importCsv('not-a-uuid', csv(HEADER))).statusCode).toBe(400);
    });

    it('accepts text/csv only on this route', async () => {
      const orderId = await seedOrder(t.db, { providerId: 'csv-care' });
      const elsewhere = await t.app.inject({ method: 'POST', url: `/orders/${orderId}/visits`, headers: { ...provider, 'content-type': 'text/csv' }, payload: csv(HEADER) });
      expect(elsewhere.statusCode).toBe(415);
    });
  });
});
