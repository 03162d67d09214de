import { z } from 'zod';
import { DomainError, issuesOf } from './errors.js';
import { IsoDate } from './calendar-date.js';
import { ProviderKind, VisitKind } from './visits.js';

/** Any effective-dated table: valid from `validFrom` (inclusive) to `validTo` (exclusive, `null` = open-ended). */
export type EffectiveDated = { id: string; municipality: string; areaId: string; validFrom: string; validTo: string | null };

/** One hourly rate: care by band id, service with band `any`. */
export const HourlyRate = z.object({
  kind: VisitKind,
  /** A band id of the area's band configuration for care; `any` for service. */
  band: z.string().min(1),
  providerKind: ProviderKind,
  /** Öre per hour. */
  orePerHour: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
/** One hourly rate. */
export type HourlyRate = z.infer<typeof HourlyRate>;

const dated = {
  id: z.string().min(1),
  municipality: z.string().min(1),
  areaId: z.string().min(1),
  validFrom: IsoDate,
  validTo: IsoDate.nullable(),
};

/** A home-care rate table of one municipality and area, valid for a period (municipality's configuration). */
export const RateTable = z
  .object({ ...dated, rates: z.array(HourlyRate).min(1) })
  .refine((t) => t.validTo === null || t.validTo > t.validFrom, { message: 'validTo must be after validFrom', path: ['validTo'] });
/** A home-care rate table. */
export type RateTable = z.infer<typeof RateTable>;

/** The seed's table (Nacka, "Checkbeloppen"; DOMAIN.md §2), SEK per hour in öre, valid from 2024-01-01 open-ended. */
export const NACKA_HOME_CARE_RATES: RateTable[] = [
  {
    id: 'nacka-home-care-2024',
    municipality: 'nacka',
    areaId: 'home-care',
    validFrom: '2024-01-01',
    validTo: null,
    rates: [
      { kind: 'care', band: 'weekday-day', providerKind: 'municipal', orePerHour: 29_300 },
      { kind: 'care', band: 'weekday-day', providerKind: 'private', orePerHour: 31_000 },
      { kind: 'care', band: 'weekday-evening', providerKind: 'municipal', orePerHour: 32_400 },
      { kind: 'care', band: 'weekday-evening', providerKind: 'private', orePerHour: 34_200 },
      { kind: 'care', band: 'weekend-holiday', providerKind: 'municipal', orePerHour: 36_900 },
      { kind: 'care', band: 'weekend-holiday', providerKind: 'private', orePerHour: 39_000 },
      { kind: 'service', band: 'any', providerKind: 'municipal', orePerHour: 24_600 },
      { kind: 'service', band: 'any', providerKind: 'private', orePerHour: 26_300 },
    ],
  },
];

/**
 * Checks that the tables of each municipality and area follow one another without overlap
 * (`DOMAIN.RATE_TABLE_OVERLAP`) or gap (`DOMAIN.RATE_TABLE_GAP`): a gap or an overlap would leave a
 * minute with no rate or two, i.e. a wrong amount. Also `DOMAIN.INVALID_RATE_TABLE` for a bad
 * shape and `DOMAIN.RATE_TABLE_DUPLICATE_RATE` for two rates with the same key in one table.
 * `keyOf` gives the identity of a rate inside a table.
 */
export function validateEffectiveDated<T extends EffectiveDated>(tables: readonly T[], keyOf: (rate: never) => string, rates: (t: T) => readonly unknown[]): void {
  const [first] = effectiveDatedProblems(tables, keyOf, rates);
  if (first) throw first.error;
}

/**
 * Every problem {@link validateEffectiveDated} would refuse, each with the index of the table it
 * is found in (the later of two tables that overlap or leave a gap), rather than only the first.
 */
export function effectiveDatedProblems<T extends EffectiveDated>(
  tables: readonly T[],
  keyOf: (rate: never) => string,
  rates: (t: T) => readonly unknown[],
): { tableIndex: number; error: DomainError }[] {
  const problems: { tableIndex: number; error: DomainError }[] = [];
  const groups = new Map<string, { table: T; index: number }[]>();
  const ids = new Set<string>();
  tables.forEach((table, index) => {
    if (ids.has(table.id)) problems.push({ tableIndex: index, error: new DomainError('DOMAIN.INVALID_RATE_TABLE', `Rate table id ${table.id} occurs twice.`, { tableId: table.id }) });
    ids.add(table.id);
    const keys = new Set<string>();
    for (const rate of rates(table)) {
      const key = keyOf(rate as never);
      if (keys.has(key)) problems.push({ tableIndex: index, error: new DomainError('DOMAIN.RATE_TABLE_DUPLICATE_RATE', `Rate table ${table.id} has two rates for ${key}.`, { tableId: table.id, key }) });
      keys.add(key);
    }
    const group = `${table.municipality}/${table.areaId}`;
    groups.set(group, [...(groups.get(group) ?? []), { table, index }]);
  });
  for (const list of groups.values()) {
    const sorted = [...list].sort((a, b) => (a.table.validFrom < b.table.validFrom ? -1 : a.table.validFrom > b.table.validFrom ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!.table;
      const { table: cur, index } = sorted[i]!;
      if (prev.validTo === null || prev.validTo > cur.validFrom) {
        problems.push({ tableIndex: index, error: new DomainError('DOMAIN.RATE_TABLE_OVERLAP', `Rate tables ${prev.id} and ${cur.id} overlap in time.`, { tableIds: [prev.id, cur.id] }) });
      } else if (prev.validTo < cur.validFrom) {
        problems.push({
          tableIndex: index,
          error: new DomainError('DOMAIN.RATE_TABLE_GAP', `No rate table between ${prev.validTo} and ${cur.validFrom}.`, { tableIds: [prev.id, cur.id], from: prev.validTo, to: cur.validFrom }),
        });
      }
    }
  }
  return problems;
}

/** Parses and checks home-care rate tables (see {@link validateEffectiveDated} for the codes). */
export function validateRateTables(tables: readonly unknown[]): RateTable[] {
  const parsed = z.array(RateTable).safeParse(tables);
  if (!parsed.success) throw new DomainError('DOMAIN.INVALID_RATE_TABLE', 'Invalid rate table.', { issues: issuesOf(parsed.error) });
  validateEffectiveDated(parsed.data, (r: HourlyRate) => `${r.kind}/${r.band}/${r.providerKind}`, (t) => t.rates);
  return parsed.data;
}

/** The table valid on a local date, or `DOMAIN.NO_RATE_TABLE` (tables must be validated and of one municipality and area). */
export function tableValidOn<T extends EffectiveDated>(tables: readonly T[], date: string): T {
  const table = tables.find((t) => t.validFrom <= date && (t.validTo === null || date < t.validTo));
  if (!table) throw new DomainError('DOMAIN.NO_RATE_TABLE', `No rate table is valid on ${date}.`, { date });
  return table;
}

/** The hourly rate for a kind, band and provider kind in a table, or `DOMAIN.RATE_MISSING`. */
export function hourlyRateIn(table: RateTable, kind: VisitKind, band: string, providerKind: ProviderKind): number {
  const rate = table.rates.find((r) => r.kind === kind && r.band === band && r.providerKind === providerKind);
  if (!rate) {
    throw new DomainError('DOMAIN.RATE_MISSING', `Rate table ${table.id} has no ${kind} rate for band ${band} and ${providerKind} providers.`, {
      tableId: table.id,
      kind,
      band,
      providerKind,
    });
  }
  return rate.orePerHour;
}
