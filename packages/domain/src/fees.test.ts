import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeMonthlyFee, homeCareTariffOre, housingFeeCapOre, maxtaxaOre, minimumAmountOre, NACKA_HOME_CARE_TARIFF_ORE_PER_HOUR } from './fees.js';

describe('customer fees', () => {
  it.each([
    // year, maxtaxa, minimum single, minimum each of a couple (kronor, DOMAIN.md §3)
    [2024, 2_575, 7_062, 5_762],
    [2025, 2_642, 7_247, 5_912],
    [2026, 2_660, 7_296, 5_953],
  ])('derives the %i maxtaxa and minimum amounts from the price base amount', (year, maxtaxa, single, couple) => {
    expect(maxtaxaOre(year)).toBe(maxtaxa * 100);
    expect(minimumAmountOre(year, 'single')).toBe(single * 100);
    expect(minimumAmountOre(year, 'couple')).toBe(couple * 100);
  });

  it('derives the nursing-home housing cap from the price base amount', () => {
    // round(0.5539 × 58 800 / 12) = round(2 714.11) = 2 714
    expect(housingFeeCapOre(2025)).toBe(271_400);
  });

  it('takes later years’ price base amounts from configuration', () => {
    const config = { priceBaseAmountsOre: { '2027': 6_000_000 } };
    // round(0.5392 × 60 000 / 12) = 2 696
    expect(maxtaxaOre(2027, config)).toBe(269_600);
    expect(() => maxtaxaOre(2027)).toThrow(expect.objectContaining({ code: 'DOMAIN.PRICE_BASE_AMOUNT_UNKNOWN' }));
  });

  it('charges the worked example of 2025 the fee room, 2 253 kr', () => {
    const fee = computeMonthlyFee({
      month: '2025-05',
      charges: [{ areaId: 'home-care', tariffOre: homeCareTariffOre({ approvedMinutes: 600, tariffOrePerHour: 35_000 }) }],
      feeBasis: { netIncomeOre: 1_600_000, housingCostOre: 650_000, household: 'single' },
    });
    expect(fee).toMatchObject({ tariffOre: 350_000, maxtaxaOre: 264_200, minimumAmountOre: 724_700, feeRoomOre: 225_300, feeOre: 225_300, appliedCap: 'fee-room' });
    expect(fee.explanation.en).toContain('2 253 kr');
  });

  it.each([
    ['the tariff when it is lowest', 100_000, { netIncomeOre: 3_000_000, housingCostOre: 500_000, household: 'single' as const }, 100_000, 'tariff'],
    ['the maxtaxa when the tariff is higher', 400_000, { netIncomeOre: 3_000_000, housingCostOre: 500_000, household: 'single' as const }, 264_200, 'maxtaxa'],
    ['nothing when income does not cover housing and the minimum amount', 400_000, { netIncomeOre: 1_000_000, housingCostOre: 500_000, household: 'single' as const }, 0, 'fee-room'],
    ['a couple member the lower minimum amount', 400_000, { netIncomeOre: 1_400_000, housingCostOre: 650_000, household: 'couple' as const }, 158_800, 'fee-room'],
    ['less when the minimum amount is raised', 400_000, { netIncomeOre: 1_600_000, housingCostOre: 650_000, household: 'single' as const, minimumAmountRaiseOre: 50_000 }, 175_300, 'fee-room'],
    ['the tariff capped by maxtaxa without a declared income', 400_000, null, 264_200, 'maxtaxa'],
    ['the tariff without a declared income when it is lower', 50_000, null, 50_000, 'tariff'],
  ])('charges %s', (_name, tariffOre, feeBasis, feeOre, appliedCap) => {
    const fee = computeMonthlyFee({ month: '2025-06', charges: [{ areaId: 'home-care', tariffOre }], feeBasis });
    expect(fee.feeOre).toBe(feeOre);
    expect(fee.appliedCap).toBe(appliedCap);
  });

  it('applies one maxtaxa to home care and day activities together', () => {
    const fee = computeMonthlyFee({
      month: '2025-06',
      charges: [
        { areaId: 'home-care', tariffOre: 200_000 },
        { areaId: 'day-activities', tariffOre: 8 * NACKA_HOME_CARE_TARIFF_ORE_PER_HOUR },
      ],
      feeBasis: null,
    });
    expect(fee.tariffOre).toBe(449_600);
    expect(fee.feeOre).toBe(264_200);
    expect(fee.appliedCap).toBe('maxtaxa');
    expect(fee.perArea.reduce((a, p) => a + p.feeOre, 0)).toBe(264_200);
    expect(fee.perArea.map((p) => p.feeOre)).toEqual([117_500, 146_700]);
  });

  it('rounds a tariff to whole kronor without exceeding it', () => {
    // 7 minutes at 312 SEK/h = 36.40 kr → 36 kr
    expect(computeMonthlyFee({ month: '2025-06', charges: [{ areaId: 'home-care', tariffOre: homeCareTariffOre({ approvedMinutes: 7, tariffOrePerHour: 31_200 }) }], feeBasis: null }).feeOre).toBe(3_600);
    // a fee room of 1 000.60 kr stays 1 000 kr: the minimum amount is protected
    const fee = computeMonthlyFee({ month: '2025-06', charges: [{ areaId: 'home-care', tariffOre: 200_000 }], feeBasis: { netIncomeOre: 1_824_760, housingCostOre: 1_000_000, household: 'single' } });
    expect(fee.feeRoomOre).toBe(100_060);
    expect(fee.feeOre).toBe(100_000);
  });

  it('computes the home-care tariff from approved minutes, rounded half up to öre', () => {
    expect(homeCareTariffOre({ approvedMinutes: 600, tariffOrePerHour: 35_000 })).toBe(350_000);
    expect(homeCareTariffOre({ approvedMinutes: 1, tariffOrePerHour: 31_230 })).toBe(521); // 520.5 → 521
    expect(() => homeCareTariffOre({ approvedMinutes: -1, tariffOrePerHour: 31_200 })).toThrow(expect.objectContaining({ code: 'DOMAIN.INVALID_FEE_INPUT' }));
  });

  it.each([
    ['a negative tariff', { month: '2025-06', charges: [{ areaId: 'home-care', tariffOre: -1 }], feeBasis: null }],
    ['a tariff in fractions of öre', { month: '2025-06', charges: [{ areaId: 'home-care', tariffOre: 1.5 }], feeBasis: null }],
    ['a bad month', { month: '2025-13', charges: [], feeBasis: null }],
    ['an unknown household', { month: '2025-06', charges: [], feeBasis: { netIncomeOre: 1, housingCostOre: 1, household: 'family' } }],
  ])('refuses %s with DOMAIN.INVALID_FEE_INPUT', (_name, input) => {
    expect(() => computeMonthlyFee(input as never)).toThrow(expect.objectContaining({ code: 'DOMAIN.INVALID_FEE_INPUT' }));
  });

  it('never charges more than the tariff, the maxtaxa or the fee room, nor less than zero (property)', () => {
    const ore = fc.integer({ min: 0, max: 10_000_000 });
    fc.assert(
      fc.property(
        fc.constantFrom('2024-01', '2025-07', '2026-12'),
        fc.array(fc.record({ areaId: fc.constantFrom('home-care', 'day-activities', 'home-health-care'), tariffOre: fc.integer({ min: 0, max: 1_000_000 }) }), { maxLength: 4 }),
        fc.option(fc.record({ netIncomeOre: ore, housingCostOre: ore, household: fc.constantFrom('single' as const, 'couple' as const), minimumAmountRaiseOre: fc.option(ore, { nil: undefined }) }), { nil: null }),
        (month, charges, feeBasis) => {
          const fee = computeMonthlyFee({ month, charges, feeBasis });
          const tariff = charges.reduce((a, c) => a + c.tariffOre, 0);
          expect(fee.tariffOre).toBe(tariff);
          expect(fee.feeOre).toBeGreaterThanOrEqual(0);
          expect(fee.feeOre % 100).toBe(0);
          expect(fee.feeOre).toBeLessThanOrEqual(tariff);
          expect(fee.feeOre).toBeLessThanOrEqual(fee.maxtaxaOre);
          if (feeBasis) expect(fee.feeOre).toBeLessThanOrEqual(fee.feeRoomOre as number);
          else expect(fee.feeRoomOre).toBeNull();
          const bound = Math.min(tariff, fee.maxtaxaOre, fee.feeRoomOre ?? Infinity);
          expect(bound - fee.feeOre).toBeLessThan(100);
          expect(fee.perArea.reduce((a, p) => a + p.feeOre, 0)).toBe(fee.feeOre);
        },
      ),
      { numRuns: 500 },
    );
  });
});
