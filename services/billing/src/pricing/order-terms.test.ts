import { describe, expect, it } from 'vitest';
import { AppError } from '@kundval/platform';
import { unitArea } from '../areas.js';
import { LevelTimeline } from './order-terms.js';
import { priceOrderDays, type DayForPricing } from './order-pricing.js';

const order = {
  order_id: '00000000-0000-4000-8000-0000000000a1',
  customer_id: '00000000-0000-4000-8000-0000000000a2',
  provider_id: 'niva-hemmet',
  provider_kind: 'municipal' as const,
  municipality: 'nacka',
  area_id: 'nursing-home',
};

const at = (date: string) => new Date(`${date}T12:00:00Z`);

/** Approved days of `month`, from `from` to `to` inclusive. */
function days(month: string, from: number, to: number): DayForPricing[] {
  return Array.from({ length: to - from + 1 }, (_, i) => {
    const date = `${month}-${String(from + i).padStart(2, '0')}`;
    return { id: `d-${date}`, date, status: 'approved' as const };
  });
}

describe('the level in force on each day', () => {
  it('is the placed level before the first amendment, then each amendment’s from its effective date, whatever order they arrived in', () => {
    const levels = new LevelTimeline(2, [
      { effective_from: '2025-09-01', level: 6, occurred_at: at('2025-08-20') },
      { effective_from: '2025-04-16', level: 5, occurred_at: at('2025-04-10') },
    ]);
    expect(['2025-01-01', '2025-04-15', '2025-04-16', '2025-08-31', '2025-09-01', '2030-01-01'].map((d) => levels.levelOn(d))).toEqual([2, 2, 5, 5, 6, 6]);
    expect(new LevelTimeline(3, []).levelOn('2025-04-16')).toBe(3);
  });

  it('lets an amendment made later from an earlier day replace those from its day on, as the decision now stands', () => {
    const levels = new LevelTimeline(2, [
      { effective_from: '2025-04-16', level: 6, occurred_at: at('2025-04-10') },
      // Re-assessed again: level 4 from 1 April, made after the level-6 change.
      { effective_from: '2025-04-01', level: 4, occurred_at: at('2025-04-20') },
    ]);
    expect(['2025-03-31', '2025-04-01', '2025-04-16', '2025-12-31'].map((d) => levels.levelOn(d))).toEqual([2, 4, 4, 4]);
  });

  it('prices an occupied month an amendment splits at both levels, each for its own days (exact öre)', () => {
    const area = unitArea('nursing-home')!;
    const priced = priceOrderDays(area, area.rateTables, order, '2025-04', days('2025-04', 1, 30), new LevelTimeline(2, [{ effective_from: '2025-04-16', level: 5, occurred_at: at('2025-04-10') }]));
    // 1–15 April at level 2's 1 620 kr, 16–30 April at level 5's 2 340 kr (municipal demo vouchers).
    expect(priced.lines).toEqual([
      { areaId: 'nursing-home', level: '2', orePerUnit: 162_000, units: 15 },
      { areaId: 'nursing-home', level: '5', orePerUnit: 234_000, units: 15 },
    ]);
    expect(priced.excluded).toEqual([]);
  });

  it('refuses a day at no level (an amendment that drops it) rather than pay it at an old one', () => {
    const area = unitArea('day-activities')!;
    const attempt = () => priceOrderDays(area, area.rateTables, { ...order, area_id: 'day-activities' }, '2025-04', days('2025-04', 14, 15), new LevelTimeline(1, [{ effective_from: '2025-04-15', level: null, occurred_at: at('2025-04-10') }]));
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow(/no voucher level on 2025-04-15/);
  });
});
