import { z } from 'zod';
import { IsoDate } from './calendar-date.js';
import { RateTable } from './rate-tables.js';
import { TimeBandConfig } from './time-bands.js';
import { ProviderKind } from './visits.js';

const Ore = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** How delivery is counted and paid: minutes priced by time band, or whole units (DESIGN.md §3). */
export const DeliveryUnit = z.enum(['minutes-by-band', 'occupancy-day', 'attendance-day', 'session']);
/** How delivery is counted and paid. */
export type DeliveryUnit = z.infer<typeof DeliveryUnit>;

/** Full needs assessment, or a simplified decision where everyone who asks gets it (DOMAIN.md §5). */
export const DecisionKind = z.enum(['full', 'simplified']);
/** Full or simplified decision. */
export type DecisionKind = z.infer<typeof DecisionKind>;

/** What a provider must show to be authorized in an area (Lag 2008:962 om valfrihetssystem; DOMAIN.md §8). */
export const AuthorizationRequirement = z.enum([
  'registered-company',
  'f-skatt',
  'liability-insurance',
  'experience',
  'quality-system',
  'state-permit',
]);
/** One authorization requirement. */
export type AuthorizationRequirement = z.infer<typeof AuthorizationRequirement>;

/** A voucher level; `careNeedPoints` maps assessed points to it (nursing home, DOMAIN.md §4). */
export const VoucherLevel = z.object({
  id: z.string().min(1),
  nameSv: z.string().min(1),
  nameEn: z.string().min(1),
  careNeedPoints: z
    .object({ min: z.number().int(), max: z.number().int() })
    .refine((p) => p.min <= p.max, 'min must not exceed max')
    .optional(),
});
/** A voucher level. */
export type VoucherLevel = z.infer<typeof VoucherLevel>;

/** The voucher per unit (day, session) for a level and provider kind, in öre. */
export const UnitRate = z.object({ level: z.string().min(1), providerKind: ProviderKind, orePerUnit: Ore });
/** The voucher per unit for a level and provider kind. */
export type UnitRate = z.infer<typeof UnitRate>;

/** A per-unit rate table, valid from `validFrom` (inclusive) to `validTo` (exclusive, `null` open-ended). */
export const UnitRateTable = z
  .object({
    id: z.string().min(1),
    municipality: z.string().min(1),
    areaId: z.string().min(1),
    validFrom: IsoDate,
    validTo: IsoDate.nullable(),
    rates: z.array(UnitRate).min(1),
  })
  .refine((t) => t.validTo === null || t.validTo > t.validFrom, { message: 'validTo must be after validFrom', path: ['validTo'] });
/** A per-unit rate table. */
export type UnitRateTable = z.infer<typeof UnitRateTable>;

/** What the customer pays for an area (municipality's configuration under SoL 8 kap.). */
export const FeeModel = z.discriminatedUnion('kind', [
  /** Hourly fee × approved hours (home care). */
  z.object({ kind: z.literal('hourly-tariff'), tariffOrePerHour: Ore, sharedMaxtaxa: z.boolean() }),
  /** A fee per delivered unit (attendance day, session). */
  z.object({ kind: z.literal('per-unit'), orePerUnit: Ore, sharedMaxtaxa: z.boolean(), paidToProvider: z.array(z.string().min(1)) }),
  /** Nothing to the municipality; the customer pays these items directly to the provider (rent, food). */
  z.object({ kind: z.literal('paid-to-provider'), paidToProvider: z.array(z.string().min(1)).min(1) }),
  /** No fee. */
  z.object({ kind: z.literal('none') }),
]);
/** What the customer pays for an area. */
export type FeeModel = z.infer<typeof FeeModel>;

/** Whether the provider and customer must agree a care plan (sv. genomförandeplan), and within how many days of the order. */
export const CarePlanRequirement = z
  .object({ required: z.boolean(), deadlineDays: z.number().int().positive().nullable() })
  .refine((c) => c.required === (c.deadlineDays !== null), 'a required care plan has a deadline, an optional one has none');
/** Care-plan requirement. */
export type CarePlanRequirement = z.infer<typeof CarePlanRequirement>;

const common = {
  /** Stable kebab-case id, e.g. `home-care`. */
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'area ids are kebab-case'),
  nameSv: z.string().min(1),
  nameEn: z.string().min(1),
  decisionKind: DecisionKind,
  fee: FeeModel,
  authorization: z.array(AuthorizationRequirement).min(1),
  carePlan: CarePlanRequirement,
  /**
   * Whether the customer may use several providers of the area at once (`several`: day activities,
   * where the seed lets the customer choose and visit more than one provider, each with its own
   * order) or one at a time (`one`: every other area, where a new provider is a switch).
   */
  providers: z.enum(['one', 'several']),
};

/** An area paid per minute by time band, with hourly rate tables (home care). */
export const MinutesAreaDefinition = z.object({
  ...common,
  deliveryUnit: z.literal('minutes-by-band'),
  bands: TimeBandConfig,
  rateTables: z.array(RateTable).min(1),
});
/** An area paid per minute by time band. */
export type MinutesAreaDefinition = z.infer<typeof MinutesAreaDefinition>;

/**
 * The most voucher levels an area may have: a decision names its level by number, 1 to this
 * (`services/decisions`' schema caps the number at 99).
 */
export const MAX_VOUCHER_LEVELS = 99;

/** An area paid per whole unit (occupancy day, attendance day, session), by level. */
export const UnitAreaDefinition = z.object({
  ...common,
  deliveryUnit: z.enum(['occupancy-day', 'attendance-day', 'session']),
  /**
   * The voucher levels, in the order decisions number them: a decision's `level: n` is the n-th
   * level here ({@link levelIdForDecision}). An id that is a number must be its own position.
   */
  levels: z.array(VoucherLevel).min(1),
  rateTables: z.array(UnitRateTable).min(1),
  /**
   * Session areas only: how many sessions one customer may have on one day (default 1). A
   * counselling session is one a day; a course may teach two lessons a day.
   */
  sessionsPerDay: z.number().int().positive().max(24).optional(),
});
/** An area paid per whole unit. */
export type UnitAreaDefinition = z.infer<typeof UnitAreaDefinition>;

/**
 * A voucher area as data: names, decision kind, delivery unit, levels and rate tables, fee model,
 * authorization requirements and care-plan requirement. A new area is a new definition; the
 * engine does not change (DESIGN.md §3).
 */
export const VoucherAreaDefinition = z.discriminatedUnion('deliveryUnit', [MinutesAreaDefinition, UnitAreaDefinition]);
/** A voucher area as data. */
export type VoucherAreaDefinition = z.infer<typeof VoucherAreaDefinition>;

/**
 * Where each delivery unit is reported to billing. Every unit a definition may name has a route,
 * so an area can never reach *in service* with nothing to report its deliveries through.
 */
export const DELIVERY_ROUTES: Readonly<Record<DeliveryUnit, string>> = Object.freeze({
  'minutes-by-band': 'POST /orders/:orderId/visits (CSV: POST /orders/:orderId/visits/import)',
  'occupancy-day': 'POST /orders/:orderId/occupancy',
  'attendance-day': 'POST /orders/:orderId/attendance',
  session: 'POST /orders/:orderId/sessions (CSV: POST /orders/:orderId/sessions/import)',
});

/** Which fee models charge what each delivery unit counts: an hourly tariff needs minutes, a per-unit fee countable units. */
export const FEE_KINDS_BY_UNIT: Readonly<Record<DeliveryUnit, readonly FeeModel['kind'][]>> = Object.freeze({
  'minutes-by-band': ['hourly-tariff', 'paid-to-provider', 'none'],
  // A place is paid per occupied day, but rent and food go to the home (DOMAIN.md §3–4): no fee per day is charged.
  'occupancy-day': ['paid-to-provider', 'none'],
  'attendance-day': ['per-unit', 'paid-to-provider', 'none'],
  session: ['per-unit', 'paid-to-provider', 'none'],
});
