import { describe, expect, it } from 'vitest';
import { nursingHomeLevel, nursingHomeStatement, occupancyDays, type Placement } from './nursing-home.js';
import { NURSING_HOME } from './areas/nursing-home.js';
import { HOME_CARE } from './areas/home-care.js';
import { housingFeeCapOre } from './fees.js';

describe('nursing home', () => {
  it.each([
    [3, '1'], [5, '1'], [6, '2'], [8, '2'], [9, '3'], [11, '3'], [12, '4'], [14, '4'],
    [15, '5'], [17, '5'], [18, '6'], [20, '6'], [21, '7'], [22, '7'], [23, '8'], [24, '8'],
  ])('maps %i care-need points to level %s', (points, level) => {
    expect(nursingHomeLevel(points)).toBe(level);
  });

  it.each([2, 25, 0, 12.5])('refuses %s care-need points with DOMAIN.CARE_NEED_POINTS_OUT_OF_RANGE', (points) => {
    expect(() => nursingHomeLevel(points)).toThrow(expect.objectContaining({ code: 'DOMAIN.CARE_NEED_POINTS_OUT_OF_RANGE' }));
  });

  it('follows a configured mapping instead of the demo one', () => {
    const area = { ...NURSING_HOME, levels: NURSING_HOME.levels.map((l) => ({ ...l, careNeedPoints: { min: l.careNeedPoints!.min + 1, max: l.careNeedPoints!.max + 1 } })) };
    expect(nursingHomeLevel(6, area)).toBe('1');
    expect(() => nursingHomeLevel(6, HOME_CARE)).toThrow(expect.objectContaining({ code: 'DOMAIN.AREA_DELIVERY_UNIT_MISMATCH' }));
  });

  it.each([
    ['a whole month', '2025-02', '2024-06-01', null, 28],
    ['move-in day inclusive', '2025-03', '2025-03-10', null, 22],
    ['move-out day exclusive', '2025-03', '2025-01-01', '2025-03-10', 9],
    ['both in the month', '2025-03', '2025-03-10', '2025-03-20', 10],
    ['a move-out on the 1st of the next month', '2025-03', '2025-03-30', '2025-04-01', 2],
    ['a stay in another month', '2025-03', '2025-04-02', null, 0],
    ['move-in and move-out the same day', '2025-03', '2025-03-05', '2025-03-05', 0],
    ['a leap-year February', '2024-02', '2024-01-01', null, 29],
  ])('counts occupancy days: %s', (_name, month, moveIn, moveOut, days) => {
    expect(occupancyDays({ month, moveIn, moveOut }).days).toBe(days);
  });

  it('keeps a place occupied and paid during a hospital stay', () => {
    const occupancy = occupancyDays({ month: '2025-03', moveIn: '2025-01-01', moveOut: null, hospitalStays: [{ from: '2025-03-05', to: '2025-03-12' }] });
    expect(occupancy.days).toBe(31);
    expect(occupancy.hospitalDays).toBe(7);
  });

  it('refuses a move-out before the move-in with DOMAIN.PLACEMENT_ENDS_BEFORE_START', () => {
    expect(() => occupancyDays({ month: '2025-03', moveIn: '2025-03-10', moveOut: '2025-03-09' })).toThrow(
      expect.objectContaining({ code: 'DOMAIN.PLACEMENT_ENDS_BEFORE_START' }),
    );
  });

  const placement = (over: Partial<Placement>): Placement => ({ placementId: 'pl1', customerId: 'c1', moveIn: '2025-01-01', moveOut: null, careNeedPoints: 13, ...over });

  it('pays the daily voucher of the level for every occupied day', () => {
    const statement = nursingHomeStatement({
      providerId: 'home-1',
      providerKind: 'private',
      month: '2025-03',
      placements: [
        placement({ hospitalStays: [{ from: '2025-03-05', to: null }] }),
        placement({ placementId: 'pl2', customerId: 'c2', moveIn: '2025-03-20', careNeedPoints: 23 }),
      ],
    });
    // level 4 private 2 226 kr × 31 days; level 8 private 3 244 kr × 12 days
    expect(statement.lines).toEqual([
      { level: '4', orePerUnit: 222_600, units: 31, amountOre: 6_900_600 },
      { level: '8', orePerUnit: 324_400, units: 12, amountOre: 3_892_800 },
    ]);
    expect(statement.totalOre).toBe(10_793_400);
    expect(statement.placements).toEqual([
      { placementId: 'pl1', customerId: 'c1', level: '4', days: 31, hospitalDays: 27 },
      { placementId: 'pl2', customerId: 'c2', level: '8', days: 12, hospitalDays: 0 },
    ]);
  });

  it('pays a changed care need from the day of the new placement record', () => {
    const statement = nursingHomeStatement({
      providerId: 'home-1',
      providerKind: 'municipal',
      month: '2025-03',
      placements: [placement({ moveOut: '2025-03-16', careNeedPoints: 4 }), placement({ placementId: 'pl2', moveIn: '2025-03-16', careNeedPoints: 10 })],
    });
    expect(statement.lines.map((l) => [l.level, l.units])).toEqual([['1', 15], ['3', 16]]);
  });

  it('refuses overlapping placements of one resident with DOMAIN.PLACEMENT_OVERLAP', () => {
    expect(() =>
      nursingHomeStatement({ providerId: 'h', providerKind: 'municipal', month: '2025-03', placements: [placement({}), placement({ placementId: 'pl2', moveIn: '2025-03-10' })] }),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN.PLACEMENT_OVERLAP' }));
  });

  it('refuses a malformed placement with DOMAIN.INVALID_PLACEMENT', () => {
    expect(() =>
      nursingHomeStatement({ providerId: 'h', providerKind: 'municipal', month: '2025-03', placements: [placement({ moveIn: '2025-02-30' })] }),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN.INVALID_PLACEMENT' }));
  });

  it('caps a housing fee at round(0.5539 × price base amount / 12)', () => {
    // 2024: 0.5539 × 57 300 / 12 = 2 644.87 → 2 645
    expect(housingFeeCapOre(2024)).toBe(264_500);
  });
});
