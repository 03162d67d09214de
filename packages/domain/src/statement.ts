import { z } from 'zod';
import { DomainError, parseWith } from './errors.js';
import { IsoMonth } from './calendar-date.js';
import { divideRoundHalfUp, multiplySafe, sumOre } from './money.js';
import { NACKA_TIME_BANDS, classifyInterval, validateTimeBandConfig, type TimeBandConfig } from './time-bands.js';
import { hourlyRateIn, tableValidOn, validateRateTables, type RateTable } from './rate-tables.js';
import { ProviderKind, validateVisits, type DeliveredVisit, type VisitKind } from './visits.js';
import { DateTime } from 'luxon';

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
  /** The approved visits that were priced. */
  visits: StatementVisit[];
};

const Header = z.object({
  providerId: z.string().min(1),
  providerKind: ProviderKind,
  month: IsoMonth,
  rateTables: z.array(z.unknown()),
  visits: z.array(z.unknown()),
  municipality: z.string().min(1).optional(),
  areaId: z.string().min(1).optional(),
});

/**
 * Prices a provider's approved visits of a month: every minute is classified into a band in local
 * time, priced by the rate table valid on its local date, and summed per (kind, band, rate); each
 * line is rounded half up to whole öre once (DOMAIN.md §2). Care minutes in no band form an
 * `unpriced` line with amount 0. Disputed and not yet approved visits are excluded and listed;
 * visits starting (local date) in another month are listed as `outside-month`.
 *
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
  const bands = input.bands ?? NACKA_TIME_BANDS;
  validateTimeBandConfig(bands);
  const allTables = validateRateTables(header.rateTables);
  const tables = allTables.filter(
    (t) => (header.municipality === undefined || t.municipality === header.municipality) && (header.areaId === undefined || t.areaId === header.areaId),
  );
  const groups = new Set(tables.map((t) => `${t.municipality}/${t.areaId}`));
  if (groups.size > 1) {
    throw new DomainError('DOMAIN.RATE_TABLES_AMBIGUOUS', 'Rate tables of several municipalities or areas were given; pass municipality and areaId.', {
      groups: [...groups],
    });
  }
  const visits = validateVisits(header.visits);

  const excluded: ExcludedVisit[] = [];
  const priced: StatementVisit[] = [];
  const acc = new Map<string, { kind: VisitKind; band: string; orePerHour: number | null; minutes: number }>();
  let unpricedMinutes = 0;

  for (const visit of visits) {
    // A visit belongs to the month of its local start date, so a visit across midnight at month end is paid once.
    const startMonth = DateTime.fromMillis(visit.startMs, { zone: bands.timeZone }).toFormat('yyyy-MM');
    if (startMonth !== header.month) {
      excluded.push({ visitId: visit.visitId, reason: 'outside-month' });
      continue;
    }
    if (visit.status === 'disputed') {
      // A disputed visit is not paid until resolved (DOMAIN.md §2).
      excluded.push({ visitId: visit.visitId, reason: 'disputed' });
      continue;
    }
    if (visit.status !== 'approved') {
      // Visits are approved by the customer before they are payable (DOMAIN.md §2).
      excluded.push({ visitId: visit.visitId, reason: 'not-approved' });
      continue;
    }
    const classification = classifyInterval(visit.start, visit.end, bands);
    let visitUnpriced = 0;
    for (const segment of classification.segments) {
      let band: string;
      let orePerHour: number | null;
      if (visit.kind === 'service') {
        // Service is paid at the single service rate whatever the time (DOMAIN.md §2).
        band = 'any';
        orePerHour = hourlyRateIn(tableValidOn(tables, segment.localDate), 'service', 'any', header.providerKind);
      } else if (segment.band === null) {
        // Minutes in no band are not payable under these rates, but shown (DOMAIN.md §2).
        band = 'unpriced';
        orePerHour = null;
        unpricedMinutes += segment.minutes;
        visitUnpriced += segment.minutes;
      } else {
        band = segment.band;
        orePerHour = hourlyRateIn(tableValidOn(tables, segment.localDate), 'care', segment.band, header.providerKind);
      }
      const key = `${visit.kind}|${band}|${orePerHour ?? ''}`;
      const line = acc.get(key) ?? { kind: visit.kind, band, orePerHour, minutes: 0 };
      line.minutes += segment.minutes;
      acc.set(key, line);
    }
    priced.push({ visitId: visit.visitId, customerId: visit.customerId, kind: visit.kind, minutes: classification.minutes, unpricedMinutes: visitUnpriced });
  }

  const bandOrder = bands.bands.map((b) => b.id);
  const rank = (band: string): number => (band === 'any' ? bandOrder.length : band === 'unpriced' ? bandOrder.length + 1 : bandOrder.indexOf(band));
  const lines: StatementLine[] = [...acc.values()]
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'care' ? -1 : 1) || rank(a.band) - rank(b.band) || (a.orePerHour ?? 0) - (b.orePerHour ?? 0))
    .map((line) => ({
      ...line,
      amountOre: line.orePerHour === null ? 0 : divideRoundHalfUp(multiplySafe(line.minutes, line.orePerHour), 60),
    }));

  return {
    providerId: header.providerId,
    providerKind: header.providerKind,
    month: header.month,
    lines,
    totalOre: sumOre(lines.map((l) => l.amountOre)),
    unpricedMinutes,
    excluded,
    visits: priced,
  };
}
