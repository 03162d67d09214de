import { z } from 'zod';
import { DomainError, parseWith } from './errors.js';
import { IsoMonth } from './calendar-date.js';
import { ORE_PER_KRONA, assertOre, divideRoundHalfUp, multiplySafe, sumOre } from './money.js';

/**
 * Price base amounts (sv. prisbasbelopp) in öre, set yearly by the government under
 * Socialförsäkringsbalken 2 kap. 6–7 §§ (DOMAIN.md §3). Later years come in as {@link FeeConfig}.
 */
export const PRICE_BASE_AMOUNTS_ORE: Readonly<Record<number, number>> = Object.freeze({
  2024: 5_730_000,
  2025: 5_880_000,
  2026: 5_920_000,
});

/** Maxtaxa factor 0.5392 in ten-thousandths (Socialtjänstlagen 2001:453, 8 kap. 5 §). */
export const MAXTAXA_FACTOR_E4 = 5392;
/** Minimum amount factors in ten-thousandths: 1.4789 single, 1.2066 each of a couple (SoL 8 kap.; DOMAIN.md §3). */
export const MINIMUM_AMOUNT_FACTORS_E4 = Object.freeze({ single: 14_789, couple: 12_066 });
/** Housing fee cap factor for nursing homes 0.5539 in ten-thousandths (SoL 8 kap.; DOMAIN.md §3). */
export const HOUSING_FEE_CAP_FACTOR_E4 = 5539;
/** Nacka's 2024 home-care fee, 312 SEK per hour (DOMAIN.md §3; the demo default tariff). */
export const NACKA_HOME_CARE_TARIFF_ORE_PER_HOUR = 31_200;

const Ore = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Fee configuration of a municipality: price base amounts for later years and, if the law changes, the factors. */
export const FeeConfig = z.object({
  /** Extra or overriding price base amounts in öre by year (`{ 2027: 6_000_000 }`). */
  priceBaseAmountsOre: z.record(z.string().regex(/^\d{4}$/), Ore).optional(),
  maxtaxaFactorE4: z.number().int().positive().optional(),
  minimumAmountFactorsE4: z.object({ single: z.number().int().positive(), couple: z.number().int().positive() }).optional(),
  housingFeeCapFactorE4: z.number().int().positive().optional(),
});
/** Fee configuration of a municipality. */
export type FeeConfig = z.infer<typeof FeeConfig>;

/** Single person or one of a couple (the minimum amount differs, SoL 8 kap.). */
export const Household = z.enum(['single', 'couple']);
/** Single person or one of a couple. */
export type Household = z.infer<typeof Household>;

/** What the customer declared for the fee room (sv. avgiftsunderlag), per month, in öre. */
export const FeeBasis = z.object({
  netIncomeOre: Ore,
  housingCostOre: Ore,
  household: Household,
  /** A municipality may raise the minimum amount for a lasting extra need (SoL 8 kap.). */
  minimumAmountRaiseOre: Ore.optional(),
});
/** What the customer declared for the fee room. */
export type FeeBasis = z.infer<typeof FeeBasis>;

/** One area's tariff for the month (e.g. home-care hours × hourly fee; attendance days × day fee). */
export const FeeCharge = z.object({ areaId: z.string().min(1), tariffOre: Ore });
/** One area's tariff for the month. */
export type FeeCharge = z.infer<typeof FeeCharge>;

/** Input of {@link computeMonthlyFee}. */
export const MonthlyFeeInput = z.object({
  month: IsoMonth,
  /** Charges of every area under the shared maxtaxa (home care, day activities, home health care). */
  charges: z.array(FeeCharge),
  /** `null` when the customer declared no income: the fee is then the tariff capped by maxtaxa. */
  feeBasis: FeeBasis.nullable(),
  config: FeeConfig.optional(),
});
/** Input of {@link computeMonthlyFee}. */
export type MonthlyFeeInput = z.infer<typeof MonthlyFeeInput>;

/** Which bound the fee came from. */
export type AppliedCap = 'tariff' | 'maxtaxa' | 'fee-room';

/** The customer's fee for a month, with the numbers that explain it. */
export type MonthlyFee = {
  month: string;
  /** Sum of the charges' tariffs. */
  tariffOre: number;
  maxtaxaOre: number;
  /** Minimum amount used (incl. any raise), or `null` without a fee basis. */
  minimumAmountOre: number | null;
  /** Income − housing − minimum amount, never below 0; `null` without a fee basis. */
  feeRoomOre: number | null;
  /** The fee in öre, whole kronor. */
  feeOre: number;
  appliedCap: AppliedCap;
  /** The fee split over the charges in proportion to their tariffs, whole kronor, summing to `feeOre`. */
  perArea: { areaId: string; tariffOre: number; feeOre: number }[];
  /** Human-readable reason, Swedish and English. */
  explanation: { sv: string; en: string };
};

function yearOfMonth(month: string): number {
  return Number(month.slice(0, 4));
}

/**
 * The price base amount of a year in öre: built in for 2024–2026, later (or corrected) years from
 * `config.priceBaseAmountsOre`; otherwise `DOMAIN.PRICE_BASE_AMOUNT_UNKNOWN`.
 */
export function priceBaseAmountOre(year: number, config?: FeeConfig): number {
  const configured = config?.priceBaseAmountsOre?.[String(year)];
  const amount = configured ?? PRICE_BASE_AMOUNTS_ORE[year];
  if (amount === undefined) {
    throw new DomainError('DOMAIN.PRICE_BASE_AMOUNT_UNKNOWN', `No price base amount is known for ${year}; add it to the fee configuration.`, { year });
  }
  assertOre(amount, 'price base amount');
  return amount;
}

/** round(factor × price base amount / 12) to whole kronor, in öre, with exact integer arithmetic. */
function twelfthOfFactor(year: number, factorE4: number, config?: FeeConfig): number {
  const pbb = priceBaseAmountOre(year, config);
  return divideRoundHalfUp(multiplySafe(pbb, factorE4), 12 * 10_000 * ORE_PER_KRONA) * ORE_PER_KRONA;
}

/**
 * The monthly maxtaxa in öre: round(0.5392 × price base amount / 12) to whole kronor
 * (Socialtjänstlagen 2001:453, 8 kap. 5 §).
 *
 * @example maxtaxaOre(2025) // 264_200
 */
export function maxtaxaOre(year: number, config?: FeeConfig): number {
  return twelfthOfFactor(year, config?.maxtaxaFactorE4 ?? MAXTAXA_FACTOR_E4, config);
}

/**
 * The monthly minimum amount (sv. minimibelopp) in öre: round(1.4789 × price base amount / 12)
 * single, round(1.2066 × … / 12) for each of a couple (Socialtjänstlagen 2001:453, 8 kap.).
 *
 * @example minimumAmountOre(2025, 'single') // 724_700
 */
export function minimumAmountOre(year: number, household: Household, config?: FeeConfig): number {
  const factors = config?.minimumAmountFactorsE4 ?? MINIMUM_AMOUNT_FACTORS_E4;
  return twelfthOfFactor(year, factors[household], config);
}

/** The nursing-home housing fee cap in öre: round(0.5539 × price base amount / 12) (SoL 8 kap.; DOMAIN.md §3). */
export function housingFeeCapOre(year: number, config?: FeeConfig): number {
  return twelfthOfFactor(year, config?.housingFeeCapFactorE4 ?? HOUSING_FEE_CAP_FACTOR_E4, config);
}

/**
 * Home-care tariff for a month: approved minutes × the hourly fee / 60, rounded half up to whole
 * öre (DOMAIN.md §3, tariff; the hourly fee is the municipality's configuration).
 *
 * @example homeCareTariffOre({ approvedMinutes: 600, tariffOrePerHour: 35_000 }) // 350_000
 */
export function homeCareTariffOre(input: { approvedMinutes: number; tariffOrePerHour: number }): number {
  const { approvedMinutes, tariffOrePerHour } = input;
  if (!Number.isSafeInteger(approvedMinutes) || approvedMinutes < 0) {
    throw new DomainError('DOMAIN.INVALID_FEE_INPUT', 'approvedMinutes must be a non-negative integer.', { approvedMinutes });
  }
  if (!Number.isSafeInteger(tariffOrePerHour) || tariffOrePerHour < 0) {
    throw new DomainError('DOMAIN.INVALID_FEE_INPUT', 'tariffOrePerHour must be a non-negative integer (öre).', { tariffOrePerHour });
  }
  return divideRoundHalfUp(multiplySafe(approvedMinutes, tariffOrePerHour), 60);
}

/** Fee room: net income − housing cost − minimum amount (incl. raise), never below 0 (SoL 8 kap.; DOMAIN.md §3). */
export function feeRoomOre(basis: FeeBasis, year: number, config?: FeeConfig): { feeRoomOre: number; minimumAmountOre: number } {
  const parsed = parseWith(FeeBasis, basis, 'DOMAIN.INVALID_FEE_INPUT', 'fee basis');
  const minimum = minimumAmountOre(year, parsed.household, config) + (parsed.minimumAmountRaiseOre ?? 0);
  return { feeRoomOre: Math.max(0, parsed.netIncomeOre - parsed.housingCostOre - minimum), minimumAmountOre: minimum };
}

function kronor(ore: number): string {
  const whole = Math.floor(ore / 100);
  const rest = ore % 100;
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return rest === 0 ? `${grouped} kr` : `${grouped},${String(rest).padStart(2, '0')} kr`;
}

/** Splits `total` (whole kronor, öre) over weights by largest remainder, whole kronor each, summing exactly. */
function allocate(totalOre: number, weights: readonly number[]): number[] {
  const kr = totalOre / ORE_PER_KRONA;
  const sum = sumOre(weights);
  if (sum === 0) return weights.map((_, i) => (i === 0 ? totalOre : 0));
  const shares = weights.map((w) => {
    const product = multiplySafe(kr, w);
    return { floor: Math.floor(product / sum), remainder: product % sum };
  });
  let left = kr - shares.reduce((a, s) => a + s.floor, 0);
  const order = shares.map((s, i) => ({ i, r: s.remainder })).sort((a, b) => b.r - a.r || a.i - b.i);
  const result = shares.map((s) => s.floor);
  for (const { i } of order) {
    if (left === 0) break;
    result[i] = (result[i] as number) + 1;
    left--;
  }
  return result.map((k) => k * ORE_PER_KRONA);
}

/**
 * A customer's fee for a month across all areas under the shared cap: min(tariff, maxtaxa, fee
 * room) in whole kronor (Socialtjänstlagen 2001:453, 8 kap.; DOMAIN.md §3). One maxtaxa covers
 * home care and day activities together, so pass every such area's charge in one call.
 *
 * Rounding: DOMAIN.md says "rounded half up to whole kronor"; the law says the fee may not exceed
 * the maxtaxa nor eat into the minimum amount, and a fee above the tariff would charge for more
 * than was delivered. Half-up rounding is therefore applied only where it stays within every bound;
 * otherwise the öre below the krona are dropped. Whole-kronor bounds (maxtaxa always, and every
 * example in DOMAIN.md) are unaffected.
 *
 * @example
 * ```ts
 * computeMonthlyFee({ month: '2025-05', charges: [{ areaId: 'home-care', tariffOre: 350_000 }],
 *   feeBasis: { netIncomeOre: 1_600_000, housingCostOre: 650_000, household: 'single' } })
 * // { feeOre: 225_300, appliedCap: 'fee-room', maxtaxaOre: 264_200, feeRoomOre: 225_300, … }
 * ```
 */
export function computeMonthlyFee(input: MonthlyFeeInput): MonthlyFee {
  const parsed = parseWith(MonthlyFeeInput, input, 'DOMAIN.INVALID_FEE_INPUT', 'monthly fee input');
  const year = yearOfMonth(parsed.month);
  const config = parsed.config;
  const tariff = sumOre(parsed.charges.map((c) => c.tariffOre));
  const maxtaxa = maxtaxaOre(year, config);
  const room = parsed.feeBasis === null ? null : feeRoomOre(parsed.feeBasis, year, config);

  let bound = tariff;
  let appliedCap: AppliedCap = 'tariff';
  if (maxtaxa < bound) {
    bound = maxtaxa;
    appliedCap = 'maxtaxa';
  }
  if (room !== null && room.feeRoomOre < bound) {
    bound = room.feeRoomOre;
    appliedCap = 'fee-room';
  }
  const rounded = divideRoundHalfUp(bound, ORE_PER_KRONA) * ORE_PER_KRONA;
  const feeOre = rounded > bound ? rounded - ORE_PER_KRONA : rounded;

  const perAreaFees = allocate(feeOre, parsed.charges.map((c) => c.tariffOre));
  const perArea = parsed.charges.map((c, i) => ({ areaId: c.areaId, tariffOre: c.tariffOre, feeOre: perAreaFees[i] as number }));

  const explanation =
    appliedCap === 'tariff'
      ? { sv: `Avgiften är taxan ${kronor(feeOre)}; den ryms under maxtaxan ${kronor(maxtaxa)}${room ? ` och avgiftsutrymmet ${kronor(room.feeRoomOre)}` : ''}.`, en: `The fee is the tariff, ${kronor(feeOre)}; it is within the maxtaxa ${kronor(maxtaxa)}${room ? ` and the fee room ${kronor(room.feeRoomOre)}` : ''}.` }
      : appliedCap === 'maxtaxa'
        ? { sv: `Taxan ${kronor(tariff)} överstiger maxtaxan; avgiften begränsas till maxtaxan ${kronor(feeOre)}.`, en: `The tariff ${kronor(tariff)} exceeds the maxtaxa; the fee is capped at the maxtaxa, ${kronor(feeOre)}.` }
        : { sv: `Avgiftsutrymmet (${kronor(parsed.feeBasis?.netIncomeOre ?? 0)} − boende ${kronor(parsed.feeBasis?.housingCostOre ?? 0)} − minimibelopp ${kronor(room?.minimumAmountOre ?? 0)}) begränsar avgiften till ${kronor(feeOre)}.`, en: `The fee room (income ${kronor(parsed.feeBasis?.netIncomeOre ?? 0)} − housing ${kronor(parsed.feeBasis?.housingCostOre ?? 0)} − minimum amount ${kronor(room?.minimumAmountOre ?? 0)}) caps the fee at ${kronor(feeOre)}.` };

  return {
    month: parsed.month,
    tariffOre: tariff,
    maxtaxaOre: maxtaxa,
    minimumAmountOre: room?.minimumAmountOre ?? null,
    feeRoomOre: room?.feeRoomOre ?? null,
    feeOre,
    appliedCap,
    perArea,
    explanation,
  };
}
