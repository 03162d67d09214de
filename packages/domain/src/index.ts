/**
 * The pure rules of Kundval, customer choice in welfare services: identity numbers, the Swedish
 * holiday calendar, time bands, rate tables, provider statements, customer fees, nursing-home and
 * day-activity vouchers, OCR references and voucher-area definitions.
 *
 * Safe to import from Temporal workflow code: no Node built-ins, no I/O, no clock, no random ids.
 * Money is integer öre; instants are ISO-8601 with offset; months `YYYY-MM`; dates `YYYY-MM-DD`.
 * Expected refusals are {@link DomainError}s with stable codes. See docs/domain.md.
 *
 * @packageDocumentation
 */
export { DOMAIN_ERROR_CODES, DomainError, isDomainError } from './errors.js';
export type { DomainErrorCode, Result } from './errors.js';

export { ORE_PER_KRONA, divideRoundHalfUp, roundToKronorHalfUp } from './money.js';

export {
  IsoDate,
  IsoMonth,
  addDays,
  daysBetween,
  isoWeekday,
  monthOf,
  nextMonth,
  previousMonth,
  firstDayOfMonth,
  lastDayOfMonth,
  monthsCovered,
  startOfDayMs,
  stockholmDate,
  stockholmMonth,
} from './calendar-date.js';

export { mayEndOrder, isAtCapacity, authorizationStep } from './order-rules.js';
export type { OrderEndReason, AuthorizationStatus, AuthorizationDecision } from './order-rules.js';

export { parseIdentityNumber, isValidIdentityNumber, identityCheckDigit } from './identity-number.js';
export type { IdentityNumber, ParseIdentityNumberOptions } from './identity-number.js';

export {
  HolidayEve,
  HOLIDAY_CALENDAR_FIRST_YEAR,
  HOLIDAY_CALENDAR_LAST_YEAR,
  easterSunday,
  swedishHolidays,
  isPublicHoliday,
  isPricingHoliday,
  isEveningBeforeHoliday,
} from './holidays.js';
export type { SwedishHoliday } from './holidays.js';

export {
  Weekday,
  DayCondition,
  TimeBandWindow,
  TimeBand,
  TimeBandConfig,
  NACKA_TIME_BANDS,
  validateTimeBandConfig,
  classifyInterval,
  classifyMinute,
} from './time-bands.js';
export type { BandSegment, BandClassification } from './time-bands.js';

export { VisitKind, ProviderKind, VisitStatus, DeliveredVisit, validateVisits } from './visits.js';
export type { CheckedVisit } from './visits.js';

export { HourlyRate, RateTable, NACKA_HOME_CARE_RATES, validateRateTables, effectiveDatedProblems, tableValidOn, hourlyRateIn } from './rate-tables.js';
export type { EffectiveDated } from './rate-tables.js';

export { priceProviderStatement, createStatementAccumulator } from './statement.js';
export type {
  ProviderStatementInput,
  ProviderStatement,
  StatementLine,
  ExcludedVisit,
  StatementVisit,
  StatementAccumulatorInput,
  StatementAccumulator,
} from './statement.js';

export {
  PRICE_BASE_AMOUNTS_ORE,
  MAXTAXA_FACTOR_E4,
  MINIMUM_AMOUNT_FACTORS_E4,
  HOUSING_FEE_CAP_FACTOR_E4,
  NACKA_HOME_CARE_TARIFF_ORE_PER_HOUR,
  FeeConfig,
  Household,
  FeeBasis,
  FeeCharge,
  MonthlyFeeInput,
  priceBaseAmountOre,
  maxtaxaOre,
  minimumAmountOre,
  housingFeeCapOre,
  homeCareTariffOre,
  feeRoomOre,
  computeMonthlyFee,
} from './fees.js';
export type { AppliedCap, MonthlyFee } from './fees.js';

export { createOcrReference, isValidOcrReference, luhnCheckDigit, OCR_MIN_LENGTH, OCR_MAX_LENGTH } from './ocr.js';

export {
  DeliveryUnit,
  DecisionKind,
  AuthorizationRequirement,
  VoucherLevel,
  UnitRate,
  UnitRateTable,
  FeeModel,
  CarePlanRequirement,
  MinutesAreaDefinition,
  UnitAreaDefinition,
  VoucherAreaDefinition,
  DELIVERY_ROUTES,
  FEE_KINDS_BY_UNIT,
  MAX_VOUCHER_LEVELS,
} from './voucher-areas.js';
export {
  createVoucherAreaRegistry,
  validateVoucherAreaDefinition,
  areaDefinitionProblems,
  levelIdForDecision,
  voucherAreaRegistry,
  BUILT_IN_AREAS,
} from './voucher-area-registry.js';
export type { VoucherAreaRegistry, AreaDefinitionProblem } from './voucher-area-registry.js';
export { HOME_CARE } from './areas/home-care.js';
export { NURSING_HOME } from './areas/nursing-home.js';
export { DAY_ACTIVITIES } from './areas/day-activities.js';
export { FAMILY_COUNSELLING } from './areas/family-counselling.js';
export { ADULT_EDUCATION } from './areas/adult-education.js';

export { UnitDelivery, priceUnitStatement, requireUnitArea } from './unit-statement.js';
export type { UnitStatementInput, UnitStatement, UnitStatementLine } from './unit-statement.js';
export { areaFeeCharge } from './area-fees.js';
export type { AreaFeeCharge } from './area-fees.js';
export { HospitalStay, Placement, nursingHomeLevel, occupancyDays, nursingHomeStatement } from './nursing-home.js';
export type { Occupancy, NursingHomeStatementInput, NursingHomeStatement } from './nursing-home.js';
export { Attendance, dayActivitiesStatement, dayActivityTariffOre } from './day-activities.js';
export type { DayActivitiesStatementInput } from './day-activities.js';
