import { describe, expect, it } from 'vitest';
import { deviationAlert, grantedDelivered, monthsEndingAt, sumPerProviderAndArea, type GrantedDeliveredRow, type OrderMonthFacts } from './granted-delivered.js';

const facts = (over: Partial<OrderMonthFacts> = {}): OrderMonthFacts => ({
  orderId: 'o1',
  customerId: 'c1',
  providerId: 'p1',
  areaId: 'home-care',
  month: '2026-02',
  measure: 'minutes',
  validFrom: '2025-01-01',
  validTo: '2026-12-31',
  terms: [{ from: '2025-01-01', minutesPerMonth: 600 }],
  delivered: 450,
  approved: 390,
  paidOre: 195_000,
  ...over,
});

describe('granted against delivered for one customer and month', () => {
  it('orders the whole grant for a whole month and shares delivered over it', () => {
    expect(grantedDelivered(facts())).toEqual({
      orderId: 'o1',
      customerId: 'c1',
      providerId: 'p1',
      areaId: 'home-care',
      month: '2026-02',
      measure: 'minutes',
      granted: 600,
      ordered: 600,
      delivered: 450,
      approved: 390,
      paidOre: 195_000,
      deliveredShare: 0.75,
    });
  });

  it('orders the grant for the days in force only: 8 h from the 15th of February is 14/28 of 480 minutes', () => {
    const row = grantedDelivered(facts({ validFrom: '2026-02-15', terms: [{ from: '2026-02-15', minutesPerMonth: 480 }], delivered: 300 }));
    expect(row).toMatchObject({ granted: 480, ordered: 240, delivered: 300, deliveredShare: 1.25 });
  });

  it('weighs each day by the terms in force that day when a decision changes mid-month, rounding once', () => {
    // 10 days at 600 and 21 days at 300 minutes a month of March's 31: (6000 + 6300) / 31 = 396.77… → 397.
    const row = grantedDelivered(facts({ month: '2026-03', terms: [{ from: '2026-01-01', minutesPerMonth: 600 }, { from: '2026-03-11', minutesPerMonth: 300 }], delivered: 397 }));
    expect(row).toMatchObject({ granted: 300, ordered: 397, deliveredShare: 1 });
  });

  it('has no grant, order or share for an area that grants no time (days, sessions)', () => {
    expect(grantedDelivered(facts({ areaId: 'day-activities', measure: 'days', terms: [], delivered: 9, approved: 8, paidOre: 432_000 }))).toMatchObject({ granted: null, ordered: null, delivered: 9, approved: 8, deliveredShare: null });
  });

  it('has nothing ordered in a month the order was not in force', () => {
    expect(grantedDelivered(facts({ validFrom: '2026-03-01' }))).toMatchObject({ granted: null, ordered: null, deliveredShare: null });
  });
});

describe('sums per provider and area', () => {
  it('adds customers, minutes and öre per provider and area, never minutes to days', () => {
    const rows = [
      grantedDelivered(facts()),
      grantedDelivered(facts({ orderId: 'o2', customerId: 'c2', delivered: 600, approved: 600, paidOre: 300_000 })),
      grantedDelivered(facts({ orderId: 'o3', customerId: 'c3', providerId: 'p2', delivered: 0, approved: 0, paidOre: 0 })),
      grantedDelivered(facts({ orderId: 'o4', customerId: 'c1', areaId: 'day-activities', measure: 'days', terms: [], delivered: 9, approved: 8, paidOre: 432_000 })),
    ];
    expect(sumPerProviderAndArea(rows)).toEqual([
      { providerId: 'p1', areaId: 'day-activities', measure: 'days', customers: 1, granted: 0, ordered: 0, delivered: 9, approved: 8, paidOre: 432_000, deliveredShare: null },
      { providerId: 'p1', areaId: 'home-care', measure: 'minutes', customers: 2, granted: 1200, ordered: 1200, delivered: 1050, approved: 990, paidOre: 495_000, deliveredShare: 0.875 },
      { providerId: 'p2', areaId: 'home-care', measure: 'minutes', customers: 1, granted: 600, ordered: 600, delivered: 0, approved: 0, paidOre: 0, deliveredShare: 0 },
    ]);
  });
});

describe('deviation alerts', () => {
  const rule = { minShare: 0.8, maxShare: 1.1, months: 2 };
  const months = monthsEndingAt('2026-03', 4);
  const history = (delivered: number[]): GrantedDeliveredRow[] => delivered.map((d, i) => grantedDelivered(facts({ month: months[i]!, delivered: d })));

  it('lists the months ending at a month across a year end', () => {
    expect(monthsEndingAt('2026-02', 3)).toEqual(['2025-12', '2026-01', '2026-02']);
  });

  it('raises under-delivery when two months running are below 80 % of what was ordered, with the run’s first month as its cause', () => {
    // 600 minutes ordered each month: 500 is 0.8333 (fine), 470 is 0.7833, 420 is 0.7.
    expect(deviationAlert(history([600, 500, 470, 420]), rule)).toEqual({ orderId: 'o1', customerId: 'c1', providerId: 'p1', areaId: 'home-care', kind: 'under-delivery', firstMonth: '2026-02', month: '2026-03', shares: [0.7833, 0.7] });
  });

  it('keeps the same cause while the run goes on, and a new one after a break', () => {
    expect(deviationAlert(history([400, 400, 400, 400]), rule)).toMatchObject({ kind: 'under-delivery', firstMonth: '2025-12' });
    expect(deviationAlert(history([400, 400, 600, 400]), rule)).toBeNull();
  });

  it('raises nothing for one month below, or exactly at the share', () => {
    expect(deviationAlert(history([600, 600, 600, 300]), rule)).toBeNull();
    expect(deviationAlert(history([600, 600, 480, 480]), rule)).toBeNull();
  });

  it('raises over-delivery when two months running exceed 110 % of what was ordered', () => {
    expect(deviationAlert(history([600, 600, 661, 700]), rule)).toMatchObject({ kind: 'over-delivery', firstMonth: '2026-02', shares: [1.1017, 1.1667] });
    expect(deviationAlert(history([600, 600, 660, 700]), rule)).toBeNull();
  });

  it('needs something ordered: an area without granted time raises nothing', () => {
    const days = months.map((m) => grantedDelivered(facts({ month: m, measure: 'days', terms: [], delivered: 0 })));
    expect(deviationAlert(days, rule)).toBeNull();
  });
});
