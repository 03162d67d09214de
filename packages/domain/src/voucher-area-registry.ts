import { DomainError, type DomainErrorCode } from './errors.js';
import { effectiveDatedProblems, type HourlyRate } from './rate-tables.js';
import { validateTimeBandConfig } from './time-bands.js';
import { ProviderKind } from './visits.js';
import { DELIVERY_ROUTES, FEE_KINDS_BY_UNIT, MAX_VOUCHER_LEVELS, VoucherAreaDefinition, type UnitAreaDefinition, type UnitRate } from './voucher-areas.js';
import { HOME_CARE } from './areas/home-care.js';
import { NURSING_HOME } from './areas/nursing-home.js';
import { DAY_ACTIVITIES } from './areas/day-activities.js';
import { FAMILY_COUNSELLING } from './areas/family-counselling.js';
import { ADULT_EDUCATION } from './areas/adult-education.js';

/** An immutable set of validated voucher-area definitions. */
export type VoucherAreaRegistry = {
  /** The area with this id, or throws `DOMAIN.UNKNOWN_AREA`. */
  get(id: string): VoucherAreaDefinition;
  /** True when the area is registered. */
  has(id: string): boolean;
  /** All areas, in registration order. */
  list(): readonly VoucherAreaDefinition[];
  /** A new registry with one more area (validated like the others); this one is unchanged. */
  register(definition: unknown): VoucherAreaRegistry;
};

/**
 * One thing wrong with an area definition: where (`path`, as in the definition: `rateTables.1.rates`,
 * `levels.0.id`), a stable code, and what is wrong in words.
 */
export type AreaDefinitionProblem = { path: string; code: DomainErrorCode; message: string };

/**
 * Every problem of an area definition against what the platform can do, rather than the first: the
 * shape; each rate table of this area, following the one before without gap or overlap, pricing
 * every level (or band) for both provider kinds and nothing else; levels that decisions can name
 * (a decision's level `n` is the n-th level, so an id that is a number is its own position, and
 * there are at most {@link MAX_VOUCHER_LEVELS}); care-need points without gap or overlap; a route
 * for the delivery unit; a fee model that fits what the unit counts; one home at a time for
 * occupancy; `sessionsPerDay` only where sessions are the unit. Empty when the definition is sound.
 */
export function areaDefinitionProblems(definition: unknown): AreaDefinitionProblem[] {
  return checkDefinition(definition).problems;
}

function checkDefinition(definition: unknown): { area: VoucherAreaDefinition | null; problems: AreaDefinitionProblem[] } {
  const parsed = VoucherAreaDefinition.safeParse(definition);
  if (!parsed.success) {
    return {
      area: null,
      problems: parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(definition)', code: 'DOMAIN.INVALID_AREA_DEFINITION' as const, message: issue.message })),
    };
  }
  const area = parsed.data;
  const problems: AreaDefinitionProblem[] = [];
  const add = (path: string, code: DomainErrorCode, message: string) => problems.push({ path, code, message });
  /** A rule that throws its refusal: kept as a problem at `path`, and checking goes on. */
  const collect = (path: string, rule: () => void) => {
    try {
      rule();
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      add(path, err.code, err.message);
    }
  };

  area.rateTables.forEach((table, i) => {
    if (table.areaId !== area.id) add(`rateTables.${i}.areaId`, 'DOMAIN.INVALID_AREA_DEFINITION', `rate table ${table.id} belongs to area ${table.areaId}, not ${area.id}`);
  });
  if (!(area.deliveryUnit in DELIVERY_ROUTES)) add('deliveryUnit', 'DOMAIN.INVALID_AREA_DEFINITION', `billing has no route to report ${area.deliveryUnit} deliveries`);
  const feeKinds = FEE_KINDS_BY_UNIT[area.deliveryUnit];
  if (!feeKinds.includes(area.fee.kind)) {
    add('fee.kind', 'DOMAIN.INVALID_AREA_DEFINITION', `a fee of kind ${area.fee.kind} cannot be charged on ${area.deliveryUnit} deliveries (use ${feeKinds.join(', ')})`);
  }
  // A place paid per occupancy day is where the customer lives: one home at a time, and the
  // nursing-home queue and offers rely on it (a move is a switch).
  if (area.deliveryUnit === 'occupancy-day' && area.providers === 'several') {
    add('providers', 'DOMAIN.INVALID_AREA_DEFINITION', 'an area paid per occupancy day has one provider at a time');
  }

  if (area.deliveryUnit === 'minutes-by-band') {
    collect('bands', () => validateTimeBandConfig(area.bands));
    for (const p of effectiveDatedProblems(area.rateTables, (r: HourlyRate) => `${r.kind}/${r.band}/${r.providerKind}`, (t) => t.rates)) {
      add(`rateTables.${p.tableIndex}`, p.error.code, p.error.message);
    }
    area.rateTables.forEach((table, i) => {
      const needed = [...area.bands.bands.map((b) => ({ kind: 'care' as const, band: b.id })), { kind: 'service' as const, band: 'any' }];
      for (const { kind, band } of needed) {
        for (const providerKind of ProviderKind.options) {
          if (!table.rates.some((r) => r.kind === kind && r.band === band && r.providerKind === providerKind)) {
            add(`rateTables.${i}.rates`, 'DOMAIN.RATE_MISSING', `rate table ${table.id} has no ${kind} rate for ${band}, ${providerKind} providers`);
          }
        }
      }
      table.rates.forEach((rate, j) => {
        const known = rate.kind === 'service' ? rate.band === 'any' : area.bands.bands.some((b) => b.id === rate.band);
        if (!known) add(`rateTables.${i}.rates.${j}.band`, 'DOMAIN.INVALID_AREA_DEFINITION', `rate table ${table.id} prices unknown band ${rate.band} for ${rate.kind}`);
      });
    });
    return { area, problems };
  }

  if (area.sessionsPerDay !== undefined && area.deliveryUnit !== 'session') {
    add('sessionsPerDay', 'DOMAIN.INVALID_AREA_DEFINITION', `sessions per day apply to areas paid per session, not per ${area.deliveryUnit}`);
  }
  for (const p of effectiveDatedProblems(area.rateTables, (r: UnitRate) => `${r.level}/${r.providerKind}`, (t) => t.rates)) {
    add(`rateTables.${p.tableIndex}`, p.error.code, p.error.message);
  }
  levelProblems(area, add);
  return { area, problems };
}

function levelProblems(area: UnitAreaDefinition, add: (path: string, code: DomainErrorCode, message: string) => void): void {
  if (area.levels.length > MAX_VOUCHER_LEVELS) add('levels', 'DOMAIN.INVALID_AREA_DEFINITION', `a decision names levels 1–${MAX_VOUCHER_LEVELS}; this area has ${area.levels.length}`);
  const ids = new Set<string>();
  area.levels.forEach((level, i) => {
    if (ids.has(level.id)) add(`levels.${i}.id`, 'DOMAIN.INVALID_AREA_DEFINITION', `level ${level.id} is defined twice`);
    ids.add(level.id);
    // A decision carries the level as its position (1-based); an id that reads as another number
    // would make decision level n mean the level with id m — the one mix-up nobody sees until payment.
    if (/^\d+$/.test(level.id) && Number(level.id) !== i + 1) {
      add(`levels.${i}.id`, 'DOMAIN.UNKNOWN_LEVEL', `level id ${level.id} is a number but level ${i + 1} in the list: a decision's level ${i + 1} would be paid as this level, and its level ${level.id} as another; use id '${i + 1}' or a name`);
    }
  });
  const mapped = area.levels.filter((l) => l.careNeedPoints !== undefined);
  if (mapped.length > 0) {
    if (mapped.length !== area.levels.length) {
      add('levels', 'DOMAIN.LEVEL_MAPPING_INVALID', 'either every level maps care-need points or none does');
    } else {
      const ranges = mapped.map((l) => ({ id: l.id, ...(l.careNeedPoints as { min: number; max: number }) })).sort((a, b) => a.min - b.min);
      for (let i = 1; i < ranges.length; i++) {
        const prev = ranges[i - 1]!;
        const cur = ranges[i]!;
        if (cur.min !== prev.max + 1) add('levels', 'DOMAIN.LEVEL_MAPPING_INVALID', `care-need points of levels ${prev.id} and ${cur.id} leave a gap or overlap`);
      }
    }
  }
  area.rateTables.forEach((table, i) => {
    table.rates.forEach((rate, j) => {
      if (!ids.has(rate.level)) add(`rateTables.${i}.rates.${j}.level`, 'DOMAIN.UNKNOWN_LEVEL', `rate table ${table.id} prices level ${rate.level}, which the area does not define (levels: ${[...ids].join(', ')})`);
    });
    for (const level of ids) {
      for (const providerKind of ProviderKind.options) {
        if (!table.rates.some((r) => r.level === level && r.providerKind === providerKind)) {
          add(`rateTables.${i}.rates`, 'DOMAIN.RATE_MISSING', `rate table ${table.id} (${table.validFrom}–${table.validTo ?? 'open'}) has no rate for level ${level}, ${providerKind} providers`);
        }
      }
    }
  });
}

/**
 * Validates one area definition ({@link areaDefinitionProblems}) and returns it parsed, or throws one
 * `DomainError` naming every problem: its message lists them (`path: reason`), `details.problems`
 * holds them with their codes, and its code is the first problem's (`DOMAIN.INVALID_AREA_DEFINITION`
 * for a wrong shape, `DOMAIN.RATE_MISSING`, `DOMAIN.RATE_TABLE_GAP`, …), so that pricing can never fall
 * through to a wrong amount.
 */
export function validateVoucherAreaDefinition(definition: unknown): VoucherAreaDefinition {
  const { area, problems } = checkDefinition(definition);
  const id = typeof definition === 'object' && definition !== null ? String((definition as { id?: unknown }).id) : String(definition);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path}: ${p.message.replace(/\.$/, '')}`).join('; ');
    throw new DomainError(problems[0]!.code, `Area ${id} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${list}.`, { areaId: id, problems });
  }
  return area!;
}

/**
 * The id of the level a decision grants: decisions name a unit area's level by number, the n-th
 * level of the definition (1-based), which is how every service reads it. Throws
 * `DOMAIN.UNKNOWN_LEVEL` for a number the area has no level for.
 *
 * @example levelIdForDecision(ADULT_EDUCATION, 2) // 'upper-secondary'
 */
export function levelIdForDecision(area: UnitAreaDefinition, level: number): string {
  const found = Number.isInteger(level) && level >= 1 ? area.levels[level - 1] : undefined;
  if (!found) throw new DomainError('DOMAIN.UNKNOWN_LEVEL', `Area ${area.id} has levels 1–${area.levels.length}; a decision's level ${level} is none of them.`, { areaId: area.id, level });
  return found.id;
}

/**
 * Builds a registry from area definitions. Each definition is validated
 * ({@link validateVoucherAreaDefinition}); a repeated id is `DOMAIN.DUPLICATE_AREA`.
 *
 * @example
 * ```ts
 * const registry = createVoucherAreaRegistry([HOME_CARE, NURSING_HOME]);
 * registry.get('home-care').nameSv // 'Hemtjänst'
 * registry.get('chiropody')        // throws DomainError DOMAIN.UNKNOWN_AREA
 * ```
 */
export function createVoucherAreaRegistry(definitions: readonly unknown[]): VoucherAreaRegistry {
  const areas = new Map<string, VoucherAreaDefinition>();
  for (const definition of definitions) {
    const area = validateVoucherAreaDefinition(definition);
    if (areas.has(area.id)) throw new DomainError('DOMAIN.DUPLICATE_AREA', `Area ${area.id} is defined twice.`, { areaId: area.id });
    areas.set(area.id, area);
  }
  const list = Object.freeze([...areas.values()]);
  return {
    get(id: string): VoucherAreaDefinition {
      const area = areas.get(id);
      if (!area) throw new DomainError('DOMAIN.UNKNOWN_AREA', `Unknown voucher area ${id}.`, { areaId: id, known: [...areas.keys()] });
      return area;
    },
    has: (id: string) => areas.has(id),
    list: () => list,
    register: (definition: unknown) => createVoucherAreaRegistry([...list, definition]),
  };
}

/** The built-in areas: home care, nursing home, day activities, family counselling, adult education. */
export const BUILT_IN_AREAS: readonly VoucherAreaDefinition[] = Object.freeze([HOME_CARE, NURSING_HOME, DAY_ACTIVITIES, FAMILY_COUNSELLING, ADULT_EDUCATION]);

/** The registry of the built-in areas (Nacka demo configuration). */
export const voucherAreaRegistry: VoucherAreaRegistry = createVoucherAreaRegistry(BUILT_IN_AREAS);
