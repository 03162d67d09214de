import { describe, expect, it } from 'vitest';
import { addDays, creditCause } from './fee-credits.js';
import { computeFee } from './fees.js';

const TARIFF = 31_200;
const home = (minutes: number) => ({ minutesByArea: new Map([['home-care', minutes]]), unitsByArea: new Map<string, number>() });
const prior = (fee: ReturnType<typeof computeFee>) => ({ fee_room_ore: fee.fee.feeRoomOre, tariff_ore: fee.tariffOre, approved_minutes: fee.approvedMinutes, attendance_days: fee.attendanceDays });

describe('why a fee is now lower than was charged', () => {
  const charged = computeFee('2025-03', home(180), undefined, TARIFF);

  it('is a smaller fee room when a fee basis now caps it', () => {
    // 15 747 kr − 8 000 kr − the 2025 minimum amount 7 247 kr: a fee room of 500 kr, below the tariff of 936 kr.
    const now = computeFee('2025-03', home(180), { net_income_ore: 1_574_700, housing_cost_ore: 800_000, household: 'single', minimum_amount_raise_ore: 0 }, TARIFF);
    expect([now.totalFeeOre, now.fee.appliedCap]).toEqual([50_000, 'fee-room']);
    expect(creditCause(prior(charged), now)).toBe('fee-room-lowered');
  });

  it('is fewer approved deliveries when the minutes went down', () => {
    const now = computeFee('2025-03', home(120), undefined, TARIFF);
    expect(now.totalFeeOre).toBe(62_400);
    expect(creditCause(prior(charged), now)).toBe('fewer-deliveries');
  });

  it('is the tariff when neither the fee room nor the deliveries explain it', () => {
    const now = computeFee('2025-03', home(180), undefined, 29_000);
    expect(now.totalFeeOre).toBe(87_000);
    expect(creditCause(prior(charged), now)).toBe('tariff-lowered');
  });
});

describe('calendar days for the payback rule', () => {
  it('counts back across a month and a leap day', () => {
    expect(addDays('2025-08-08', -90)).toBe('2025-05-10');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
});
