import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { changeOrder, endOrder, fieldsOf, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../test-support/corrections.js';

type UnitLine = { areaId: string; level: string; orePerUnit: number; units: number; amountOre: number };
type Payment = { paymentId: string; amountOre: number; previouslyPaidOre: number; payableOre: number; periodMonth: string; basis: string; unitLines: UnitLine[] };

/** The demo vouchers (öre per day) the tests price at: nursing home municipal levels 2, 3 and 5; day activities private levels 1 and 3. */
const HOME_L2 = 162_000;
const HOME_L3 = 186_000;
const HOME_L5 = 234_000;
const DAY_L1 = 68_900;
const DAY_L3 = 116_600;

describe.each(testEngines())('amended orders (orderChanged) in payments and reports on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_order_changes');
    system = await svc.as({ role: 'system' });
  });
  afterAll(() => svc?.close());

  const post = async (url: string, headers: Record<string, string>, payload: Record<string, unknown>) => svc.app.inject({ method: 'POST', url, headers, payload });
  const providerOf = (o: PlacedOrder) => svc.as({ role: 'provider', providerId: o.providerId });
  /** The journey's worker carrying the customer's approval (ADR 0029): `system` on their behalf. */
  const journeyFor = (o: { customerId: string }) => svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${o.customerId}`, role: 'citizen', customerId: o.customerId } });
  const pay = (o: PlacedOrder, month: string, basis: string, more: Record<string, unknown> = {}) => post('/provider-payments', system, { orderId: o.orderId, month, basis, ...more });
  async function paid(o: PlacedOrder, month: string, basis: string, more: Record<string, unknown> = {}) {
    const res = await pay(o, month, basis, more);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Payment>();
  }
  async function movedIn(o: PlacedOrder, from: string) {
    const res = await post(`/orders/${o.orderId}/occupancy`, await providerOf(o), { kind: 'moved-in', from });
    expect(res.statusCode, res.body).toBe(201);
  }
  async function attended(o: PlacedOrder, days: string[]) {
    return post(`/orders/${o.orderId}/attendance`, await providerOf(o), { days });
  }
  async function approve(o: PlacedOrder, month: string) {
    const res = await post(`/orders/${o.orderId}/months/${month}/approval`, await journeyFor(o), { disputedVisitIds: [] });
    expect(res.statusCode, res.body).toBe(201);
  }
  const rechargesOf = (orderId: string) => svc.db.selectFrom('municipal_recharges').select(['payment_id', 'amount_ore', 'deciding_municipality']).where('order_id', '=', orderId).orderBy('created_at').execute();

  describe('pricing by the level in force on each day', () => {
    it('pays an occupied month an amendment splits at the old level before it and the new one from it', async () => {
      const home = await placeOrder(svc.db, { providerId: 'niva-hem', providerKind: 'municipal', areaId: 'nursing-home', level: 2 });
      await movedIn(home, '2025-04-01');
      await changeOrder(svc.db, home, { effectiveFrom: '2025-04-16', validTo: '2025-12-31', level: 5 });
      const april = await paid(home, '2025-04', 'occupancy');
      expect(april.unitLines).toEqual([
        { areaId: 'nursing-home', level: '2', orePerUnit: HOME_L2, units: 15, amountOre: 15 * HOME_L2 },
        { areaId: 'nursing-home', level: '5', orePerUnit: HOME_L5, units: 15, amountOre: 15 * HOME_L5 },
      ]);
      expect(april.amountOre).toBe(2_430_000 + 3_510_000);
      // The month after the amendment is all at the new level.
      expect((await paid(home, '2025-05', 'occupancy')).amountOre).toBe(31 * HOME_L5);
    });

    it('pays attendance days an amendment splits each at its own level', async () => {
      const day = await placeOrder(svc.db, { providerId: 'niva-dag', areaId: 'day-activities', level: 1 });
      await changeOrder(svc.db, day, { effectiveFrom: '2025-06-16', validTo: '2025-12-31', level: 3 });
      expect((await attended(day, ['2025-06-02', '2025-06-03', '2025-06-04', '2025-06-16', '2025-06-17', '2025-06-18', '2025-06-19'])).statusCode).toBe(201);
      await approve(day, '2025-06');
      const june = await paid(day, '2025-06', 'attendance');
      expect(june.unitLines).toEqual([
        { areaId: 'day-activities', level: '1', orePerUnit: DAY_L1, units: 3, amountOre: 206_700 },
        { areaId: 'day-activities', level: '3', orePerUnit: DAY_L3, units: 4, amountOre: 466_400 },
      ]);
      expect(june.amountOre).toBe(673_100);
    });
  });

  describe('POST /provider-payments with basis decision-change:<date>', () => {
    it('pays what a raised level adds to a month paid at the old one, exactly, once, and recharges it to the deciding municipality', async () => {
      const home = await placeOrder(svc.db, { providerId: 'niva-hem', providerKind: 'municipal', areaId: 'nursing-home', level: 2, decidingMunicipality: 'varmdo' });
      await movedIn(home, '2025-04-01');
      const april = await paid(home, '2025-04', 'occupancy');
      expect(april.amountOre).toBe(30 * HOME_L2);

      await changeOrder(svc.db, home, { effectiveFrom: '2025-04-16', validTo: '2025-12-31', level: 5 });
      const delta = await paid(home, '2025-04', 'decision-change:2025-04-16', { expectedAmendment: { effectiveFrom: '2025-04-16', validTo: '2025-12-31', level: 5 } });
      // 16–30 April move from level 2 (1 620 kr) to level 5 (2 340 kr): 15 × 720 kr.
      expect(delta).toMatchObject({ amountOre: 1_080_000, previouslyPaidOre: 4_860_000, payableOre: 5_940_000, basis: 'decision-change:2025-04-16', periodMonth: '2025-04' });
      expect(delta.unitLines).toEqual([
        { areaId: 'nursing-home', level: '2', orePerUnit: HOME_L2, units: -15, amountOre: -2_430_000 },
        { areaId: 'nursing-home', level: '5', orePerUnit: HOME_L5, units: 15, amountOre: 3_510_000 },
      ]);
      expect(await rechargesOf(home.orderId)).toEqual([
        { payment_id: april.paymentId, amount_ore: 4_860_000, deciding_municipality: 'varmdo' },
        { payment_id: delta.paymentId, amount_ore: 1_080_000, deciding_municipality: 'varmdo' },
      ]);

      const before = await tableCounts(svc.db);
      const again = await pay(home, '2025-04', 'decision-change:2025-04-16', { expectedAmendment: { effectiveFrom: '2025-04-16', validTo: '2025-12-31', level: 5 } });
      expect(again.statusCode).toBe(200);
      expect(again.json<Payment>().paymentId).toBe(delta.paymentId);
      expect(await tableCounts(svc.db)).toEqual(before);

      // A month the amendment does not touch is worth what it was: a payment of 0, recharged to nobody.
      const march = await placeOrder(svc.db, { providerId: 'niva-hem', providerKind: 'municipal', areaId: 'nursing-home', level: 3, decidingMunicipality: 'varmdo' });
      await movedIn(march, '2025-03-01');
      expect((await paid(march, '2025-03', 'occupancy')).amountOre).toBe(31 * HOME_L3);
      await changeOrder(svc.db, march, { effectiveFrom: '2025-04-01', validTo: '2026-03-31', level: 3 });
      const none = await paid(march, '2025-03', 'decision-change:2025-04-01');
      expect(none).toMatchObject({ amountOre: 0, previouslyPaidOre: 31 * HOME_L3, unitLines: [] });
      expect((await rechargesOf(march.orderId)).map((r) => r.amount_ore)).toEqual([31 * HOME_L3]);
    });

    it('corrects an approved attendance month whose level changed after it was paid', async () => {
      const day = await placeOrder(svc.db, { providerId: 'niva-dag', areaId: 'day-activities', level: 1 });
      expect((await attended(day, ['2025-06-09', '2025-06-10', '2025-06-23', '2025-06-24'])).statusCode).toBe(201);
      await approve(day, '2025-06');
      expect((await paid(day, '2025-06', 'attendance')).amountOre).toBe(4 * DAY_L1);
      await changeOrder(svc.db, day, { effectiveFrom: '2025-06-20', validTo: '2025-12-31', level: 3 });
      const delta = await paid(day, '2025-06', 'decision-change:2025-06-20', { expectedAmendment: { effectiveFrom: '2025-06-20', validTo: '2025-12-31', level: 3 } });
      expect(delta).toMatchObject({ amountOre: 2 * (DAY_L3 - DAY_L1), payableOre: 2 * DAY_L1 + 2 * DAY_L3 });
    });

    it('credits a lowered level: a negative payment of the difference, its event, and the same answer again for the same basis', async () => {
      const home = await placeOrder(svc.db, { providerId: 'niva-hem', providerKind: 'municipal', areaId: 'nursing-home', level: 5 });
      await movedIn(home, '2025-04-01');
      expect((await paid(home, '2025-04', 'occupancy')).amountOre).toBe(30 * HOME_L5);
      await changeOrder(svc.db, home, { effectiveFrom: '2025-04-16', validTo: '2025-12-31', level: 3 });
      const credit = await paid(home, '2025-04', 'decision-change:2025-04-16');
      // 16–30 April, 15 days, at level 3 instead of 5.
      expect(credit).toMatchObject({ amountOre: 15 * (HOME_L3 - HOME_L5), previouslyPaidOre: 30 * HOME_L5, payableOre: 15 * HOME_L5 + 15 * HOME_L3 });
      const events = await svc.db.selectFrom('outbox').select(['subject', 'envelope']).where('subject', 'like', 'kundval.billing.provider-%').orderBy('seq').execute();
      expect(events.at(-1)).toMatchObject({
        subject: 'kundval.billing.provider-credit.created.v1',
        envelope: expect.objectContaining({ payload: expect.objectContaining({ paymentId: credit.paymentId, amountOre: -720_000, cause: 'decision-change:2025-04-16' }) }),
      });
      const again = await pay(home, '2025-04', 'decision-change:2025-04-16');
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ paymentId: credit.paymentId, amountOre: -720_000 });
    });

    it('answers 409 BILLING.ORDER_CHANGE_PENDING until billing holds the amendment the basis names, then pays', async () => {
      const home = await placeOrder(svc.db, { providerId: 'niva-hem', providerKind: 'municipal', areaId: 'nursing-home', level: 2 });
      await movedIn(home, '2025-04-01');
      await paid(home, '2025-04', 'occupancy');
      const before = await tableCounts(svc.db);
      const early = await pay(home, '2025-04', 'decision-change:2025-04-20');
      expect(early.statusCode).toBe(409);
      expect(early.json().error).toBe('BILLING.ORDER_CHANGE_PENDING');
      expect(await tableCounts(svc.db)).toEqual(before);
      await changeOrder(svc.db, home, { effectiveFrom: '2025-04-20', validTo: '2025-12-31', level: 3 });
      expect((await paid(home, '2025-04', 'decision-change:2025-04-20')).amountOre).toBe(11 * (HOME_L3 - HOME_L2));
    });

    it('refuses a decision change for home care and a malformed basis with 400 naming the basis', async () => {
      const care = await placeOrder(svc.db, { providerId: 'niva-omsorg' });
      await changeOrder(svc.db, care, { effectiveFrom: '2025-03-01', validTo: '2026-02-28' });
      const before = await tableCounts(svc.db);
      const minutes = await pay(care, '2025-03', 'decision-change:2025-03-01');
      expect(minutes.statusCode).toBe(400);
      expect(minutes.json().error).toBe('BILLING.BASIS_NOT_FOR_AREA');
      for (const basis of ['decision-change:2025-02-30', 'decision-change:', 'decision-change:soon']) {
        const res = await pay(care, '2025-03', basis);
        expect(res.statusCode, basis).toBe(400);
        expect(fieldsOf(res)).toContain('body.basis');
      }
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('POST /provider-payments with expectedAmendment', () => {
    it('answers 409 BILLING.ORDER_CHANGE_PENDING until billing holds the amendment the journey made last, then prices on its terms', async () => {
      const home = await placeOrder(svc.db, { providerId: 'niva-hem', providerKind: 'municipal', areaId: 'nursing-home', level: 2 });
      await movedIn(home, '2025-07-01');
      await changeOrder(svc.db, home, { effectiveFrom: '2025-07-01', validTo: '2025-12-31', level: 3 }, new Date('2025-06-20T10:00:00Z'));
      const before = await tableCounts(svc.db);
      // The journey has corrected the amendment (level 5 from the same day); billing has not consumed it.
      const expectedAmendment = { effectiveFrom: '2025-07-01', validTo: '2025-12-31', level: 5 };
      const pending = await pay(home, '2025-07', 'occupancy', { expectedAmendment });
      expect(pending.statusCode).toBe(409);
      expect(pending.json()).toMatchObject({ error: 'BILLING.ORDER_CHANGE_PENDING' });
      expect(fieldsOf(pending)).toContain('body.expectedAmendment');
      expect(await tableCounts(svc.db)).toEqual(before);

      await changeOrder(svc.db, home, { effectiveFrom: '2025-07-01', validTo: '2025-12-31', level: 5 }, new Date('2025-06-21T10:00:00Z'));
      const july = await paid(home, '2025-07', 'occupancy', { expectedAmendment });
      expect(july.amountOre).toBe(31 * HOME_L5);
      expect(july.unitLines.map((l) => l.level)).toEqual(['5']);
    });

    it('pays as before without one, and refuses a malformed one with 400 naming the field', async () => {
      const day = await placeOrder(svc.db, { providerId: 'niva-dag', areaId: 'day-activities', level: 1 });
      expect((await attended(day, ['2025-08-04'])).statusCode).toBe(201);
      await approve(day, '2025-08');
      const malformed = await pay(day, '2025-08', 'attendance', { expectedAmendment: { effectiveFrom: '2025-08-32', validTo: '2025-12-31', level: 1 } });
      expect(malformed.statusCode).toBe(400);
      expect(fieldsOf(malformed).some((f) => f.startsWith('body.expectedAmendment'))).toBe(true);
      expect((await paid(day, '2025-08', 'attendance')).amountOre).toBe(DAY_L1);
    });
  });

  describe('reports after a renewal', () => {
    it('accepts visits after the old last day up to the new one, and refuses one after it as before', async () => {
      const care = await placeOrder(svc.db, { providerId: 'niva-omsorg', validFrom: '2025-01-01', validTo: '2025-03-31' });
      const report = async (v: ReturnType<typeof visit>) => post(`/orders/${care.orderId}/visits`, await providerOf(care), { visits: [v] });
      const late = visit('2025-04-02', '08:00', '09:00', 'care', '+02:00');
      const refused = await report(late);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toBe('BILLING.VISIT_OUTSIDE_ORDER');

      await changeOrder(svc.db, care, { effectiveFrom: '2025-04-01', validTo: '2025-09-30' });
      expect((await report(late)).statusCode).toBe(201);
      expect((await report(visit('2025-09-30', '08:00', '09:00', 'care', '+02:00'))).statusCode).toBe(201);
      const after = await report(visit('2025-10-01', '08:00', '09:00', 'care', '+02:00'));
      expect(after.statusCode).toBe(400);
      expect(after.json().error).toBe('BILLING.VISIT_OUTSIDE_ORDER');
      // The renewed month is paid by band as any other.
      await approve(care, '2025-04');
      expect((await paid(care, '2025-04', 'approval')).amountOre).toBe(31_000);
    });

    it('accepts attendance days and a move-out within the new last day, not after it', async () => {
      const day = await placeOrder(svc.db, { providerId: 'niva-dag', areaId: 'day-activities', level: 1, validFrom: '2025-01-01', validTo: '2025-02-28' });
      expect((await attended(day, ['2025-03-03'])).statusCode).toBe(400);
      await changeOrder(svc.db, day, { effectiveFrom: '2025-03-01', validTo: '2025-05-31', level: 1 });
      expect((await attended(day, ['2025-03-03', '2025-05-30'])).statusCode).toBe(201);
      const after = await attended(day, ['2025-06-02']);
      expect(after.statusCode).toBe(400);
      expect(after.json().error).toBe('BILLING.OUTSIDE_ORDER');

      const home = await placeOrder(svc.db, { providerId: 'niva-hem', providerKind: 'municipal', areaId: 'nursing-home', level: 2, validFrom: '2025-01-01', validTo: '2025-06-30' });
      await movedIn(home, '2025-01-10');
      await changeOrder(svc.db, home, { effectiveFrom: '2025-07-01', validTo: '2025-12-31', level: 2 });
      const tooLate = await post(`/orders/${home.orderId}/occupancy`, await providerOf(home), { kind: 'moved-out', from: '2026-01-02' });
      expect(tooLate.statusCode).toBe(400);
      expect(tooLate.json().error).toBe('BILLING.OUTSIDE_ORDER');
      expect((await post(`/orders/${home.orderId}/occupancy`, await providerOf(home), { kind: 'moved-out', from: '2025-08-15' })).statusCode).toBe(201);
      // Occupied through the old last day into the renewal: all of July, and August up to the move-out.
      expect((await paid(home, '2025-07', 'occupancy')).amountOre).toBe(31 * HOME_L2);
      expect((await paid(home, '2025-08', 'occupancy')).amountOre).toBe(14 * HOME_L2);
    });

    it('keeps refusing deliveries after the end of an order that ended, whatever its renewal says', async () => {
      const care = await placeOrder(svc.db, { providerId: 'niva-omsorg', validFrom: '2025-01-01', validTo: '2025-06-30' });
      await endOrder(svc.db, care, '2025-05-15', 'switched');
      await changeOrder(svc.db, care, { effectiveFrom: '2025-07-01', validTo: '2025-12-31' });
      const res = await post(`/orders/${care.orderId}/visits`, await providerOf(care), { visits: [visit('2025-05-20', '08:00', '09:00', 'care', '+02:00')] });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('BILLING.VISIT_OUTSIDE_ORDER');
    });
  });
});
