import { z } from 'zod';
import { DomainError, parseWith } from './errors.js';
import { IsoMonth } from './calendar-date.js';
import { divideRoundHalfUp, multiplySafe, sumOre } from './money.js';
import { NACKA_TIME_BANDS, forEachBandStretch, localDateAt, prepareTimeBands, type PreparedTimeBands, type TimeBandConfig } from './time-bands.js';
import { hourlyRateIn, tableValidOn, validateRateTables, type RateTable } from './rate-tables.js';
import { ProviderKind, VisitLedger, checkVisit, validateVisits, type CheckedVisit, type DeliveredVisit, type VisitKind } from './visits.js';

/** Input of {@link priceProviderStatement}. */
export type ProviderStatementInput = {
  providerId: string;
  providerKind: ProviderKind;
  /** `YYYY-MM`: a visit belongs to the month of its local start date. */
  month: string;
  /** The provider's visits (any status); non-approved ones are listed as excluded. */
  visits: DeliveredVisit[];
  /** Rate tables; when they cover several municipalities or areas, pass `municipality` and `areaId`. */
  rateTables: RateTable[];
  /** Band configuration; the seed's Nacka table when absent. */
  bands?: TimeBandConfig;
  /** Picks the tables of one municipality. */
  municipality?: string;
  /** Picks the tables of one area. */
  areaId?: string;
};

/** One line of a statement: approved minutes of one kind, band and rate. */
export type StatementLine = {
  kind: VisitKind;
  /** Band id for care, `any` for service, `unpriced` for minutes in no band. */
  band: string;
  /** Öre per hour; `null` for unpriced minutes. */
  orePerHour: number | null;
  minutes: number;
  /** `minutes × orePerHour / 60` rounded half up once per line (DOMAIN.md §2); 0 when unpriced. */
  amountOre: number;
};

/** Why a visit is not on the statement. */
export type ExcludedVisit = { visitId: string; reason: 'disputed' | 'not-approved' | 'outside-month' };

/** A priced visit, for the statement's appendix. */
export type StatementVisit = { visitId: string; customerId: string; kind: VisitKind; minutes: number; unpricedMinutes: number };

/** What a provider is owed for a month of home care. */
export type ProviderStatement = {
  providerId: string;
  providerKind: ProviderKind;
  month: string;
  lines: StatementLine[];
  /** Sum of the lines' amounts. */
  totalOre: number;
  /** Care minutes that fell in no band: shown, not paid. */
  unpricedMinutes: number;
  /** Non-payable visits and why. */
  excluded: ExcludedVisit[];
  /** The approved visits that were priced: the appendix (empty from an accumulator made with `appendix: false`). */
  visits: StatementVisit[];
};

/** Input of {@link createStatementAccumulator}: a statement's input without the visits, which are added one by one. */
export type StatementAccumulatorInput = Omit<ProviderStatementInput, 'visits'> & {
  /**
   * Whether the statement lists its priced visits (`visits`, the appendix): true by default. A
   * caller that reads only the lines, totals and exclusions (the billing run, an accumulator per
   * order over a million visits) passes false and gets `visits: []`, saving an entry per visit.
   */
  appendix?: boolean;
};

/**
 * Prices a provider's month one visit at a time, for a billing run that streams visits instead of
 * holding them: made by {@link createStatementAccumulator}.
 */
export type StatementAccumulator = {
  /**
   * Checks and adds one visit (any status; non-approved and other months' visits are listed as
   * excluded). Throws a {@link DomainError} for a bad visit, with the codes of
   * {@link priceProviderStatement}: `DOMAIN.INVALID_VISIT`, `DOMAIN.VISIT_NOT_WHOLE_MINUTES`,
   * `DOMAIN.VISIT_ENDS_BEFORE_START`, `DOMAIN.VISIT_EMPTY`, `DOMAIN.DUPLICATE_VISIT_ID` and
   * `DOMAIN.VISIT_OVERLAP` against the visits added before it, `DOMAIN.NO_RATE_TABLE` and
   * `DOMAIN.RATE_MISSING`. A visit that throws is not added and leaves the accumulator as it was.
   */
  add(visit: DeliveredVisit): void;
  /** The number of visits added so far (priced or excluded). */
  readonly count: number;
  /**
   * The statement of the visits added: minutes summed per (kind, band, rate), each line rounded
   * half up once (DOMAIN.md §2). Ends the accumulator: `add` and `finish` afterwards throw an `Error`.
   */
  finish(): ProviderStatement;
};

const AccumulatorHeader = z.object({
  providerId: z.string().min(1),
  providerKind: ProviderKind,
  month: IsoMonth,
  rateTables: z.array(z.unknown()),
  municipality: z.string().min(1).optional(),
  areaId: z.string().min(1).optional(),
  appendix: z.boolean().optional(),
});

const Header = AccumulatorHeader.extend({ visits: z.array(z.unknown()) });

type Line = { kind: VisitKind; band: string; orePerHour: number | null; minutes: number };
/** The lines minutes of one local date go to: chosen once per date, then reused. */
type DateLines = { table: RateTable; service: Line | undefined; care: (Line | undefined)[] };

type Pricer = {
  /** Prices a visit that passed the visit checks (all of them, or the ones across visits too); atomic. */
  addChecked(visit: CheckedVisit): void;
  finish(): ProviderStatement;
};

/**
 * Rate tables validated once per array a caller passes, as band configurations are compiled once
 * per object (`prepareTimeBands`): a billing run opens an accumulator per order over its provider's
 * same tables, and validating them (their schema, gaps and overlaps) cost more than pricing the
 * order's visits. Tables are configuration a caller does not change after pricing with them.
 */
const validatedTables = new WeakMap<readonly unknown[], RateTable[]>();

function validatedOnce(tables: readonly unknown[]): RateTable[] {
  let valid = validatedTables.get(tables);
  if (!valid) {
    valid = validateRateTables(tables);
    validatedTables.set(tables, valid);
  }
  return valid;
}

/** The one pricing path behind {@link createStatementAccumulator} and {@link priceProviderStatement}; `rateTables` is the caller's array (the header's is a copy). */
function openPricer(header: z.infer<typeof AccumulatorHeader>, bandsInput: TimeBandConfig | undefined, rateTables: readonly unknown[]): Pricer {
  const bands: PreparedTimeBands = prepareTimeBands(bandsInput ?? NACKA_TIME_BANDS);
  const config = bands.config;
  const allTables = validatedOnce(rateTables);
  const tables = allTables.filter(
    (t) => (header.municipality === undefined || t.municipality === header.municipality) && (header.areaId === undefined || t.areaId === header.areaId),
  );
  const groups = new Set(tables.map((t) => `${t.municipality}/${t.areaId}`));
  if (groups.size > 1) {
    throw new DomainError('DOMAIN.RATE_TABLES_AMBIGUOUS', 'Rate tables of several municipalities or areas were given; pass municipality and areaId.', {
      groups: [...groups],
    });
  }
  const providerKind = header.providerKind;
  const month = header.month;
  const appendix = header.appendix ?? true;
  const bandIds = config.bands.map((b) => b.id);

  const lines = new Map<string, Line>();
  const byDate = new Map<string, DateLines>();
  const unpricedLine: Line = { kind: 'care', band: 'unpriced', orePerHour: null, minutes: 0 };
  const excluded: ExcludedVisit[] = [];
  const priced: StatementVisit[] = [];
  let unpricedMinutes = 0;
  let finished = false;

  const lineFor = (kind: VisitKind, band: string, orePerHour: number): Line => {
    const key = `${kind}|${band}|${orePerHour}`;
    let line = lines.get(key);
    if (!line) {
      line = { kind, band, orePerHour, minutes: 0 };
      lines.set(key, line);
    }
    return line;
  };
  const linesOn = (date: string): DateLines => {
    let entry = byDate.get(date);
    if (!entry) {
      // A minute is priced by the table valid on its local date (DOMAIN.md §2).
      entry = { table: tableValidOn(tables, date), service: undefined, care: [] };
      byDate.set(date, entry);
    }
    return entry;
  };

  // The visit being priced: its stretches go to `pending` and are committed only when all are priced.
  let kind: VisitKind = 'care';
  const pendingLines: Line[] = [];
  const pendingMinutes: number[] = [];
  let pending = 0;
  const price = (date: string, band: number, minutes: number): void => {
    let line: Line;
    if (kind === 'service') {
      // Service is paid at the single service rate whatever the time (DOMAIN.md §2).
      const entry = linesOn(date);
      line = entry.service ??= lineFor('service', 'any', hourlyRateIn(entry.table, 'service', 'any', providerKind));
    } else if (band === -1) {
      // Minutes in no band are not payable under these rates, but shown (DOMAIN.md §2).
      line = unpricedLine;
    } else {
      const entry = linesOn(date);
      const id = bandIds[band] as string;
      line = entry.care[band] ??= lineFor('care', id, hourlyRateIn(entry.table, 'care', id, providerKind));
    }
    pendingLines[pending] = line;
    pendingMinutes[pending] = minutes;
    pending += 1;
  };

  const assertOpen = (): void => {
    if (finished) throw new Error('This statement accumulator is finished.');
  };

  return {
    addChecked(visit) {
      assertOpen();
      // A visit belongs to the month of its local start date, so a visit across midnight at month end is paid once.
      const startDate = localDateAt(bands, visit.startMs);
      if (startDate.slice(0, 7) !== month) {
        excluded.push({ visitId: visit.visitId, reason: 'outside-month' });
        return;
      }
      if (visit.status === 'disputed') {
        // A disputed visit is not paid until resolved (DOMAIN.md §2).
        excluded.push({ visitId: visit.visitId, reason: 'disputed' });
        return;
      }
      if (visit.status !== 'approved') {
        // Visits are approved by the customer before they are payable (DOMAIN.md §2).
        excluded.push({ visitId: visit.visitId, reason: 'not-approved' });
        return;
      }
      kind = visit.kind;
      pending = 0;
      forEachBandStretch(bands, visit.startMs, visit.endMs, price);
      let visitUnpriced = 0;
      for (let i = 0; i < pending; i++) {
        const line = pendingLines[i] as Line;
        const minutes = pendingMinutes[i] as number;
        line.minutes += minutes;
        if (line === unpricedLine) visitUnpriced += minutes;
      }
      unpricedMinutes += visitUnpriced;
      if (appendix) priced.push({ visitId: visit.visitId, customerId: visit.customerId, kind: visit.kind, minutes: (visit.endMs - visit.startMs) / 60_000, unpricedMinutes: visitUnpriced });
    },
    finish() {
      assertOpen();
      finished = true;
      const rank = (band: string): number => (band === 'any' ? bandIds.length : band === 'unpriced' ? bandIds.length + 1 : bandIds.indexOf(band));
      // A line looked up by a visit that then failed may hold no minutes: it is not a line.
      const result: StatementLine[] = [...lines.values(), unpricedLine]
        .filter((line) => line.minutes > 0)
        .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'care' ? -1 : 1) || rank(a.band) - rank(b.band) || (a.orePerHour ?? 0) - (b.orePerHour ?? 0))
        .map((line) => ({
          ...line,
          // Rounded half up once per line, not per visit (DOMAIN.md §2).
          amountOre: line.orePerHour === null ? 0 : divideRoundHalfUp(multiplySafe(line.minutes, line.orePerHour), 60),
        }));
      return {
        providerId: header.providerId,
        providerKind,
        month,
        lines: result,
        totalOre: sumOre(result.map((l) => l.amountOre)),
        unpricedMinutes,
        excluded,
        visits: priced,
      };
    },
  };
}

/**
 * Starts a provider's statement for a month whose visits are streamed in one at a time with
 * `add`, then priced with `finish`: for a billing run that must not hold all visits in memory. It
 * keeps the sums per (kind, band, rate), the statement's appendix (one small entry per visit, unless `appendix: false`) and,
 * to refuse duplicates and overlaps, each visit's id and each customer's intervals; not the visits.
 * The result equals {@link priceProviderStatement} of the same visits (which is built on it),
 * except that a duplicate or overlap is reported when its second visit is added.
 *
 * Checks the header, the band configuration and the rate tables once, up front, with the codes of
 * {@link priceProviderStatement} (`DOMAIN.INVALID_INPUT`, the band and rate-table codes,
 * `DOMAIN.RATE_TABLES_AMBIGUOUS`). Pure: no I/O or clock, safe in workflow code.
 *
 * @example
 * ```ts
 * const acc = createStatementAccumulator({ providerId: 'p1', providerKind: 'private', month: '2025-03', rateTables: NACKA_HOME_CARE_RATES });
 * for await (const visit of visitsOfProvider('p1', '2025-03')) acc.add(visit);
 * const statement = acc.finish();
 * ```
 */
export function createStatementAccumulator(input: StatementAccumulatorInput): StatementAccumulator {
  const header = parseWith(AccumulatorHeader, input, 'DOMAIN.INVALID_INPUT', 'statement input');
  const pricer = openPricer(header, input.bands, input.rateTables);
  const ledger = new VisitLedger();
  let count = 0;
  let offered = 0;
  return {
    add(raw) {
      // The index in an error message is the visit's position among all `add` calls.
      const visit = checkVisit(raw, offered++);
      ledger.check(visit);
      pricer.addChecked(visit);
      ledger.record(visit);
      count += 1;
    },
    get count() {
      return count;
    },
    finish: () => pricer.finish(),
  };
}

/**
 * Prices a provider's approved visits of a month: every minute is classified into a band in local
 * time, priced by the rate table valid on its local date, and summed per (kind, band, rate); each
 * line is rounded half up to whole öre once (DOMAIN.md §2). Care minutes in no band form an
 * `unpriced` line with amount 0. Disputed and not yet approved visits are excluded and listed;
 * visits starting (local date) in another month are listed as `outside-month`.
 *
 * Checks all the visits first, then prices them with {@link createStatementAccumulator}'s pricing.
 * Throws a {@link DomainError} on bad input instead of returning a wrong amount: malformed,
 * overlapping, backwards or duplicate visits, rate tables with gaps or overlaps, a missing rate.
 *
 * @example
 * ```ts
 * priceProviderStatement({ providerId: 'p1', providerKind: 'private', month: '2025-03',
 *   visits: [{ visitId: 'v1', customerId: 'c1', kind: 'care', status: 'approved',
 *              start: '2025-03-03T08:00:00+01:00', end: '2025-03-03T08:30:00+01:00' }],
 *   rateTables: NACKA_HOME_CARE_RATES }).totalOre // 15_500 (30 min × 310 SEK/h)
 * ```
 */
export function priceProviderStatement(input: ProviderStatementInput): ProviderStatement {
  const header = parseWith(Header, input, 'DOMAIN.INVALID_INPUT', 'statement input');
  const pricer = openPricer(header, input.bands, input.rateTables);
  for (const visit of validateVisits(header.visits)) pricer.addChecked(visit);
  return pricer.finish();
}
