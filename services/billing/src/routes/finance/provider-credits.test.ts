import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { changeOrder, placeOrder, startFullBilling, type FullBilling, type PlacedOrder } from '../../test-support/corrections.js';

/** The demo vouchers (öre per day) of the nursing home's municipal levels 2, 3 and 5. */
const HOME_L2 = 162_000;
const HOME_L3 = 186_000;
const HOME_L5 = 234_000;

type Batch = { batchId: string; includedOre: number; items: Array<{ paymentId: string; providerId: string; amountOre: number }>; skipped: Array<{ paymentId: string; providerId: string; reason: string }> };

describe.each(testEngines())('credits against providers, set off in payment batches, on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;
  let finance: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_provider_credits');
    system = await svc.as({ role: 'system' });
    finance = await svc.as({ role: 'finance' });
  });
  afterAll(() => svc?.close());

  const post = (url: string, headers: Record<string, string>, payload: Record<string, unknown>) => svc.app.inject({ method: 'POST', url, headers, payload });
  async function paid(o: PlacedOrder, month: string, basis: string) {
    const res = await post('/provider-payments', system, { orderId: o.orderId, month, basis });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ paymentId: string; amountOre: number; periodMonth: string }>();
  }
  async function livingIn(providerId: string, level: number, from: string) {
    const home = await placeOrder(svc.db, { providerId, providerKind: 'municipal', areaId: 'nursing-home', level });
    const res = await post(`/orders/${home.orderId}/occupancy`, await svc.as({ role: 'provider', providerId }), { kind: 'moved-in', from });
    expect(res.statusCode, res.body).toBe(201);
    return home;
  }
  async function batch(month: string) {
    const res = await post('/payment-batches', finance, { month });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Batch>();
  }
  const amend = (o: PlacedOrder, effectiveFrom: string, level: number) => changeOrder(svc.db, o, { effectiveFrom, validTo: '2025-12-31', level });

  it("sets a lowered level's credit against the provider's next payment: one transfer of the net, in the pain.001 file too", async () => {
    for (const [providerId, bankgiro] of [
      ['kredit-hem', '5050-1055'],
      ['kredit-liten', '902-0900'],
    ] as const) {
      const res = await svc.app.inject({ method: 'PUT', url: `/providers/${providerId}/account`, headers: finance, payload: { name: `${providerId} AB`, bankgiro } });
      expect(res.statusCode).toBe(200);
    }
    const home = await livingIn('kredit-hem', 5, '2025-04-01');
    const small = await livingIn('kredit-liten', 5, '2025-04-01');
    expect((await paid(home, '2025-04', 'occupancy')).amountOre).toBe(30 * HOME_L5);
    expect((await paid(small, '2025-04', 'occupancy')).amountOre).toBe(30 * HOME_L5);
    const april = await batch('2025-04');
    expect(april.includedOre).toBe(2 * 30 * HOME_L5);

    // Level 3 from 16 April at Kredit Hem (15 days); level 2 from 2 April at Kredit Liten (29 days), which then leaves no payment to set it against.
    await amend(home, '2025-04-16', 3);
    await amend(small, '2025-04-02', 2);
    const homeCredit = await paid(home, '2025-04', 'decision-change:2025-04-16');
    const smallCredit = await paid(small, '2025-04', 'decision-change:2025-04-02');
    expect([homeCredit.amountOre, smallCredit.amountOre]).toEqual([15 * (HOME_L3 - HOME_L5), 29 * (HOME_L2 - HOME_L5)]);
    const outstanding = await svc.app.inject({ method: 'GET', url: '/provider-credits', headers: finance });
    expect(outstanding.json()).toEqual([
      expect.objectContaining({ providerId: 'kredit-hem', outstandingOre: -720_000, credits: [expect.objectContaining({ paymentId: homeCredit.paymentId, month: '2025-04', cause: 'decision-change:2025-04-16' })] }),
      expect.objectContaining({ providerId: 'kredit-liten', outstandingOre: -2_088_000 }),
    ]);

    // The ledger books each credit as a payment in reverse, in the period it was booked in.
    const sie = await svc.app.inject({ method: 'GET', url: `/exports/sie?month=${homeCredit.periodMonth}`, headers: finance });
    expect(sie.statusCode).toBe(200);
    const text = sie.rawPayload.toString('latin1');
    expect(text).toContain(`"Kreditering 2025-04 kredit-hem order ${home.orderId}"`);
    expect(text).toMatch(/#TRANS \d+ \{\} -7200\.00\r?\n/);
    expect(text).toMatch(/#TRANS \d+ \{\} 7200\.00\r?\n/);

    // May at Kredit Hem is paid at level 3; the May batch pays it less April's credit, in one transfer.
    const may = await paid(home, '2025-05', 'occupancy');
    expect(may.amountOre).toBe(31 * HOME_L3);
    const mayBatch = await batch('2025-05');
    expect(mayBatch.items.map((i) => [i.providerId, i.paymentId, i.amountOre])).toEqual(
      expect.arrayContaining([
        ['kredit-hem', may.paymentId, 31 * HOME_L3],
        ['kredit-hem', homeCredit.paymentId, -720_000],
      ]),
    );
    expect(mayBatch.items.filter((i) => i.providerId === 'kredit-liten')).toEqual([]);
    expect(mayBatch.skipped).toEqual([{ paymentId: smallCredit.paymentId, providerId: 'kredit-liten', reason: 'a credit: waits for a payment to the provider to be set against' }]);
    expect(mayBatch.includedOre).toBe(31 * HOME_L3 - 720_000);
    const file = await svc.app.inject({ method: 'GET', url: `/payment-batches/${mayBatch.batchId}/pain001`, headers: finance });
    expect(file.statusCode).toBe(200);
    const amounts = [...file.body.matchAll(/<InstdAmt Ccy="SEK">([0-9.]+)<\/InstdAmt>/g)].map((m) => m[1]);
    expect(amounts).toEqual([((31 * HOME_L3 - 720_000) / 100).toFixed(2)]);

    // Set off: only Kredit Liten's credit is still outstanding, for finance to invoice back; the provider sees its own.
    const left = await svc.app.inject({ method: 'GET', url: '/provider-credits', headers: finance });
    expect(left.json().map((p: { providerId: string; outstandingOre: number }) => [p.providerId, p.outstandingOre])).toEqual([['kredit-liten', -2_088_000]]);
    const own = await svc.app.inject({ method: 'GET', url: '/providers/kredit-liten/credits', headers: await svc.as({ role: 'provider', providerId: 'kredit-liten' }) });
    expect(own.json()).toMatchObject({ providerId: 'kredit-liten', outstandingOre: -2_088_000 });
    const other = await svc.app.inject({ method: 'GET', url: '/providers/kredit-liten/credits', headers: await svc.as({ role: 'provider', providerId: 'kredit-hem' }) });
    expect(other.statusCode).toBe(403);
  });

  it('keeps a credit with no payment to set it against for a later batch, and pays the net once one comes', async () => {
    const res = await svc.app.inject({ method: 'PUT', url: '/providers/kredit-lika/account', headers: finance, payload: { name: 'Kredit Lika AB', bankgiro: '5050-1055' } });
    expect(res.statusCode).toBe(200);
    const home = await livingIn('kredit-lika', 5, '2025-06-01');
    // Another provider's payment, so that each batch has something to pay.
    const other = await livingIn('kredit-annan', 3, '2025-06-01');
    await svc.app.inject({ method: 'PUT', url: '/providers/kredit-annan/account', headers: finance, payload: { name: 'Kredit Annan AB', bankgiro: '902-0900' } });
    await paid(home, '2025-06', 'occupancy');
    await paid(other, '2025-06', 'occupancy');
    await batch('2025-06');
    // Level 2 from 2 June: 29 days × 720 kr = 20 880 kr credited; July at level 2 is 31 × 1 620 kr = 50 220 kr, so it nets 29 340 kr.
    await amend(home, '2025-06-02', 2);
    const credit = await paid(home, '2025-06', 'decision-change:2025-06-02');
    expect(credit.amountOre).toBe(29 * (HOME_L2 - HOME_L5));
    await paid(other, '2025-07', 'occupancy');
    const july = await batch('2025-07');
    expect(july.items.filter((i) => i.providerId === 'kredit-lika')).toEqual([]);
    expect(july.skipped.filter((x) => x.providerId === 'kredit-lika')).toEqual([{ paymentId: credit.paymentId, providerId: 'kredit-lika', reason: 'a credit: waits for a payment to the provider to be set against' }]);
    // July at level 2 is paid after July's batch; a second batch of July pays it less the credit.
    const julyPay = await paid(home, '2025-07', 'occupancy');
    expect(julyPay.amountOre).toBe(31 * HOME_L2);
    const again = await batch('2025-07');
    expect(again.items.map((i) => [i.providerId, i.paymentId, i.amountOre])).toEqual([
      ['kredit-lika', credit.paymentId, -2_088_000],
      ['kredit-lika', julyPay.paymentId, 5_022_000],
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))));
    expect(again.includedOre).toBe(2_934_000);
  });
});
