import { describe, expect, it } from 'vitest';
import { dayActivitiesStatement, dayActivityTariffOre, type Attendance } from './day-activities.js';
import { computeMonthlyFee, homeCareTariffOre } from './fees.js';
import { NURSING_HOME } from './areas/nursing-home.js';

const day = (id: string, date: string, level: string, over: Partial<Attendance> = {}): Attendance => ({
  attendanceId: id,
  customerId: 'c1',
  date,
  level,
  status: 'approved',
  ...over,
});

describe('day activities', () => {
  it.each([
    ['1', 'municipal', 65_000],
    ['2', 'municipal', 85_000],
    ['3', 'municipal', 110_000],
    ['1', 'private', 68_900],
    ['3', 'private', 116_600],
  ] as const)('pays level %s to a %s provider %i öre per attendance day', (level, providerKind, ore) => {
    const statement = dayActivitiesStatement({ providerId: 'dv', providerKind, month: '2025-03', attendance: [day('a1', '2025-03-03', level), day('a2', '2025-03-05', level)] });
    expect(statement.lines).toEqual([{ level, orePerUnit: ore, units: 2, amountOre: 2 * ore }]);
    expect(statement.unit).toBe('attendance-day');
  });

  it('excludes disputed and unapproved days and days of other months', () => {
    const statement = dayActivitiesStatement({
      providerId: 'dv',
      providerKind: 'municipal',
      month: '2025-03',
      attendance: [day('a1', '2025-03-03', '1'), day('a2', '2025-03-04', '1', { status: 'disputed' }), day('a3', '2025-03-05', '1', { status: 'reported' }), day('a4', '2025-04-01', '1')],
    });
    expect(statement.totalOre).toBe(65_000);
    expect(statement.excluded).toEqual([
      { deliveryId: 'a2', reason: 'disputed' },
      { deliveryId: 'a3', reason: 'not-approved' },
      { deliveryId: 'a4', reason: 'outside-month' },
    ]);
  });

  it.each([
    ['two attendances of one customer on one day', [day('a1', '2025-03-03', '1'), day('a2', '2025-03-03', '2')], 'DOMAIN.DUPLICATE_DAY_DELIVERY'],
    ['an unknown level', [day('a1', '2025-03-03', '4')], 'DOMAIN.UNKNOWN_LEVEL'],
    ['a repeated id', [day('a1', '2025-03-03', '1'), day('a1', '2025-03-04', '1')], 'DOMAIN.DUPLICATE_DELIVERY_ID'],
    ['a malformed date', [day('a1', '2025-03-32', '1')], 'DOMAIN.INVALID_DELIVERY'],
  ])('refuses %s', (_name, attendance, code) => {
    expect(() => dayActivitiesStatement({ providerId: 'dv', providerKind: 'municipal', month: '2025-03', attendance })).toThrow(expect.objectContaining({ code }));
  });

  it('refuses an area that is not paid per attendance day', () => {
    expect(() => dayActivitiesStatement({ providerId: 'dv', providerKind: 'municipal', month: '2025-03', attendance: [], area: NURSING_HOME })).toThrow(
      expect.objectContaining({ code: 'DOMAIN.AREA_DELIVERY_UNIT_MISMATCH' }),
    );
  });

  it('charges a day fee equal to the home-care hourly fee by default', () => {
    expect(dayActivityTariffOre({ attendanceDays: 8 })).toBe(249_600);
    expect(dayActivityTariffOre({ attendanceDays: 8, feePerDayOre: 10_000 })).toBe(80_000);
    expect(() => dayActivityTariffOre({ attendanceDays: -1 })).toThrow(expect.objectContaining({ code: 'DOMAIN.INVALID_FEE_INPUT' }));
  });

  it('puts the day fee under the same maxtaxa as home care', () => {
    const homeCare = homeCareTariffOre({ approvedMinutes: 6 * 60, tariffOrePerHour: 31_200 });
    const fee = computeMonthlyFee({
      month: '2025-03',
      charges: [
        { areaId: 'home-care', tariffOre: homeCare },
        { areaId: 'day-activities', tariffOre: dayActivityTariffOre({ attendanceDays: 4 }) },
      ],
      feeBasis: { netIncomeOre: 3_000_000, housingCostOre: 700_000, household: 'single' },
    });
    // 1 872 + 1 248 = 3 120 kr > maxtaxa 2 642 kr
    expect(fee.tariffOre).toBe(312_000);
    expect(fee.feeOre).toBe(264_200);
    expect(fee.appliedCap).toBe('maxtaxa');
  });
});
