import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { fieldsOf, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../../test-support/corrections.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe.each(testEngines())('provider statements on %s', (engine) => {
  let svc: FullBilling;
  let finance: Record<string, string>;
  let provider: Record<string, string>;
  let a: PlacedOrder;
  let disputedId: string;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_statements');
    finance = await svc.as({ role: 'finance' });
    provider = await svc.as({ role: 'provider', providerId: 'utskrift' });
    /** The journey's worker carrying the customer's approval (ADR 0029): `system` on their behalf. */
    const journeyFor = (o: { customerId: string }) => svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${o.customerId}`, role: 'citizen', customerId: o.customerId } });
    a = await placeOrder(svc.db, { providerId: 'utskrift' });
    const b = await placeOrder(svc.db, { providerId: 'utskrift' });
    const c = await placeOrder(svc.db, { providerId: 'utskrift', areaId: 'day-activities', level: 3 });
    const reportedA = await svc.app.inject({
      method: 'POST',
      url: `/orders/${a.orderId}/visits`,
      headers: provider,
      payload: { visits: [visit('2025-03-03', '08:00', '09:30'), visit('2025-03-03', '19:00', '19:30'), visit('2025-03-04', '08:00', '09:00')] },
    });
    disputedId = reportedA.json().visits[2].visitId;
    await svc.app.inject({
      method: 'POST',
      url: `/orders/${b.orderId}/visits`,
      headers: provider,
      payload: { visits: [visit('2025-03-05', '08:00', '09:00'), visit('2025-03-08', '10:00', '11:00'), visit('2025-03-06', '10:00', '11:00', 'service')] },
    });
    await svc.app.inject({ method: 'POST', url: `/orders/${c.orderId}/attendance`, headers: provider, payload: { days: ['2025-03-11', '2025-03-13'] } });
    await svc.app.inject({ method: 'POST', url: `/orders/${a.orderId}/months/2025-03/approval`, headers: await journeyFor(a), payload: { disputedVisitIds: [disputedId] } });
    for (const o of [b, c]) await svc.app.inject({ method: 'POST', url: `/orders/${o.orderId}/months/2025-03/approval`, headers: await journeyFor(o), payload: {} });
  });
  afterAll(() => svc?.close());

  const statement = (headers: Record<string, string>, providerId = 'utskrift', month = '2025-03') =>
    svc.app.inject({ method: 'GET', url: `/providers/${providerId}/statements/${month}`, headers });

  it("lists every approved minute across the provider's orders per (kind, band, rate), rounded once per line, with unit lines and the disputed visit left out", async () => {
    const res = await statement(provider);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      providerId: 'utskrift',
      month: '2025-03',
      providerKind: 'private',
      lines: [
        { kind: 'care', band: 'weekday-day', orePerHour: 31_000, minutes: 150, amountOre: 77_500 },
        { kind: 'care', band: 'weekday-evening', orePerHour: 34_200, minutes: 30, amountOre: 17_100 },
        { kind: 'care', band: 'weekend-holiday', orePerHour: 39_000, minutes: 60, amountOre: 39_000 },
        { kind: 'service', band: 'any', orePerHour: 26_300, minutes: 60, amountOre: 26_300 },
      ],
      unitLines: [{ areaId: 'day-activities', level: '3', orePerUnit: 116_600, units: 2, amountOre: 233_200 }],
      totalOre: 393_100,
      unpricedMinutes: 0,
      visitCount: 6,
      excluded: [{ deliveryId: disputedId, orderId: a.orderId, reason: 'disputed' }],
      refused: [],
      // The OCR over 202503 (length digit 8, Luhn 7) that the month's payments to a giro payee carry.
      paymentReference: '20250387',
      paidOre: 0,
      outstandingOre: 393_100,
    });
  });

  it('shows what is paid and what is outstanding once an order is paid', async () => {
    const paid = await svc.app.inject({ method: 'POST', url: '/provider-payments', headers: await svc.as({ role: 'system' }), payload: { orderId: a.orderId, month: '2025-03' } });
    expect(paid.statusCode).toBe(201);
    const res = await statement(finance);
    expect(res.json()).toMatchObject({ totalOre: 393_100, paidOre: paid.json().amountOre, outstandingOre: 393_100 - paid.json().amountOre });
    expect((await statement(await svc.as({ role: 'operator' }))).statusCode).toBe(200);
  });

  it('shows a month without deliveries as an empty statement', async () => {
    expect((await statement(provider, 'utskrift', '2025-07')).json()).toMatchObject({ lines: [], unitLines: [], totalOre: 0, visitCount: 0 });
  });

  it("refuses another provider's statement and other roles (403), a caller without a token (401), an unknown provider (404) and a bad month (400)", async () => {
    expect((await statement(await svc.as({ role: 'provider', providerId: 'someone-else' }))).statusCode).toBe(403);
    expect((await statement(await svc.as({ role: 'provider' }))).statusCode).toBe(403);
    for (const role of ['citizen', 'case-handler', 'administrator', 'system'] as const) expect((await statement(await svc.as({ role, customerId: UNKNOWN }))).statusCode).toBe(403);
    expect((await statement({})).statusCode).toBe(401);
    const unknown = await statement(finance, 'no-such-provider');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('BILLING.PROVIDER_NOT_FOUND');
    expect(fieldsOf(await statement(finance, 'utskrift', '2025-13'))).toContain('params.month');
  });
});
