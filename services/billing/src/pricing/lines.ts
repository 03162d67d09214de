import { divideRoundHalfUp } from '@kundval/domain';

/** Minutes of one kind, band and hourly rate (`orePerHour` null: minutes in no band, shown, not paid). */
export type MinuteLine = { kind: 'care' | 'service'; band: string; orePerHour: number | null; minutes: number };
/** Units (days, sessions) of one area, level and rate per unit. */
export type UnitLine = { areaId: string; level: string; orePerUnit: number; units: number };
export type PricedMinuteLine = MinuteLine & { amountOre: number };
export type PricedUnitLine = UnitLine & { amountOre: number };

export const minuteKey = (l: Pick<MinuteLine, 'kind' | 'band' | 'orePerHour'>): string => `${l.kind}|${l.band}|${l.orePerHour ?? '-'}`;
export const unitKey = (l: Pick<UnitLine, 'areaId' | 'level' | 'orePerUnit'>): string => `${l.areaId}|${l.level}|${l.orePerUnit}`;

/** A line's amount: minutes × öre per hour / 60, rounded half up to whole öre once per line (DOMAIN.md §2). */
export function minuteAmount(minutes: number, orePerHour: number | null): number {
  if (orePerHour === null) return 0;
  const product = minutes * orePerHour;
  if (!Number.isSafeInteger(product)) throw new RangeError(`${minutes} minutes at ${orePerHour} öre/h is beyond safe integer range`);
  // divideRoundHalfUp rounds half away from zero: a negative correction rounds like its positive.
  return product < 0 ? -divideRoundHalfUp(-product, 60) : divideRoundHalfUp(product, 60);
}

/** Sums minute lines per (kind, band, rate), keeping first-seen order. */
export function addMinuteLines(into: Map<string, MinuteLine>, lines: Iterable<MinuteLine>): void {
  for (const l of lines) {
    const key = minuteKey(l);
    const line = into.get(key);
    if (line) line.minutes += l.minutes;
    else into.set(key, { kind: l.kind, band: l.band, orePerHour: l.orePerHour, minutes: l.minutes });
  }
}

export function addUnitLines(into: Map<string, UnitLine>, lines: Iterable<UnitLine>): void {
  for (const l of lines) {
    const key = unitKey(l);
    const line = into.get(key);
    if (line) line.units += l.units;
    else into.set(key, { areaId: l.areaId, level: l.level, orePerUnit: l.orePerUnit, units: l.units });
  }
}

const BAND_ORDER = ['weekday-day', 'weekday-evening', 'weekend-holiday'];
const rank = (l: MinuteLine) => (l.kind === 'care' ? 0 : 10) + (l.band === 'unpriced' ? 9 : l.band === 'any' ? 5 : Math.max(0, BAND_ORDER.indexOf(l.band)));

/** A statement's minute lines: summed minutes rounded once per line, care before service, unpriced last. */
export function priceMinuteLines(lines: Iterable<MinuteLine>): PricedMinuteLine[] {
  return [...lines]
    .filter((l) => l.minutes !== 0)
    .sort((a, b) => rank(a) - rank(b) || (a.orePerHour ?? 0) - (b.orePerHour ?? 0))
    .map((l) => ({ ...l, amountOre: minuteAmount(l.minutes, l.orePerHour) }));
}

export function priceUnitLines(lines: Iterable<UnitLine>): PricedUnitLine[] {
  return [...lines]
    .filter((l) => l.units !== 0)
    .sort((a, b) => a.areaId.localeCompare(b.areaId) || Number(a.level) - Number(b.level) || a.level.localeCompare(b.level) || a.orePerUnit - b.orePerUnit)
    .map((l) => ({ ...l, amountOre: l.units * l.orePerUnit }));
}

/** What payments of a provider's month (or of one order's month) have paid, line by line. */
export type PaidLedger = {
  minutes: Map<string, { line: MinuteLine; amountOre: number }>;
  units: Map<string, { line: UnitLine; amountOre: number }>;
  totalOre: number;
};

export function emptyLedger(): PaidLedger {
  return { minutes: new Map(), units: new Map(), totalOre: 0 };
}

/** Adds a payment's (delta) lines to a ledger. */
export function recordPaid(ledger: PaidLedger, payment: { lines: unknown; unit_lines: unknown; amount_ore: number }): void {
  for (const l of (payment.lines ?? []) as PricedMinuteLine[]) {
    const key = minuteKey(l);
    const entry = ledger.minutes.get(key);
    if (entry) {
      entry.line.minutes += l.minutes;
      entry.amountOre += l.amountOre;
    } else ledger.minutes.set(key, { line: { kind: l.kind, band: l.band, orePerHour: l.orePerHour, minutes: l.minutes }, amountOre: l.amountOre });
  }
  for (const l of (payment.unit_lines ?? []) as PricedUnitLine[]) {
    const key = unitKey(l);
    const entry = ledger.units.get(key);
    if (entry) {
      entry.line.units += l.units;
      entry.amountOre += l.amountOre;
    } else ledger.units.set(key, { line: { areaId: l.areaId, level: l.level, orePerUnit: l.orePerUnit, units: l.units }, amountOre: l.amountOre });
  }
  ledger.totalOre += payment.amount_ore;
}

/** What one order's month is worth now, before rounding: its minutes and units per line. */
export type OrderDeliveries = { lines: MinuteLine[]; unitLines: UnitLine[] };

export type PaymentDelta = {
  lines: PricedMinuteLine[];
  unitLines: PricedUnitLine[];
  /** What this payment adds (may be negative when something paid no longer holds). */
  amountOre: number;
  unpricedMinutes: number;
};

/**
 * The payment that brings an order's month from what its earlier payments paid (`orderPaid`) to what
 * it is worth now (`now`), booked line by line against the provider's month (`providerPaid`; apply
 * it with {@link commitDelta} once the payment is made).
 *
 * DOMAIN.md §2 rounds once per (kind, band, rate) line over the provider's month, not per order or
 * visit. Each payment therefore pays, per line, round(all the provider's paid minutes after it) −
 * what the line has paid before: the provider's payments of a month always add up to its statement,
 * however many orders and corrections it took, and each order is paid for its own minutes.
 */
export function paymentDelta(now: OrderDeliveries, orderPaid: PaidLedger, providerPaid: PaidLedger): PaymentDelta {
  const lines: PricedMinuteLine[] = [];
  const seen = new Set<string>();
  const minuteDelta = (line: MinuteLine, deltaMinutes: number) => {
    if (deltaMinutes === 0) return;
    const provider = providerPaid.minutes.get(minuteKey(line));
    const paidMinutes = provider?.line.minutes ?? 0;
    const paidOre = provider?.amountOre ?? 0;
    const amountOre = minuteAmount(paidMinutes + deltaMinutes, line.orePerHour) - paidOre;
    lines.push({ kind: line.kind, band: line.band, orePerHour: line.orePerHour, minutes: deltaMinutes, amountOre });
  };
  for (const line of now.lines) {
    const key = minuteKey(line);
    seen.add(key);
    minuteDelta(line, line.minutes - (orderPaid.minutes.get(key)?.line.minutes ?? 0));
  }
  // Lines paid before that are worth nothing now (a rate table replaced after payment).
  for (const [key, paid] of orderPaid.minutes) if (!seen.has(key)) minuteDelta(paid.line, -paid.line.minutes);

  const unitLines: PricedUnitLine[] = [];
  const unitSeen = new Set<string>();
  const unitDelta = (line: UnitLine, deltaUnits: number) => {
    if (deltaUnits === 0) return;
    unitLines.push({ areaId: line.areaId, level: line.level, orePerUnit: line.orePerUnit, units: deltaUnits, amountOre: deltaUnits * line.orePerUnit });
  };
  for (const line of now.unitLines) {
    const key = unitKey(line);
    unitSeen.add(key);
    unitDelta(line, line.units - (orderPaid.units.get(key)?.line.units ?? 0));
  }
  for (const [key, paid] of orderPaid.units) if (!unitSeen.has(key)) unitDelta(paid.line, -paid.line.units);

  const amountOre = lines.reduce((s, l) => s + l.amountOre, 0) + unitLines.reduce((s, l) => s + l.amountOre, 0);
  const unpricedMinutes = lines.filter((l) => l.orePerHour === null).reduce((s, l) => s + l.minutes, 0);
  return { lines, unitLines, amountOre, unpricedMinutes };
}

/** Books a payment's delta lines in a ledger (the provider's month, as the next payment will see it). */
export function commitDelta(ledger: PaidLedger, delta: PaymentDelta): void {
  recordPaid(ledger, { lines: delta.lines, unit_lines: delta.unitLines, amount_ore: delta.amountOre });
}
