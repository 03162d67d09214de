// A straightforward reference for the time-band classifier, for tests: it reads every single
// minute on the local clock with luxon and the configuration's windows as written.
import { DateTime } from 'luxon';
import type { BandClassification, BandSegment, TimeBandConfig } from '../time-bands.js';
import type { RateTable } from '../rate-tables.js';
import type { ProviderStatement } from '../statement.js';
import type { DeliveredVisit } from '../visits.js';
import { isPricingHoliday } from '../holidays.js';

const DAY_IDS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const toMinutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
const pad = (n: number) => String(n).padStart(2, '0');

/** The calendar day after `date` (a civil date has no zone: UTC arithmetic is exact). */
function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

const holidays = new Map<string, boolean>();
function pricingHoliday(date: string, config: TimeBandConfig): boolean {
  const key = `${config.holidayEves.join()}/${date}`;
  let holiday = holidays.get(key);
  if (holiday === undefined) holidays.set(key, (holiday = isPricingHoliday(date, config.holidayEves)));
  return holiday;
}

/** The band of the minute starting at `ms`, read straight off the configuration (`null`: none). */
export function referenceBand(local: DateTime, config: TimeBandConfig): string | null {
  const date = local.toISODate() as string;
  const holiday = pricingHoliday(date, config);
  const eve = pricingHoliday(nextDate(date), config);
  const minute = local.hour * 60 + local.minute;
  const ok = (cond: string | undefined, value: boolean) => !cond || cond === 'any' || (cond === 'only') === value;
  const hits = config.bands.filter((b) =>
    b.windows.some(
      (w) =>
        w.days.includes(DAY_IDS[local.weekday - 1] as never) &&
        minute >= toMinutes(w.from) &&
        minute < toMinutes(w.to) &&
        ok(w.holiday, holiday) &&
        ok(w.eveOfHoliday, eve),
    ),
  );
  if (hits.length > 1) throw new Error(`bands ${hits.map((b) => b.id).join(', ')} overlap at ${local.toISO()}`);
  return hits[0]?.id ?? null;
}

/** Minute by minute: each minute's local date and band, runs of equal (date, band) as segments. */
export function referenceClassification(startMs: number, endMs: number, config: TimeBandConfig): BandClassification {
  const segments: BandSegment[] = [];
  const byBand: Record<string, number> = {};
  let unpricedMinutes = 0;
  for (let ms = startMs; ms < endMs; ms += 60_000) {
    const local = DateTime.fromMillis(ms, { zone: config.timeZone });
    const localDate = local.toISODate() as string;
    const band = referenceBand(local, config);
    if (band === null) unpricedMinutes += 1;
    else byBand[band] = (byBand[band] ?? 0) + 1;
    const last = segments[segments.length - 1];
    if (last && last.band === band && last.localDate === localDate) {
      last.minutes += 1;
      last.end = new Date(ms + 60_000).toISOString();
    } else {
      segments.push({
        start: new Date(ms).toISOString(),
        end: new Date(ms + 60_000).toISOString(),
        localDate,
        localStart: `${pad(local.hour)}:${pad(local.minute)}`,
        band,
        minutes: 1,
      });
    }
  }
  return { minutes: (endMs - startMs) / 60_000, segments, byBand, unpricedMinutes };
}


/** What {@link referenceStatement} prices. */
export type ReferenceStatementInput = {
  month: string;
  providerKind: 'municipal' | 'private';
  visits: DeliveredVisit[];
  rateTables: RateTable[];
  bands: TimeBandConfig;
};

/**
 * DOMAIN.md §2 minute by minute: each approved minute of a visit starting in the month (local
 * date) goes to the line of its kind, band and the rate of the table valid on its local date;
 * lines are rounded half up once. Lines sorted care before service, by band order, then rate.
 */
export function referenceStatement(input: ReferenceStatementInput): Pick<ProviderStatement, 'lines' | 'totalOre' | 'unpricedMinutes' | 'excluded'> {
  const zone = input.bands.timeZone;
  const lines = new Map<string, { kind: 'care' | 'service'; band: string; orePerHour: number | null; minutes: number }>();
  const excluded: ProviderStatement['excluded'] = [];
  let unpricedMinutes = 0;
  for (const visit of input.visits) {
    const startMs = DateTime.fromISO(visit.start).toMillis();
    const endMs = DateTime.fromISO(visit.end).toMillis();
    if (DateTime.fromMillis(startMs, { zone }).toFormat('yyyy-MM') !== input.month) excluded.push({ visitId: visit.visitId, reason: 'outside-month' });
    else if (visit.status === 'disputed') excluded.push({ visitId: visit.visitId, reason: 'disputed' });
    else if (visit.status !== 'approved') excluded.push({ visitId: visit.visitId, reason: 'not-approved' });
    else {
      for (let ms = startMs; ms < endMs; ms += 60_000) {
        const local = DateTime.fromMillis(ms, { zone });
        const date = local.toISODate() as string;
        const band = visit.kind === 'service' ? 'any' : referenceBand(local, input.bands);
        let orePerHour: number | null = null;
        if (band === null) unpricedMinutes += 1;
        else {
          const table = input.rateTables.find((t) => t.validFrom <= date && (t.validTo === null || date < t.validTo));
          const rate = table?.rates.find((r) => r.kind === visit.kind && r.band === band && r.providerKind === input.providerKind);
          if (!rate) throw new Error(`no rate on ${date} for ${visit.kind} ${band}`);
          orePerHour = rate.orePerHour;
        }
        const key = `${visit.kind}|${band ?? 'unpriced'}|${orePerHour}`;
        const line = lines.get(key) ?? { kind: visit.kind, band: band ?? 'unpriced', orePerHour, minutes: 0 };
        line.minutes += 1;
        lines.set(key, line);
      }
    }
  }
  const order = [...input.bands.bands.map((b) => b.id), 'any', 'unpriced'];
  const sorted = [...lines.values()]
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'care' ? -1 : 1) || order.indexOf(a.band) - order.indexOf(b.band) || (a.orePerHour ?? 0) - (b.orePerHour ?? 0))
    .map((line) => ({ ...line, amountOre: line.orePerHour === null ? 0 : Math.floor((line.minutes * line.orePerHour + 30) / 60) }));
  return { lines: sorted, totalOre: sorted.reduce((a, l) => a + l.amountOre, 0), unpricedMinutes, excluded };
}
