import { DomainError, issuesOf } from './errors.js';
import { validateEffectiveDated, validateRateTables } from './rate-tables.js';
import { validateTimeBandConfig } from './time-bands.js';
import { ProviderKind } from './visits.js';
import { VoucherAreaDefinition, type UnitAreaDefinition, type UnitRate } from './voucher-areas.js';
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

function invalid(id: string, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('DOMAIN.INVALID_AREA_DEFINITION', `Area ${id}: ${message}`, { areaId: id, ...details });
}

function checkLevels(area: UnitAreaDefinition): void {
  const ids = new Set<string>();
  for (const level of area.levels) {
    if (ids.has(level.id)) throw invalid(area.id, `level ${level.id} is defined twice.`);
    ids.add(level.id);
  }
  const mapped = area.levels.filter((l) => l.careNeedPoints !== undefined);
  if (mapped.length > 0) {
    if (mapped.length !== area.levels.length) {
      throw new DomainError('DOMAIN.LEVEL_MAPPING_INVALID', `Area ${area.id}: either every level maps care-need points or none does.`, { areaId: area.id });
    }
    const ranges = mapped.map((l) => ({ id: l.id, ...(l.careNeedPoints as { min: number; max: number }) })).sort((a, b) => a.min - b.min);
    for (let i = 1; i < ranges.length; i++) {
      const prev = ranges[i - 1] as (typeof ranges)[number];
      const cur = ranges[i] as (typeof ranges)[number];
      if (cur.min !== prev.max + 1) {
        throw new DomainError('DOMAIN.LEVEL_MAPPING_INVALID', `Area ${area.id}: care-need points of levels ${prev.id} and ${cur.id} leave a gap or overlap.`, {
          areaId: area.id,
          levels: [prev.id, cur.id],
        });
      }
    }
  }
  for (const table of area.rateTables) {
    for (const rate of table.rates) {
      if (!ids.has(rate.level)) {
        throw new DomainError('DOMAIN.UNKNOWN_LEVEL', `Area ${area.id}: rate table ${table.id} prices unknown level ${rate.level}.`, {
          areaId: area.id,
          tableId: table.id,
          level: rate.level,
        });
      }
    }
    for (const level of ids) {
      for (const providerKind of ProviderKind.options) {
        if (!table.rates.some((r) => r.level === level && r.providerKind === providerKind)) {
          throw new DomainError('DOMAIN.RATE_MISSING', `Area ${area.id}: rate table ${table.id} has no rate for level ${level}, ${providerKind} providers.`, {
            areaId: area.id,
            tableId: table.id,
            level,
            providerKind,
          });
        }
      }
    }
  }
}

/**
 * Validates one area definition: its shape, its rate tables (no gaps or overlaps in time, no
 * duplicate rates, every table of this area), and that every band or level has a rate for both
 * provider kinds, so that pricing can never fall through to a wrong amount.
 */
export function validateVoucherAreaDefinition(definition: unknown): VoucherAreaDefinition {
  const parsed = VoucherAreaDefinition.safeParse(definition);
  const id = typeof definition === 'object' && definition !== null ? String((definition as { id?: unknown }).id) : String(definition);
  if (!parsed.success) throw invalid(id, 'the definition does not match the schema.', { issues: issuesOf(parsed.error) });
  const area = parsed.data;
  for (const table of area.rateTables) {
    if (table.areaId !== area.id) throw invalid(area.id, `rate table ${table.id} belongs to area ${table.areaId}.`, { tableId: table.id });
  }
  // A place paid per occupancy day is where the customer lives: one home at a time, and the
  // nursing-home queue and offers rely on it (a move is a switch).
  if (area.deliveryUnit === 'occupancy-day' && area.providers === 'several') {
    throw invalid(area.id, 'an area paid per occupancy day has one provider at a time.', { providers: area.providers });
  }
  if (area.deliveryUnit === 'minutes-by-band') {
    validateTimeBandConfig(area.bands);
    validateRateTables(area.rateTables);
    for (const table of area.rateTables) {
      const needed = [
        ...area.bands.bands.map((b) => ({ kind: 'care' as const, band: b.id })),
        { kind: 'service' as const, band: 'any' },
      ];
      for (const { kind, band } of needed) {
        for (const providerKind of ProviderKind.options) {
          if (!table.rates.some((r) => r.kind === kind && r.band === band && r.providerKind === providerKind)) {
            throw new DomainError('DOMAIN.RATE_MISSING', `Area ${area.id}: rate table ${table.id} has no ${kind} rate for ${band}, ${providerKind} providers.`, {
              areaId: area.id,
              tableId: table.id,
              kind,
              band,
              providerKind,
            });
          }
        }
      }
      for (const rate of table.rates) {
        const known = rate.kind === 'service' ? rate.band === 'any' : area.bands.bands.some((b) => b.id === rate.band);
        if (!known) throw invalid(area.id, `rate table ${table.id} prices unknown band ${rate.band} for ${rate.kind}.`, { tableId: table.id, band: rate.band });
      }
    }
  } else {
    validateEffectiveDated(area.rateTables, (r: UnitRate) => `${r.level}/${r.providerKind}`, (t) => t.rates);
    checkLevels(area);
  }
  return area;
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
