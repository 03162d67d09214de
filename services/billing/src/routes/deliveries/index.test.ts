import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { ensureDemoUnitRateTables } from '../../areas.js';
import { endOrder, fieldsOf, orderRequests, placeOrder, startFullBilling, type FullBilling, type PlacedOrder } from '../../test-support/corrections.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const DAY_RATES = (municipal: number, privately: number) =>
  ['1', '2', '3'].flatMap((level) => [
    { level, providerKind: 'municipal', orePerUnit: municipal },
    { level, providerKind: 'private', orePerUnit: privately },
  ]);

describe.each(testEngines())('unit-area deliveries and rates on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;
  let finance: Record<string, string>;
  let caseHandler: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_deliveries');
    [system, finance, caseHandler] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'finance' }), svc.as({ role: 'case-handler' })]);
  });
  afterAll(() => svc?.close());

  const { inject, providerOf } = orderRequests(() => svc);
  const occupancy = async (order: PlacedOrder, body: unknown, headers?: Record<string, string>) => inject('POST', `/orders/${order.orderId}/occupancy`, headers ?? (await providerOf(order)), body);
  const attend = async (order: PlacedOrder, days: unknown, headers?: Record<string, string>) => inject('POST', `/orders/${order.orderId}/attendance`, headers ?? (await providerOf(order)), { days });
  const pay = (order: PlacedOrder, month: string, basis: string) => inject('POST', '/provider-payments', system, { orderId: order.orderId, month, basis });
  const nursingHome = (o: Partial<Parameters<typeof placeOrder>[1]> = {}) =>
    placeOrder(svc.db, { providerId: 'solgarden', providerKind: 'municipal', areaId: 'nursing-home', level: 4, validFrom: '2025-03-01', validTo: '2025-12-31', ...o });
  const dayActivity = (o: Partial<Parameters<typeof placeOrder>[1]> = {}) =>
    placeOrder(svc.db, { providerId: 'dagljus', providerKind: 'private', areaId: 'day-activities', level: 1, validFrom: '2025-04-01', validTo: '2025-12-31', ...o });

  describe('POST /orders/:orderId/occupancy', () => {
    it('pays a nursing-home place per occupied day by level, hospital stay included, from move-in to move-out', async () => {
      const order = await nursingHome();
      const outbox = (await svc.outbox()).length;
      const moved = await occupancy(order, { kind: 'moved-in', from: '2025-03-10' });
      expect(moved.statusCode, moved.body).toBe(201);
      expect(moved.json()).toMatchObject({ orderId: order.orderId, kind: 'moved-in', from: '2025-03-10', to: null, placement: { moveIn: '2025-03-10', moveOut: null, hospitalStays: [] } });
      const away = await occupancy(order, { kind: 'hospital-stay', from: '2025-03-15' }, caseHandler);
      expect(away.statusCode).toBe(201);
      const back = await occupancy(order, { kind: 'hospital-stay', from: '2025-03-15', to: '2025-03-20' });
      expect(back.statusCode).toBe(201);
      expect(back.json().placement.hospitalStays).toEqual([{ from: '2025-03-15', to: '2025-03-20' }]);
      expect((await svc.outbox()).slice(outbox).map((e) => [e.subject, e.payload['kind'], e.payload['from'], e.payload['to']])).toEqual([
        ['kundval.billing.delivery-period.recorded.v1', 'moved-in', '2025-03-10', null],
        ['kundval.billing.delivery-period.recorded.v1', 'hospital-stay', '2025-03-15', null],
        ['kundval.billing.delivery-period.recorded.v1', 'hospital-stay', '2025-03-15', '2025-03-20'],
      ]);

      // 10–31 March: 22 days, the 5 in hospital among them, × level 4's 2 100 kr (municipal).
      const march = await pay(order, '2025-03', 'occupancy');
      expect(march.statusCode, march.body).toBe(201);
      expect(march.json()).toMatchObject({ amountOre: 4_620_000, lines: [], unitLines: [{ areaId: 'nursing-home', level: '4', orePerUnit: 210_000, units: 22, amountOre: 4_620_000 }] });

      expect((await occupancy(order, { kind: 'moved-out', from: '2025-04-10' })).statusCode).toBe(201);
      // 1–9 April: the move-out day is not occupied.
      expect((await pay(order, '2025-04', 'occupancy')).json()).toMatchObject({ amountOre: 9 * 210_000 });
      expect((await pay(order, '2025-05', 'occupancy')).json()).toMatchObject({ amountOre: 0, unitLines: [] });
    });

    it('stops paying at the end of an order that ended without a move-out, at the private rate of its level', async () => {
      const order = await nursingHome({ providerId: 'privata-hemmet', providerKind: 'private', level: 8 });
      await occupancy(order, { kind: 'moved-in', from: '2025-06-01' });
      await endOrder(svc.db, order, '2025-06-10', 'decision-ended');
      // 1–10 June × level 8's 3 244 kr (private).
      expect((await pay(order, '2025-06', 'occupancy')).json()).toMatchObject({ amountOre: 10 * 324_400 });
    });

    it('records a report sent again once (200, no second event)', async () => {
      const order = await nursingHome();
      await occupancy(order, { kind: 'moved-in', from: '2025-03-02' });
      const before = await tableCounts(svc.db);
      const again = await occupancy(order, { kind: 'moved-in', from: '2025-03-02' });
      expect(again.statusCode).toBe(200);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it.each([
      [{ kind: 'moved-in', from: '2025-03-10', to: '2025-03-12' }, 'BILLING.OCCUPANCY_END', 'body.to'],
      [{ kind: 'hospital-stay', from: '2025-03-10', to: '2025-03-10' }, 'BILLING.OCCUPANCY_END', 'body.to'],
      [{ kind: 'moved-in', from: '2025-02-27' }, 'BILLING.OUTSIDE_ORDER', 'body.from'],
      [{ kind: 'moved-in', from: '10 March' }, 'VALIDATION', 'body.from'],
      [{ kind: 'moved-away', from: '2025-03-10' }, 'VALIDATION', 'body.kind'],
    ])('refuses %j with 400 naming the field, storing nothing', async (body, code, field) => {
      const order = await nursingHome();
      const before = await tableCounts(svc.db);
      const res = await occupancy(order, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe(code);
      expect(fieldsOf(res)).toContain(field);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('answers 401, 403, 404 and 409 (not moved in, moved in already, not a nursing home), storing nothing', async () => {
      const order = await nursingHome();
      const homeCare = await placeOrder(svc.db, { providerId: 'solgarden' });
      const before = await tableCounts(svc.db);
      expect((await occupancy(order, { kind: 'moved-in', from: '2025-03-10' }, {})).statusCode).toBe(401);
      // Another provider's order is outside its scope: not found, as an unknown id. The other roles may not record occupancy at all.
      expect((await occupancy(order, { kind: 'moved-in', from: '2025-03-10' }, await svc.as({ role: 'provider', providerId: 'someone-else' }))).statusCode).toBe(404);
      for (const who of [await svc.as({ role: 'citizen', customerId: order.customerId }), finance, system]) {
        expect((await occupancy(order, { kind: 'moved-in', from: '2025-03-10' }, who)).statusCode).toBe(403);
      }
      const missing = await occupancy({ ...order, orderId: UNKNOWN }, { kind: 'moved-in', from: '2025-03-10' }, caseHandler);
      expect(missing.statusCode).toBe(404);
      const early = await occupancy(order, { kind: 'hospital-stay', from: '2025-03-10' });
      expect(early.statusCode).toBe(409);
      expect(early.json().error).toBe('BILLING.NOT_MOVED_IN');
      const notPaid = await pay(order, '2025-03', 'occupancy');
      expect(notPaid.statusCode).toBe(409);
      expect(notPaid.json().error).toBe('BILLING.NOT_MOVED_IN');
      const wrongArea = await occupancy(homeCare, { kind: 'moved-in', from: '2025-03-10' });
      expect(wrongArea.statusCode).toBe(409);
      expect(wrongArea.json().error).toBe('BILLING.AREA_MISMATCH');
      expect(await tableCounts(svc.db)).toEqual(before);

      await occupancy(order, { kind: 'moved-in', from: '2025-03-10' });
      const moved = await tableCounts(svc.db);
      const twice = await occupancy(order, { kind: 'moved-in', from: '2025-03-11' });
      expect(twice.statusCode).toBe(409);
      expect(twice.json()).toMatchObject({ error: 'BILLING.ALREADY_MOVED_IN', issues: [{ field: 'body.from' }] });
      expect(await tableCounts(svc.db)).toEqual(moved);
    });
  });

  describe('POST /orders/:orderId/attendance', () => {
    it('records each attendance day once, announces each report, and the approved month pays the days by level', async () => {
      const order = await dayActivity();
      const outbox = (await svc.outbox()).length;
      const res = await attend(order, ['2025-04-08', '2025-04-01', '2025-04-03']);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ orderId: order.orderId, recorded: 3, unchanged: 0 });
      expect(res.json().days.map((d: { date: string; status: string }) => [d.date, d.status])).toEqual([
        ['2025-04-01', 'reported'],
        ['2025-04-03', 'reported'],
        ['2025-04-08', 'reported'],
      ]);
      const again = await attend(order, ['2025-04-03', '2025-04-10', '2025-04-10']);
      expect(again.json()).toMatchObject({ recorded: 1, unchanged: 1 });
      expect((await svc.outbox()).slice(outbox).map((e) => [e.payload['kind'], e.payload['from'], e.payload['to']])).toEqual([
        ['attendance', '2025-04-01', '2025-04-08'],
        ['attendance', '2025-04-10', '2025-04-10'],
      ]);
      const quiet = await tableCounts(svc.db);
      expect((await attend(order, ['2025-04-01'])).json()).toMatchObject({ recorded: 0, unchanged: 1 });
      expect(await tableCounts(svc.db)).toEqual(quiet);

      const approved = await inject('POST', `/orders/${order.orderId}/months/2025-04/approval`, await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${order.customerId}`, role: 'citizen', customerId: order.customerId } }), {});
      expect(approved.statusCode).toBe(201);
      expect(approved.json()).toMatchObject({ approvedVisits: 4, disputedVisits: 0, approvedAttendanceDays: 4 });
      // 4 days × level 1's 689 kr (private).
      expect((await pay(order, '2025-04', 'approval')).json()).toMatchObject({ amountOre: 4 * 68_900, unitLines: [{ areaId: 'day-activities', level: '1', units: 4 }] });
      expect((await pay(order, '2025-04', 'attendance')).json()).toMatchObject({ amountOre: 0, previouslyPaidOre: 4 * 68_900 });

      const late = await attend(order, ['2025-04-15']);
      expect(late.statusCode).toBe(409);
      expect(late.json()).toMatchObject({ error: 'BILLING.MONTH_APPROVED', issues: [{ field: 'body.days.0' }] });
    });

    it('refuses days outside the order (also after it ended), an empty or malformed list (400 naming the field), storing nothing', async () => {
      const order = await dayActivity();
      await endOrder(svc.db, order, '2025-04-20');
      const before = await tableCounts(svc.db);
      for (const [days, field] of [
        [['2025-04-02', '2025-03-31'], 'body.days.1'],
        [['2025-04-21'], 'body.days.0'],
        [[], 'body.days'],
        [['2025-04-31'], 'body.days.0'],
      ] as const) {
        const res = await attend(order, days);
        expect(res.statusCode, JSON.stringify(days)).toBe(400);
        expect(fieldsOf(res)).toContain(field);
      }
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('answers 401, 403, 404 and 409 (another order has the day, not a day activity), storing nothing', async () => {
      const order = await dayActivity();
      const other = await dayActivity({ customerId: order.customerId, providerId: 'annan-dag' });
      await attend(other, ['2025-05-05']);
      const homeCare = await placeOrder(svc.db, { providerId: 'dagljus' });
      const before = await tableCounts(svc.db);
      expect((await attend(order, ['2025-05-06'], {})).statusCode).toBe(401);
      expect((await attend(order, ['2025-05-06'], await svc.as({ role: 'provider', providerId: 'annan-dag' }))).statusCode).toBe(404);
      for (const who of [caseHandler, finance]) expect((await attend(order, ['2025-05-06'], who)).statusCode).toBe(403);
      expect((await attend({ ...order, orderId: UNKNOWN }, ['2025-05-06'])).statusCode).toBe(404);
      const taken = await attend(order, ['2025-05-05']);
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toMatchObject({ error: 'BILLING.ATTENDANCE_TAKEN', issues: [{ field: 'body.days.0' }] });
      const wrongArea = await attend(homeCare, ['2025-05-06']);
      expect(wrongArea.statusCode).toBe(409);
      expect(wrongArea.json().error).toBe('BILLING.AREA_MISMATCH');
      const visits = await inject('POST', `/orders/${order.orderId}/visits`, await providerOf(order), {
        visits: [{ externalId: 'day-as-visit', kind: 'care', start: '2025-05-06T08:00:00+02:00', end: '2025-05-06T09:00:00+02:00' }],
      });
      expect(visits.statusCode).toBe(409);
      expect(visits.json()).toMatchObject({ error: 'BILLING.AREA_MISMATCH', issues: [{ field: 'body.visits.0' }] });
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('PUT /unit-rate-tables/:unitRateTableId', () => {
    const table = { municipality: 'varmdo', areaId: 'day-activities', validFrom: '2025-01-01', validTo: null, rates: DAY_RATES(70_000, 74_200) };

    it("saves a per-unit table that pays the municipality's orders from then on, audited, and lists it", async () => {
      const saved = await inject('PUT', '/unit-rate-tables/varmdo-day-activities-2025', finance, table);
      expect(saved.statusCode, saved.body).toBe(200);
      expect(saved.json()).toEqual({ unitRateTableId: 'varmdo-day-activities-2025' });
      const listed = await inject('GET', '/unit-rate-tables?areaId=day-activities', await svc.as({ role: 'provider', providerId: 'x' }));
      expect(listed.json().map((t: { unitRateTableId: string }) => t.unitRateTableId)).toEqual(expect.arrayContaining(['varmdo-day-activities-2025', 'nacka-day-activities-2024']));
      const order = await dayActivity({ municipality: 'varmdo', providerId: 'varmdo-dag' });
      await attend(order, ['2025-06-02', '2025-06-03']);
      await inject('POST', `/orders/${order.orderId}/months/2025-06/approval`, await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${order.customerId}`, role: 'citizen', customerId: order.customerId } }), {});
      expect((await pay(order, '2025-06', 'attendance')).json()).toMatchObject({ amountOre: 2 * 74_200 });
      const audit = await svc.db.selectFrom('audit_log').select('action').where('entity_id', '=', 'varmdo-day-activities-2025').execute();
      expect(audit.map((a) => a.action)).toEqual(['unit-rate-table.saved']);
    });

    it.each([
      [{ ...table, areaId: 'home-care' }, 'BILLING.UNKNOWN_AREA', 'body.areaId'],
      [{ ...table, municipality: 'nykvarn', rates: [...DAY_RATES(1, 1), { level: '9', providerKind: 'private', orePerUnit: 1 }] }, 'DOMAIN.UNKNOWN_LEVEL', 'body.rates'],
      [{ ...table, municipality: 'nykvarn', rates: DAY_RATES(1, 1).slice(1) }, 'DOMAIN.RATE_MISSING', 'body.rates'],
      [{ ...table, validTo: '2024-12-31' }, 'VALIDATION', 'body.validTo'],
      [{ ...table, rates: [{ level: '1', providerKind: 'private', orePerUnit: -1 }] }, 'VALIDATION', 'body.rates.0.orePerUnit'],
    ])('refuses a table %# with 400 naming the field, storing nothing', async (body, code, field) => {
      const before = await tableCounts(svc.db);
      const res = await inject('PUT', '/unit-rate-tables/bad-table', finance, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe(code);
      expect(fieldsOf(res)).toContain(field);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a table overlapping another of the area in time (409), a bad id (400), without a token (401) or the role (403)', async () => {
      await inject('PUT', '/unit-rate-tables/tyreso-day-activities-2025', finance, { ...table, municipality: 'tyreso' });
      const before = await tableCounts(svc.db);
      const overlap = await inject('PUT', '/unit-rate-tables/tyreso-day-activities-2025b', finance, { ...table, municipality: 'tyreso', validFrom: '2025-06-01' });
      expect(overlap.statusCode).toBe(409);
      expect(overlap.json().error).toBe('DOMAIN.RATE_TABLE_OVERLAP');
      expect(fieldsOf(await inject('PUT', '/unit-rate-tables/Bad Id', finance, table))).toContain('params.unitRateTableId');
      expect((await inject('PUT', '/unit-rate-tables/x-1', {}, table)).statusCode).toBe(401);
      for (const who of [caseHandler, system, await svc.as({ role: 'operator' })]) expect((await inject('PUT', '/unit-rate-tables/x-1', who, table)).statusCode).toBe(403);
      expect(fieldsOf(await inject('GET', '/unit-rate-tables', finance))).toContain('querystring.areaId');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it("seeds the unit areas' demo tables from their definitions once, leaving configured areas alone", async () => {
      const demo = await svc.db.selectFrom('unit_rate_tables').select(['unit_rate_table_id', 'area_id']).where('municipality', '=', 'nacka').orderBy('area_id').execute();
      expect(demo.map((t) => t.area_id)).toEqual(expect.arrayContaining(['day-activities', 'nursing-home']));
      expect(await ensureDemoUnitRateTables(svc.db, 'nacka')).toBe(0);
      // Värmdö configured day activities above: only its other unit areas get demo tables.
      await ensureDemoUnitRateTables(svc.db, 'varmdo');
      const varmdo = await svc.db.selectFrom('unit_rate_tables').select(['unit_rate_table_id', 'area_id']).where('municipality', '=', 'varmdo').where('area_id', '=', 'day-activities').execute();
      expect(varmdo.map((t) => t.unit_rate_table_id)).toEqual(['varmdo-day-activities-2025']);
    });
  });
});
