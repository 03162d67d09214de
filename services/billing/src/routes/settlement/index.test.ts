import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidOcrReference } from '@kundval/domain';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { NACKA_RATES, routeGroups, seedApprovedMonth, seedOrder, seedRateTable, startBilling, type SeededOrder, type TestBilling } from '../../test-support/billing-routes.js';
import { visitRoutes } from '../visits/index.js';
import { settlementRoutes } from './index.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** Care at the private provider's rates in March 2025 (Stockholm, UTC+1), as the provider reports it. */
const MARCH_VISITS = [
  // Tuesday 08:00–09:30: 90 min weekday-day at 310 kr/h = 465.00 kr
  { externalId: 'tue-morning', kind: 'care', start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:30:00+01:00' },
  // Tuesday 19:00–19:30: 30 min weekday-evening at 342 kr/h = 171.00 kr
  { externalId: 'tue-evening', kind: 'care', start: '2025-03-04T19:00:00+01:00', end: '2025-03-04T19:30:00+01:00' },
  // Tuesday 22:00–22:30: 30 min in no band, unpriced
  { externalId: 'tue-night', kind: 'care', start: '2025-03-04T22:00:00+01:00', end: '2025-03-04T22:30:00+01:00' },
  // Wednesday 10:00–11:00: 60 min service at 263 kr/h = 263.00 kr
  { externalId: 'wed-service', kind: 'service', start: '2025-03-05T10:00:00+01:00', end: '2025-03-05T11:00:00+01:00' },
  // Saturday 10:00–11:00: 60 min weekend-holiday at 390 kr/h = 390.00 kr
  { externalId: 'sat-morning', kind: 'care', start: '2025-03-08T10:00:00+01:00', end: '2025-03-08T11:00:00+01:00' },
  // Thursday 08:00–09:00: disputed by the customer, neither paid nor charged
  { externalId: 'thu-disputed', kind: 'care', start: '2025-03-06T08:00:00+01:00', end: '2025-03-06T09:00:00+01:00' },
] as const;

describe.each(testEngines())('fee and payment routes on %s', (engine) => {
  let svc: TestBilling;
  let finance: Record<string, string>;
  let system: Record<string, string>;
  let caseHandler: Record<string, string>;
  let provider: Record<string, string>;
  /** The order whose March is reported and approved through the routes. */
  let march: SeededOrder;

  beforeAll(async () => {
    svc = await startBilling(engine, 'billing_settlement', routeGroups(visitRoutes, settlementRoutes));
    [finance, system, caseHandler, provider] = await Promise.all([
      svc.as({ role: 'finance' }),
      svc.as({ role: 'system' }),
      svc.as({ role: 'case-handler' }),
      svc.as({ role: 'provider', providerId: 'omsorg-privat' }),
    ]);
    await seedRateTable(svc.db);
    march = await seedOrder(svc.db, { providerId: 'omsorg-privat', providerKind: 'private' });
    const reported = await svc.app.inject({ method: 'POST', url: `/orders/${march.orderId}/visits`, headers: provider, payload: { visits: MARCH_VISITS } });
    expect(reported.statusCode).toBe(201);
    const disputed = reported.json<{ visits: Array<{ visitId: string; externalId: string }> }>().visits.find((v) => v.externalId === 'thu-disputed')!.visitId;
    // The customer's approval, as the journey carries it (ADR 0029).
    const forCustomer = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${march.customerId}`, role: 'citizen', customerId: march.customerId } });
    const approved = await svc.app.inject({ method: 'POST', url: `/orders/${march.orderId}/months/2025-03/approval`, headers: forCustomer, payload: { disputedVisitIds: [disputed] } });
    expect(approved.statusCode).toBe(201);
  });
  afterAll(() => svc?.close());

  const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = system) => svc.app.inject({ method: 'POST', url, headers, payload });
  const charge = (order: SeededOrder, month = '2025-03', headers = system) => post('/fees', { customerId: order.customerId, applicationId: order.applicationId, month }, headers);
  const pay = (order: SeededOrder, month = '2025-03', headers = system) => post('/provider-payments', { orderId: order.orderId, month }, headers);
  const fieldsOf = (res: { json: () => { issues?: Array<{ field: string }> } }) => (res.json().issues ?? []).map((i) => i.field);
  /** An order of a new customer with one approved visit of `minutes` on Monday 3 March 2025. */
  async function approvedOrder(minutes: number, o: Partial<Parameters<typeof seedOrder>[1]> = {}) {
    const order = await seedOrder(svc.db, { providerId: 'omsorg-privat', ...o });
    const start = new Date('2025-03-03T07:00:00Z');
    await seedApprovedMonth(svc.db, order, '2025-03', [{ kind: 'care', start: start.toISOString(), end: new Date(start.getTime() + minutes * 60_000).toISOString() }]);
    return order;
  }

  describe('POST /provider-payments', () => {
    it("pays the approved month's visits by time band at the private rates, to the öre, with an event", async () => {
      const outbox = (await svc.outbox()).length;
      const res = await pay(march);
      expect(res.statusCode).toBe(201);
      const payment = res.json();
      // 465.00 + 171.00 + 263.00 + 390.00 kr; the 30 night minutes are listed, unpaid; the disputed hour is left out.
      expect(payment).toMatchObject({ orderId: march.orderId, providerId: 'omsorg-privat', month: '2025-03', amountOre: 128_900, unpricedMinutes: 30 });
      expect(payment.lines).toHaveLength(5);
      expect(payment.lines).toEqual(
        expect.arrayContaining([
          { kind: 'care', band: 'weekday-day', orePerHour: 31_000, minutes: 90, amountOre: 46_500 },
          { kind: 'care', band: 'weekday-evening', orePerHour: 34_200, minutes: 30, amountOre: 17_100 },
          { kind: 'care', band: 'weekend-holiday', orePerHour: 39_000, minutes: 60, amountOre: 39_000 },
          { kind: 'care', band: 'unpriced', orePerHour: null, minutes: 30, amountOre: 0 },
          { kind: 'service', band: 'any', orePerHour: 26_300, minutes: 60, amountOre: 26_300 },
        ]),
      );
      expect((await svc.outbox()).slice(outbox)).toEqual([
        {
          subject: 'kundval.billing.provider-payment.created.v1',
          payload: { paymentId: payment.paymentId, applicationId: march.applicationId, orderId: march.orderId, providerId: 'omsorg-privat', month: '2025-03', amountOre: 128_900, unpricedMinutes: 30 },
        },
      ]);
    });

    it('pays a municipal provider at the municipal rate: 90 weekday minutes at 293 kr/h = 439.50 kr', async () => {
      const order = await approvedOrder(90, { providerId: 'kommunens-omsorg', providerKind: 'municipal' });
      const res = await pay(order);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ amountOre: 43_950, unpricedMinutes: 0, lines: [{ kind: 'care', band: 'weekday-day', orePerHour: 29_300, minutes: 90, amountOre: 43_950 }] });
    });

    it('answers a repeated payment of the same month with the payment already made (200), storing nothing more', async () => {
      const first = await pay(march);
      const before = await tableCounts(svc.db);
      const again = await pay(march, '2025-03', finance);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first.json());
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a month the customer has not approved with 409 BILLING.MONTH_NOT_APPROVED, and stores nothing', async () => {
      const before = await tableCounts(svc.db);
      const res = await pay(march, '2025-04');
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('BILLING.MONTH_NOT_APPROVED');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a payment where no rate table applies with 409 BILLING.NO_RATE_TABLE rather than a wrong amount, storing nothing', async () => {
      const order = await approvedOrder(60, { municipality: 'varmdo' });
      const before = await tableCounts(svc.db);
      const res = await pay(order);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('BILLING.NO_RATE_TABLE');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it("refuses a payment the rate table has no rate for (private care in a municipal-only table) with 409 DOMAIN.RATE_MISSING, storing nothing", async () => {
      await seedRateTable(svc.db, 'solna-municipal-only', { ...NACKA_RATES, municipality: 'solna', rates: NACKA_RATES.rates.filter((r) => r.providerKind === 'municipal') });
      const order = await approvedOrder(60, { municipality: 'solna', providerKind: 'private' });
      const before = await tableCounts(svc.db);
      const res = await pay(order);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('DOMAIN.RATE_MISSING');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('answers 404 for an unknown order, 400 naming body.orderId or body.month for bad ones, 403 to a provider, 401 without a token; storing nothing', async () => {
      const before = await tableCounts(svc.db);
      const missing = await post('/provider-payments', { orderId: UNKNOWN, month: '2025-03' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('BILLING.ORDER_NOT_FOUND');
      expect(fieldsOf(await post('/provider-payments', { orderId: 'o-1', month: '2025-03' }))).toContain('body.orderId');
      expect(fieldsOf(await post('/provider-payments', { orderId: march.orderId, month: 'March' }))).toContain('body.month');
      expect((await pay(march, '2025-03', provider)).statusCode).toBe(403);
      expect((await pay(march, '2025-03', {})).statusCode).toBe(401);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('GET /providers/:providerId/payments', () => {
    it('shows a provider its own payments, by month, and refuses another provider (403)', async () => {
      await pay(march);
      const own = await svc.app.inject({ method: 'GET', url: '/providers/omsorg-privat/payments?month=2025-03', headers: provider });
      expect(own.statusCode).toBe(200);
      expect(own.json().map((p: { orderId: string }) => p.orderId)).toContain(march.orderId);
      const none = await svc.app.inject({ method: 'GET', url: '/providers/omsorg-privat/payments?month=2025-04', headers: provider });
      expect(none.json()).toEqual([]);
      const other = await svc.app.inject({ method: 'GET', url: '/providers/omsorg-privat/payments', headers: await svc.as({ role: 'provider', providerId: 'kommunens-omsorg' }) });
      expect(other.statusCode).toBe(403);
      expect((await svc.app.inject({ method: 'GET', url: '/providers/omsorg-privat/payments', headers: finance })).statusCode).toBe(200);
      const bad = await svc.app.inject({ method: 'GET', url: '/providers/omsorg-privat/payments?month=2025', headers: finance });
      expect(bad.statusCode).toBe(400);
      expect(fieldsOf(bad)).toContain('querystring.month');
    });
  });

  describe('PUT /customers/:customerId/fee-basis', () => {
    it('records and replaces the fee basis, auditing before and after', async () => {
      const customerId = '00000000-0000-4000-8000-0000000000b1';
      const url = `/customers/${customerId}/fee-basis`;
      const first = await svc.app.inject({ method: 'PUT', url, headers: caseHandler, payload: { netIncomeOre: 1_200_000, housingCostOre: 300_000, household: 'single' } });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({ customerId });
      await svc.app.inject({ method: 'PUT', url, headers: caseHandler, payload: { netIncomeOre: 1_300_000, housingCostOre: 300_000, household: 'couple', minimumAmountRaiseOre: 50_000 } });
      const stored = await svc.db.selectFrom('fee_bases').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ net_income_ore: 1_300_000, housing_cost_ore: 300_000, household: 'couple', minimum_amount_raise_ore: 50_000 });
      const audit = await svc.db.selectFrom('audit_log').select(['before', 'after']).where('entity_id', '=', customerId).orderBy('id').execute();
      expect(audit).toHaveLength(2);
      expect(audit[0]!.before).toBeNull();
      expect(audit[1]!.before).toMatchObject({ net_income_ore: 1_200_000, household: 'single' });
    });

    it.each([
      [{ netIncomeOre: -1, housingCostOre: 0, household: 'single' }, 'body.netIncomeOre'],
      [{ netIncomeOre: 100.5, housingCostOre: 0, household: 'single' }, 'body.netIncomeOre'],
      [{ netIncomeOre: 100, housingCostOre: 0, household: 'family' }, 'body.household'],
      [{ netIncomeOre: 100, household: 'single' }, 'body.housingCostOre'],
      [{ netIncomeOre: 100, housingCostOre: 0, household: 'single', minimumAmountRaiseOre: -5 }, 'body.minimumAmountRaiseOre'],
    ])('refuses a fee basis %j with 400 naming %s, and stores nothing', async (payload, field) => {
      const before = await tableCounts(svc.db);
      const res = await svc.app.inject({ method: 'PUT', url: `/customers/${UNKNOWN}/fee-basis`, headers: caseHandler, payload });
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res)).toContain(field);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a customer id that is not a uuid (400 naming params.customerId) and anyone but a case handler (403), storing nothing', async () => {
      const before = await tableCounts(svc.db);
      const payload = { netIncomeOre: 100, housingCostOre: 0, household: 'single' };
      const bad = await svc.app.inject({ method: 'PUT', url: '/customers/19811218-9876/fee-basis', headers: caseHandler, payload });
      expect(fieldsOf(bad)).toContain('params.customerId');
      expect((await svc.app.inject({ method: 'PUT', url: `/customers/${UNKNOWN}/fee-basis`, headers: finance, payload })).statusCode).toBe(403);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('POST /fees', () => {
    it('charges the tariff for the approved hours when it is below the maxtaxa: 4.5 h × 312 kr = 1 404 kr, with an OCR invoice and an event', async () => {
      const outbox = (await svc.outbox()).length;
      const res = await charge(march);
      expect(res.statusCode).toBe(201);
      const invoice = res.json();
      // 90 + 30 + 30 + 60 + 60 approved minutes; the disputed hour is not charged.
      expect(invoice).toMatchObject({
        invoiceId: expect.any(String),
        customerId: march.customerId,
        month: '2025-03',
        approvedMinutes: 270,
        tariffOre: 140_400,
        maxtaxaOre: 264_200,
        feeRoomOre: null,
        feeOre: 140_400,
        appliedCap: 'tariff',
        ocrReference: expect.stringMatching(/^\d+$/),
        // The correction fields (ADR 0011): the first invoice of the month charges the whole fee.
        invoiceNumber: expect.any(Number),
        applicationId: march.applicationId,
        basis: 'approval',
        periodMonth: '2025-03',
        totalFeeOre: 140_400,
        previouslyChargedOre: 0,
        attendanceDays: 0,
        perArea: [{ areaId: 'home-care', tariffOre: 140_400, feeOre: 140_400 }],
        createdAt: expect.any(String),
      });
      expect(isValidOcrReference(invoice.ocrReference)).toBe(true);
      expect((await svc.outbox()).slice(outbox)).toEqual([
        {
          subject: 'kundval.billing.fee.charged.v1',
          payload: { invoiceId: invoice.invoiceId, applicationId: march.applicationId, customerId: march.customerId, month: '2025-03', feeOre: 140_400, appliedCap: 'tariff', ocrReference: invoice.ocrReference },
        },
        {
          subject: 'kundval.billing.fee.charged.v2',
          payload: { invoiceId: invoice.invoiceId, applicationId: march.applicationId, customerId: march.customerId, month: '2025-03', feeOre: 140_400, appliedCap: 'tariff', ocrReference: invoice.ocrReference, setOffOre: 0, toPayOre: 140_400, cause: null },
        },
      ]);
    });

    it('caps the fee at the 2025 maxtaxa of 2 642 kr: 10 h × 312 kr = 3 120 kr is charged 2 642 kr', async () => {
      const order = await approvedOrder(600);
      const res = await charge(order);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ approvedMinutes: 600, tariffOre: 312_000, maxtaxaOre: 264_200, feeRoomOre: null, feeOre: 264_200, appliedCap: 'maxtaxa' });
    });

    it('caps the fee at the fee room: 10 000 kr income − 2 500 kr housing − 7 247 kr minimum amount leaves 253 kr', async () => {
      const order = await approvedOrder(60);
      const basis = await svc.app.inject({
        method: 'PUT',
        url: `/customers/${order.customerId}/fee-basis`,
        headers: caseHandler,
        payload: { netIncomeOre: 1_000_000, housingCostOre: 250_000, household: 'single' },
      });
      expect(basis.statusCode).toBe(200);
      const res = await charge(order);
      expect(res.json()).toMatchObject({ approvedMinutes: 60, tariffOre: 31_200, maxtaxaOre: 264_200, feeRoomOre: 25_300, feeOre: 25_300, appliedCap: 'fee-room' });
    });

    it('charges nothing when housing and the minimum amount take all the income', async () => {
      const order = await approvedOrder(60);
      await svc.app.inject({ method: 'PUT', url: `/customers/${order.customerId}/fee-basis`, headers: caseHandler, payload: { netIncomeOre: 900_000, housingCostOre: 250_000, household: 'single' } });
      expect((await charge(order)).json()).toMatchObject({ feeRoomOre: 0, feeOre: 0, appliedCap: 'fee-room' });
    });

    it('answers a repeated charge of the same month with the invoice already made (200), storing nothing more', async () => {
      const first = await charge(march);
      const before = await tableCounts(svc.db);
      const again = await charge(march, '2025-03', finance);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first.json());
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a month the customer has not approved with 409 BILLING.MONTH_NOT_APPROVED, and stores nothing', async () => {
      const before = await tableCounts(svc.db);
      const res = await charge(march, '2025-04');
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('BILLING.MONTH_NOT_APPROVED');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a month whose year has no known price base amount with 409 DOMAIN.PRICE_BASE_AMOUNT_UNKNOWN rather than a guessed fee, storing nothing', async () => {
      const order = await seedOrder(svc.db, { providerId: 'omsorg-privat', validFrom: '2027-01-01', validTo: '2027-12-31' });
      await seedApprovedMonth(svc.db, order, '2027-01', [{ kind: 'care', start: '2027-01-05T08:00:00+01:00', end: '2027-01-05T09:00:00+01:00' }]);
      const before = await tableCounts(svc.db);
      const res = await charge(order, '2027-01');
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('DOMAIN.PRICE_BASE_AMOUNT_UNKNOWN');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it.each([
      [{ customerId: 'c-1', applicationId: UNKNOWN, month: '2025-03' }, 'body.customerId'],
      [{ customerId: UNKNOWN, applicationId: UNKNOWN, month: '2025-3' }, 'body.month'],
      [{ customerId: UNKNOWN, month: '2025-03' }, 'body.applicationId'],
    ])('refuses a charge %j with 400 naming %s, and stores nothing', async (payload, field) => {
      const before = await tableCounts(svc.db);
      const res = await post('/fees', payload);
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res)).toContain(field);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses a charge by a case handler or a provider (403) and without a token (401), storing nothing', async () => {
      const before = await tableCounts(svc.db);
      expect((await charge(march, '2025-03', caseHandler)).statusCode).toBe(403);
      expect((await charge(march, '2025-03', provider)).statusCode).toBe(403);
      expect((await charge(march, '2025-03', {})).statusCode).toBe(401);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('GET /customers/:customerId/invoices', () => {
    it("shows a customer their own invoices and refuses another's (403)", async () => {
      await charge(march);
      const own = await svc.app.inject({ method: 'GET', url: `/customers/${march.customerId}/invoices`, headers: await svc.as({ role: 'citizen', customerId: march.customerId }) });
      expect(own.statusCode).toBe(200);
      expect(own.json()).toEqual([expect.objectContaining({ customerId: march.customerId, month: '2025-03', feeOre: 140_400 })]);
      const other = await svc.app.inject({ method: 'GET', url: `/customers/${march.customerId}/invoices`, headers: await svc.as({ role: 'citizen', customerId: UNKNOWN }) });
      expect(other.statusCode).toBe(403);
      expect((await svc.app.inject({ method: 'GET', url: `/customers/${UNKNOWN}/invoices`, headers: finance })).json()).toEqual([]);
      expect((await svc.app.inject({ method: 'GET', url: `/customers/${march.customerId}/invoices`, headers: provider })).statusCode).toBe(403);
    });
  });
});
