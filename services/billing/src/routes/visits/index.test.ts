import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { seedOrder, startBilling, type SeededOrder, type TestBilling } from '../../test-support/billing-routes.js';
import { visitRoutes } from './index.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

type Visit = { visitId: string; orderId: string; externalId: string; kind: 'care' | 'service'; start: string; end: string; month: string; status: string };

describe.each(testEngines())('visit routes on %s', (engine) => {
  let svc: TestBilling;
  let provider: Record<string, string>;

  beforeAll(async () => {
    svc = await startBilling(engine, 'billing_visits', visitRoutes);
    provider = await svc.as({ role: 'provider', providerId: 'omsorg-privat' });
  });
  afterAll(() => svc?.close());

  let visitNo = 0;
  /** A visit report with a fresh external id; times are local Stockholm times in March 2025 (UTC+1). */
  const visit = (day: string, from: string, to: string, kind: 'care' | 'service' = 'care') => ({
    externalId: `v-${++visitNo}`,
    kind,
    start: `2025-03-${day}T${from}:00+01:00`,
    end: `2025-03-${day}T${to}:00+01:00`,
  });
  const report = (order: SeededOrder, visits: unknown[], headers = provider) =>
    svc.app.inject({ method: 'POST', url: `/orders/${order.orderId}/visits`, headers, payload: { visits } });
  const list = async (order: SeededOrder, month: string, headers = provider) => {
    const res = await svc.app.inject({ method: 'GET', url: `/orders/${order.orderId}/visits?month=${month}`, headers });
    expect(res.statusCode).toBe(200);
    return res.json<Visit[]>();
  };
  const approve = (order: SeededOrder, month: string, payload: Record<string, unknown>, headers?: Record<string, string>) =>
    svc.app.inject({ method: 'POST', url: `/orders/${order.orderId}/months/${month}/approval`, headers: headers ?? {}, payload });
  const citizenOf = (order: SeededOrder) => svc.as({ role: 'citizen', customerId: order.customerId });
  /** The journey's worker carrying a person's approval (ADR 0029): `system` on their behalf; the customer of `order` by default. */
  const journeyFor = (order: { customerId: string } | null, person?: { sub: string; role: 'case-handler' }) =>
    svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: person ?? { sub: `citizen-${order!.customerId}`, role: 'citizen', customerId: order!.customerId } });
  const newOrder = (o: Partial<Parameters<typeof seedOrder>[1]> = {}) => seedOrder(svc.db, { providerId: 'omsorg-privat', ...o });
  const fieldsOf = (res: { json: () => { issues?: Array<{ field: string }> } }) => (res.json().issues ?? []).map((i) => i.field);

  describe('POST /orders/:orderId/visits', () => {
    it('records delivered visits, visit by visit, and audits the report', async () => {
      const order = await newOrder();
      const res = await report(order, [visit('04', '08:00', '09:30'), visit('05', '10:00', '11:00', 'service')]);
      expect(res.statusCode).toBe(201);
      expect(res.json<{ visits: Visit[] }>().visits).toEqual([
        { visitId: expect.any(String), orderId: order.orderId, externalId: `v-${visitNo - 1}`, kind: 'care', start: '2025-03-04T07:00:00.000Z', end: '2025-03-04T08:30:00.000Z', month: '2025-03', status: 'reported' },
        { visitId: expect.any(String), orderId: order.orderId, externalId: `v-${visitNo}`, kind: 'service', start: '2025-03-05T09:00:00.000Z', end: '2025-03-05T10:00:00.000Z', month: '2025-03', status: 'reported' },
      ]);
      const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role']).where('entity_id', '=', order.orderId).execute();
      expect(audit).toEqual([{ action: 'visits.reported', actor_role: 'provider' }]);
    });

    it('takes a report above the app-wide 256 KiB JSON limit, as 1000 visits with 100-character ids pretty-printed are: the refusal of 1001 visits is 400, not 413', async () => {
      const order = await newOrder();
      const visits = Array.from({ length: 1001 }, (_, i) => ({ ...visit('04', '08:00', '09:30'), externalId: String(i).padStart(100, 'v') }));
      const payload = JSON.stringify({ visits }, null, 4);
      expect(payload.length).toBeGreaterThan(256 * 1024);
      const res = await svc.app.inject({ method: 'POST', url: `/orders/${order.orderId}/visits`, headers: { ...provider, 'content-type': 'application/json' }, payload });
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res)).toContain('body.visits');
    });

    it('files a visit under its month and date in Stockholm, not in UTC', async () => {
      const order = await newOrder();
      // 23:30 UTC on 28 February is 00:30 on 1 March in Stockholm: inside the order, in March.
      // 22:30 UTC on 31 March is 00:30 on 1 April (summer time, UTC+2): in April.
      const res = await report(order, [
        { externalId: `v-${++visitNo}`, kind: 'care', start: '2025-02-28T23:30:00Z', end: '2025-03-01T00:30:00Z' },
        { externalId: `v-${++visitNo}`, kind: 'care', start: '2025-03-31T22:30:00Z', end: '2025-03-31T23:30:00Z' },
      ]);
      expect(res.statusCode).toBe(201);
      expect(res.json<{ visits: Visit[] }>().visits.map((v) => v.month)).toEqual(['2025-03', '2025-04']);
    });

    it('returns a re-sent visit as it is, storing nothing twice', async () => {
      const order = await newOrder();
      const sent = visit('06', '08:00', '09:00');
      const first = await report(order, [sent]);
      const before = await tableCounts(svc.db);
      const again = await report(order, [sent]);
      expect(again.statusCode).toBe(201);
      expect(again.json().visits[0].visitId).toBe(first.json().visits[0].visitId);
      const { audit_log: _audits, ...rows } = await tableCounts(svc.db);
      const { audit_log: _before, ...rowsBefore } = before;
      expect(rows).toEqual(rowsBefore);
    });

    it('refuses a re-sent visit with other times with 409 BILLING.VISIT_CHANGED naming the visit, and stores nothing', async () => {
      const order = await newOrder();
      const sent = visit('07', '08:00', '09:00');
      await report(order, [sent]);
      const before = await tableCounts(svc.db);
      const res = await report(order, [visit('10', '08:00', '09:00'), { ...sent, end: '2025-03-07T09:30:00+01:00' }]);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: 'BILLING.VISIT_CHANGED', issues: [{ field: 'body.visits.1' }] });
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it.each([
      ['ends before it starts', [{ externalId: 'x', kind: 'care', start: '2025-03-04T09:00:00+01:00', end: '2025-03-04T08:00:00+01:00' }], 'body.visits.0.end'],
      ['ends when it starts', [{ externalId: 'x', kind: 'care', start: '2025-03-04T09:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }], 'body.visits.0.end'],
      ['lasts over 24 hours', [{ externalId: 'x', kind: 'care', start: '2025-03-04T08:00:00+01:00', end: '2025-03-05T08:01:00+01:00' }], 'body.visits.0.end'],
      ['is the second of a report and ends before it starts', [{ externalId: 'ok', kind: 'care', start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }, { externalId: 'x', kind: 'care', start: '2025-03-04T11:00:00+01:00', end: '2025-03-04T10:00:00+01:00' }], 'body.visits.1.end'],
      ['has a start without a UTC offset', [{ externalId: 'x', kind: 'care', start: '2025-03-04T08:00:00', end: '2025-03-04T09:00:00+01:00' }], 'body.visits.0.start'],
      ['has an unknown kind', [{ externalId: 'x', kind: 'nursing', start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }], 'body.visits.0.kind'],
      ['has no external id', [{ externalId: '', kind: 'care', start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }], 'body.visits.0.externalId'],
      ['is no visit at all', [], 'body.visits'],
    ])('refuses a visit that %s with 400 naming the field, and stores nothing', async (_, visits, field) => {
      const order = await newOrder();
      const before = await tableCounts(svc.db);
      const res = await report(order, visits);
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res)).toContain(field);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a report without visits with 400 naming body.visits', async () => {
      const order = await newOrder();
      const res = await svc.app.inject({ method: 'POST', url: `/orders/${order.orderId}/visits`, headers: provider, payload: {} });
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res)).toContain('body.visits');
    });

    it('refuses a visit overlapping one already reported with 400 BILLING.VISIT_OVERLAPS naming it, keeping none of the report', async () => {
      const order = await newOrder();
      await report(order, [visit('11', '08:00', '09:00')]);
      const before = await tableCounts(svc.db);
      const res = await report(order, [visit('11', '10:00', '11:00'), visit('11', '08:30', '09:30')]);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BILLING.VISIT_OVERLAPS', issues: [{ field: 'body.visits.1.start' }] });
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it("refuses overlaps inside one report and with another provider's visit to the same customer, but not a visit that starts as another ends", async () => {
      const order = await newOrder();
      const inOneReport = await report(order, [visit('12', '08:00', '09:00'), visit('12', '08:59', '10:00')]);
      expect(inOneReport.json()).toMatchObject({ error: 'BILLING.VISIT_OVERLAPS', issues: [{ field: 'body.visits.1.start' }] });

      // After a provider switch the customer has two orders: one person cannot get two visits at once.
      const switched = await newOrder({ customerId: order.customerId, providerId: 'omsorg-ny' });
      await report(switched, [visit('13', '08:00', '09:00')], await svc.as({ role: 'provider', providerId: 'omsorg-ny' }));
      const acrossOrders = await report(order, [visit('13', '08:30', '08:45')]);
      expect(acrossOrders.statusCode).toBe(400);
      expect(acrossOrders.json().error).toBe('BILLING.VISIT_OVERLAPS');

      const backToBack = await report(order, [visit('13', '09:00', '10:00')]);
      expect(backToBack.statusCode).toBe(201);
    });

    it("refuses a visit outside the order's validity with 400 BILLING.VISIT_OUTSIDE_ORDER naming its start, and stores nothing", async () => {
      const order = await newOrder({ validFrom: '2025-03-01', validTo: '2025-03-31' });
      const before = await tableCounts(svc.db);
      // 23:30 on 31 March in UTC is already 1 April in Stockholm.
      const res = await report(order, [visit('20', '08:00', '09:00'), { externalId: `v-${++visitNo}`, kind: 'care', start: '2025-03-31T22:30:00Z', end: '2025-03-31T23:00:00Z' }]);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BILLING.VISIT_OUTSIDE_ORDER', issues: [{ field: 'body.visits.1.start' }] });
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it("answers another provider's report as for an unknown order (404: outside its scope), refuses a citizen's (403) and an anonymous one (401); storing nothing", async () => {
      const order = await newOrder();
      const before = await tableCounts(svc.db);
      expect((await report(order, [visit('14', '08:00', '09:00')], await svc.as({ role: 'provider', providerId: 'omsorg-ny' }))).statusCode).toBe(404);
      expect((await report(order, [visit('14', '08:00', '09:00')], await citizenOf(order))).statusCode).toBe(403);
      expect((await report(order, [visit('14', '08:00', '09:00')], {})).statusCode).toBe(401);
      const missing = await report({ ...order, orderId: UNKNOWN }, [visit('14', '08:00', '09:00')]);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('BILLING.ORDER_NOT_FOUND');
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('GET /orders/:orderId/visits', () => {
    it('lists the visits of one month in time order, to the provider, the customer and the staff', async () => {
      const order = await newOrder();
      const later = visit('18', '10:00', '11:00');
      const earlier = visit('17', '10:00', '11:00');
      await report(order, [later, earlier, { externalId: `v-${++visitNo}`, kind: 'care', start: '2025-04-02T10:00:00+02:00', end: '2025-04-02T11:00:00+02:00' }]);
      expect((await list(order, '2025-03')).map((v) => v.externalId)).toEqual([earlier.externalId, later.externalId]);
      expect(await list(order, '2025-03', await citizenOf(order))).toHaveLength(2);
      expect(await list(order, '2025-04', await svc.as({ role: 'finance' }))).toHaveLength(1);
      expect(await list(order, '2025-05', await svc.as({ role: 'case-handler' }))).toEqual([]);
    });

    it("answers another customer's or provider's view as for an unknown order (404), refuses the system role (403); 400 naming querystring.month for a bad month", async () => {
      const order = await newOrder();
      const url = `/orders/${order.orderId}/visits?month=2025-03`;
      expect((await svc.app.inject({ method: 'GET', url, headers: await svc.as({ role: 'citizen', customerId: UNKNOWN }) })).statusCode).toBe(404);
      expect((await svc.app.inject({ method: 'GET', url, headers: await svc.as({ role: 'provider', providerId: 'omsorg-ny' }) })).statusCode).toBe(404);
      expect((await svc.app.inject({ method: 'GET', url, headers: await svc.as({ role: 'system' }) })).statusCode).toBe(403);
      for (const query of ['', '?month=2025-3', '?month=2025-13']) {
        const res = await svc.app.inject({ method: 'GET', url: `/orders/${order.orderId}/visits${query}`, headers: provider });
        expect(res.statusCode).toBe(400);
        expect(fieldsOf(res)).toContain('querystring.month');
      }
      expect((await svc.app.inject({ method: 'GET', url: `/orders/${UNKNOWN}/visits?month=2025-03`, headers: provider })).statusCode).toBe(404);
    });
  });

  describe('POST /orders/:orderId/months/:month/approval', () => {
    it("approves the customer's month except the disputed visits, with an event and an audit", async () => {
      const order = await newOrder();
      const saved = (await report(order, [visit('03', '08:00', '09:00'), visit('04', '08:00', '09:00'), visit('05', '08:00', '09:00')])).json<{ visits: Visit[] }>().visits;
      const disputed = saved[1]!.visitId;
      const outbox = (await svc.outbox()).length;
      const res = await approve(order, '2025-03', { disputedVisitIds: [disputed] }, await journeyFor(order));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ orderId: order.orderId, month: '2025-03', approvedVisits: 2, disputedVisits: 1 });
      expect((await list(order, '2025-03')).map((v) => v.status)).toEqual(['approved', 'disputed', 'approved']);
      expect((await svc.outbox()).slice(outbox)).toEqual([
        {
          subject: 'kundval.billing.month.approved.v1',
          payload: { orderId: order.orderId, applicationId: order.applicationId, customerId: order.customerId, providerId: 'omsorg-privat', month: '2025-03', approvedVisits: 2, disputedVisits: 1, nothingDelivered: false },
        },
      ]);
      const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role', 'after']).where('entity_id', '=', order.orderId).where('action', '=', 'month.approved').execute();
      expect(audit).toEqual([{ action: 'month.approved', actor_role: 'citizen', after: { month: '2025-03', approvedVisits: 2, disputed: [disputed] } }]);
      expect(svc.commits()).toBeGreaterThan(0);
    });

    it('refuses approving a month twice with 409 BILLING.MONTH_APPROVED, and a visit reported into it with 409 BILLING.MONTH_APPROVED; storing nothing', async () => {
      const order = await newOrder();
      await report(order, [visit('06', '08:00', '09:00')]);
      const caseHandler = await journeyFor(null, { sub: 'case-handler-user', role: 'case-handler' });
      expect((await approve(order, '2025-03', {}, caseHandler)).statusCode).toBe(201);
      const before = await tableCounts(svc.db);
      const twice = await approve(order, '2025-03', {}, caseHandler);
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error).toBe('BILLING.MONTH_APPROVED');
      const late = await report(order, [visit('07', '08:00', '09:00')]);
      expect(late.statusCode).toBe(409);
      expect(late.json()).toMatchObject({ error: 'BILLING.MONTH_APPROVED', issues: [{ field: 'body.visits.0.start' }] });
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses approving a month without visits with 409 BILLING.NO_VISITS, and stores nothing', async () => {
      const order = await newOrder();
      const before = await tableCounts(svc.db);
      const res = await approve(order, '2025-04', {}, await journeyFor(order));
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('BILLING.NO_VISITS');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('keeps no refusal of an empty month with its Idempotency-Key: once the provider reports, the journey\'s same command approves it', async () => {
      const order = await newOrder();
      // The journey's key for the approval is the order and month's, the same every time the customer asks (ADR 0016).
      const journey = { ...(await journeyFor(order)), 'idempotency-key': `approval-${order.orderId}` };
      const refused = await approve(order, '2025-03', {}, journey);
      expect([refused.statusCode, refused.json().error]).toEqual([409, 'BILLING.NO_VISITS']);
      expect((await report(order, [visit('10', '08:00', '09:00')])).statusCode).toBe(201);
      const approved = await approve(order, '2025-03', {}, journey);
      expect([approved.statusCode, approved.headers['idempotent-replayed'], approved.json()]).toEqual([201, undefined, { orderId: order.orderId, month: '2025-03', approvedVisits: 1, disputedVisits: 0 }]);
    });

    it('refuses disputing a visit that is not of this order and month with 400 BILLING.UNKNOWN_VISIT naming body.disputedVisitIds, and stores nothing', async () => {
      const order = await newOrder();
      await report(order, [visit('08', '08:00', '09:00')]);
      const before = await tableCounts(svc.db);
      const res = await approve(order, '2025-03', { disputedVisitIds: [UNKNOWN] }, await journeyFor(order));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BILLING.UNKNOWN_VISIT', issues: [{ field: 'body.disputedVisitIds' }] });
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it.each([
      ['2025-13', {}, 'params.month'],
      ['202503', {}, 'params.month'],
      ['2025-03', { disputedVisitIds: ['v-1'] }, 'body.disputedVisitIds.0'],
      ['2025-03', { disputedVisitIds: 'all' }, 'body.disputedVisitIds'],
    ])('refuses an approval of %s with %j with 400 naming %s, and stores nothing', async (month, payload, field) => {
      const order = await newOrder();
      await report(order, [visit('09', '08:00', '09:00')]);
      const before = await tableCounts(svc.db);
      const res = await approve(order, month, payload, await journeyFor(order));
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res)).toContain(field);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it("answers another customer's approval as for an unknown order (404), refuses the provider's, the customer's and the case handler's own calls (403) and one without a token (401); storing nothing", async () => {
      const order = await newOrder();
      await report(order, [visit('10', '08:00', '09:00')]);
      const before = await tableCounts(svc.db);
      expect((await approve(order, '2025-03', {}, await journeyFor({ customerId: UNKNOWN }))).statusCode).toBe(404);
      expect((await approve(order, '2025-03', {}, provider)).statusCode).toBe(403);
      // People approve through the journey (ADR 0029): the customer and the case handler calling billing directly are refused.
      expect((await approve(order, '2025-03', {}, await citizenOf(order))).statusCode).toBe(403);
      expect((await approve(order, '2025-03', {}, await svc.as({ role: 'case-handler' }))).statusCode).toBe(403);
      expect((await approve(order, '2025-03', {})).statusCode).toBe(401);
      expect((await approve({ ...order, orderId: UNKNOWN }, '2025-03', {}, await journeyFor(null, { sub: 'case-handler-user', role: 'case-handler' }))).statusCode).toBe(404);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });
});
