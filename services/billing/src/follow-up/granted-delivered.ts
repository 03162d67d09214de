import { addDays, lastDayOfMonth, previousMonth } from '@kundval/domain';

/**
 * Granted against delivered (issue 15; ADR 0036): what a decision granted a customer in a month, what
 * the order asked of the provider for the days it was in force, what the provider delivered, what
 * the customer approved and what was paid — per customer and month, and summed per provider and
 * area; and the alerts when delivery keeps falling short of, or keeps exceeding, what was ordered.
 * Pure: the facts come in from the store, the clock never enters.
 */

/** How an area's delivery is counted: minutes of visits, attendance days, or sessions. */
export type Measure = 'minutes' | 'days' | 'sessions';

/** An order's terms from a day on: the hours per month the decision granted (home care). */
export type TermsStep = { from: string; minutesPerMonth: number };

export type OrderMonthFacts = {
  orderId: string;
  customerId: string;
  providerId: string;
  areaId: string;
  month: string;
  measure: Measure;
  /** The order's first and last day in force (validity, or an earlier end). */
  validFrom: string;
  validTo: string;
  /** The granted minutes per month, by the day they apply from, in date order; empty where the area grants no time (days, sessions). */
  terms: readonly TermsStep[];
  /** Reported and not rejected, in the measure's unit. */
  delivered: number;
  /** Approved (by the customer, or in a resolved dispute). */
  approved: number;
  /** What the order's month has been paid, corrections included, in öre. */
  paidOre: number;
};

export type GrantedDeliveredRow = {
  orderId: string;
  customerId: string;
  providerId: string;
  areaId: string;
  month: string;
  measure: Measure;
  /** The month's grant as the decision states it (the terms in force on the order's last day in the month); null where no time is granted. */
  granted: number | null;
  /** The grant for the days the order was in force: each day 1/(days in month) of that day's terms, rounded once. */
  ordered: number | null;
  delivered: number;
  approved: number;
  paidOre: number;
  /** delivered / ordered, four decimals; null when nothing was ordered. */
  deliveredShare: number | null;
};

export function grantedDelivered(f: OrderMonthFacts): GrantedDeliveredRow {
  const first = `${f.month}-01`;
  const last = lastDayOfMonth(f.month);
  const from = f.validFrom > first ? f.validFrom : first;
  const to = f.validTo < last ? f.validTo : last;
  let granted: number | null = null;
  let ordered: number | null = null;
  if (f.terms.length > 0 && from <= to) {
    const days = Number(last.slice(8));
    let sum = 0;
    for (let day = from; day <= to; day = addDays(day, 1)) sum += termsOn(f.terms, day);
    granted = termsOn(f.terms, to);
    // Minutes per month over the month's days, summed then rounded once: 8 h from the 15th of a
    // 28-day month is 480 × 14/28 = 240 minutes, not 14 separately rounded days.
    ordered = Math.round(sum / days);
  }
  return {
    orderId: f.orderId,
    customerId: f.customerId,
    providerId: f.providerId,
    areaId: f.areaId,
    month: f.month,
    measure: f.measure,
    granted,
    ordered,
    delivered: f.delivered,
    approved: f.approved,
    paidOre: f.paidOre,
    deliveredShare: ordered !== null && ordered > 0 ? Math.round((f.delivered / ordered) * 10_000) / 10_000 : null,
  };
}

function termsOn(terms: readonly TermsStep[], day: string): number {
  let minutes = 0;
  for (const t of terms) {
    if (t.from > day) break;
    minutes = t.minutesPerMonth;
  }
  return minutes;
}

export type ProviderAreaSum = {
  providerId: string;
  areaId: string;
  measure: Measure;
  customers: number;
  granted: number;
  ordered: number;
  delivered: number;
  approved: number;
  paidOre: number;
  deliveredShare: number | null;
};

/** The rows summed per provider, area and measure (a minute is never added to a day). */
export function sumPerProviderAndArea(rows: readonly GrantedDeliveredRow[]): ProviderAreaSum[] {
  const sums = new Map<string, ProviderAreaSum & { customerIds: Set<string> }>();
  for (const r of rows) {
    const key = `${r.providerId}|${r.areaId}|${r.measure}`;
    const s = sums.get(key) ?? { providerId: r.providerId, areaId: r.areaId, measure: r.measure, customers: 0, granted: 0, ordered: 0, delivered: 0, approved: 0, paidOre: 0, deliveredShare: null, customerIds: new Set<string>() };
    s.customerIds.add(r.customerId);
    s.granted += r.granted ?? 0;
    s.ordered += r.ordered ?? 0;
    s.delivered += r.delivered;
    s.approved += r.approved;
    s.paidOre += r.paidOre;
    sums.set(key, s);
  }
  return [...sums.values()]
    .map(({ customerIds, ...s }) => ({ ...s, customers: customerIds.size, deliveredShare: s.ordered > 0 ? Math.round((s.delivered / s.ordered) * 10_000) / 10_000 : null }))
    .sort((a, b) => a.providerId.localeCompare(b.providerId) || a.areaId.localeCompare(b.areaId) || a.measure.localeCompare(b.measure));
}

/** When delivery deviates enough to ask the case handler to look: below `minShare` or above `maxShare` of what was ordered, `months` months running. */
export type DeviationRule = { minShare: number; maxShare: number; months: number };

export type DeviationAlert = { orderId: string; customerId: string; providerId: string; areaId: string; kind: 'under-delivery' | 'over-delivery'; firstMonth: string; month: string; shares: number[] };

/**
 * The alert an order's months raise at the last of them, if any. `history` is the order's rows of
 * consecutive months, oldest first, ending at the month evaluated. An alert needs `months` months in
 * a row on the same side, each with something ordered; its cause is the run's first month, so a run
 * that goes on is the same cause (raised once), and a run that ends and starts again is a new one.
 */
export function deviationAlert(history: readonly GrantedDeliveredRow[], rule: DeviationRule): DeviationAlert | null {
  const latest = history.at(-1);
  if (!latest) return null;
  for (const kind of ['under-delivery', 'over-delivery'] as const) {
    const deviates = (r: GrantedDeliveredRow) => r.deliveredShare !== null && (kind === 'under-delivery' ? r.deliveredShare < rule.minShare : r.deliveredShare > rule.maxShare);
    let start = history.length;
    while (start > 0 && deviates(history[start - 1]!)) start--;
    const run = history.slice(start);
    if (run.length >= rule.months) {
      return { orderId: latest.orderId, customerId: latest.customerId, providerId: latest.providerId, areaId: latest.areaId, kind, firstMonth: run[0]!.month, month: latest.month, shares: run.map((r) => r.deliveredShare!) };
    }
  }
  return null;
}

/** The `count` months ending at `month`, oldest first. */
export function monthsEndingAt(month: string, count: number): string[] {
  const months = [month];
  while (months.length < count) months.unshift(previousMonth(months[0]!));
  return months;
}
