import { firstDayOfMonth, lastDayOfMonth } from '@kundval/domain';
import { sql } from 'kysely';
import { AppError } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import { occupancyAreaIds, unitArea, type RateTableCache } from '../areas.js';
import { addMinuteLines, addUnitLines, priceMinuteLines, priceUnitLines, type MinuteLine, type PricedMinuteLine, type PricedUnitLine, type UnitLine } from '../pricing/lines.js';
import { OrderVisitPricer, occupiedDays, priceOrderDays, type ExcludedDelivery, type OccupancyRecord } from '../pricing/order-pricing.js';
import { loadLevelTimelines, type LevelTimeline } from '../pricing/order-terms.js';
import type { OrderMonthNow } from '../payments/order-payments.js';
import type { OrderRow } from '../visits/record-visit.js';
import { readAhead, type ReadAhead } from './read-ahead.js';

/** Microsecond ISO instants: exact for the keyset cursor, and read by the domain's fast path (a fraction of zeros). */
const ISO_UTC_US = `YYYY-MM-DD"T"HH24:MI:SS.US"Z"`;

/** Statuses a statement shows: approved (paid), disputed and rejected (listed as excluded). Reported visits belong to unapproved months. */
export const STATEMENT_STATUSES = ['approved', 'disputed', 'rejected'] as const;

/**
 * The columns of an order the run reads (pricing, payments, recharges, level timelines, occupancy),
 * not the whole row: orders are read with every page of deliveries.
 */
const RUN_ORDER_COLUMNS = ['order_id', 'application_id', 'customer_id', 'provider_id', 'provider_kind', 'area_id', 'municipality', 'placed_level', 'valid_to', 'end_date', 'deciding_municipality'] as const;
/** An order as the run reads it. */
export type RunOrder = Pick<OrderRow, (typeof RUN_ORDER_COLUMNS)[number]>;

export type OrderOutcome = { order: RunOrder; now: OrderMonthNow } | { order: RunOrder; refused: AppError };

export type ProviderMonthOptions = {
  providerId: string;
  month: string;
  tables: RateTableCache;
  /** Visits read per query (keyset page). */
  visitPageSize?: number;
  /** Orders (unit areas) read per query. */
  orderPageSize?: number;
  /** Called once per order with what its month is worth now, or why it could not be priced. */
  onOrder?: (outcome: OrderOutcome) => void | Promise<void>;
  /** The provider's reads, started already (`startProviderReads`, same provider, month and tables); started here when left out. */
  reads?: ProviderReads;
};

export type Refusal = { orderId: string; code: string; message: string };

/**
 * A customer's approved deliveries of one area with this provider in the month: what the fee phase
 * charges from (`loadDeliveries` reads the same from the tables). Visit lengths are kept in exact
 * microseconds, summed across providers and rounded to minutes once, as the database does.
 */
export type ApprovedDeliveries = { customerId: string; areaId: string; visits: number; visitMicroseconds: number; attendanceDays: number; sessions: number };

/** A provider's month: lines per (kind, band, rate) over all its orders, rounded once per line (DOMAIN.md §2), and unit lines. */
export type ProviderMonthStatement = {
  providerId: string;
  month: string;
  providerKind: 'municipal' | 'private' | null;
  lines: PricedMinuteLine[];
  unitLines: PricedUnitLine[];
  totalOre: number;
  unpricedMinutes: number;
  visitCount: number;
  orderCount: number;
  excluded: ExcludedDelivery[];
  refused: Refusal[];
  /** Approved deliveries per (customer, area), whether or not their order could be priced; one entry per customer and area the provider delivered to. */
  approved: ApprovedDeliveries[];
};

/** `YYYY-MM-DDTHH:MI:SS.ffffffZ` to microseconds since the epoch (Date keeps milliseconds; the last three digits are added). */
function isoMicros(iso: string): number {
  return Date.parse(`${iso.slice(0, 23)}Z`) * 1000 + Number(iso.slice(23, 26));
}

const digit = (iso: string, i: number) => iso.charCodeAt(i) - 48;
/** Microseconds since midnight (UTC) of `YYYY-MM-DDTHH:MI:SS.ffffffZ`, read digit by digit. */
function microsOfDay(iso: string): number {
  const seconds = ((digit(iso, 11) * 10 + digit(iso, 12)) * 60 + digit(iso, 14) * 10 + digit(iso, 15)) * 60 + digit(iso, 17) * 10 + digit(iso, 18);
  let fraction = 0;
  for (let i = 20; i < 26; i++) fraction = fraction * 10 + digit(iso, i);
  return seconds * 1_000_000 + fraction;
}

/**
 * A visit's exact length in microseconds. Visits nearly always start and end on the same UTC day,
 * which is read from the digits (a tenth of `Date.parse`'s cost over a million visits); others go
 * through `Date`.
 */
export function visitMicros(start: string, end: string): number {
  for (let i = 0; i < 10; i++) if (start.charCodeAt(i) !== end.charCodeAt(i)) return isoMicros(end) - isoMicros(start);
  return microsOfDay(end) - microsOfDay(start);
}

type VisitRow = { visit_id: string; order_id: string; customer_id: string; kind: 'care' | 'service'; status: (typeof STATEMENT_STATUSES)[number]; start: string; end: string };
type DayRow = { id: string; order_id: string; customer_id: string; date: string; status: 'reported' | 'approved' | 'disputed' | 'rejected' };
/** A page of deliveries with the orders its rows belong to (and, for unit areas, their level timelines), read together. */
type DeliveryPage<R> = { rows: R[]; orders: Map<string, RunOrder>; levels: Map<string, LevelTimeline> };
type PlacementPage = { orders: RunOrder[]; records: Array<OccupancyRecord & { order_id: string }>; levels: Map<string, LevelTimeline> };

/** A provider's month's reads, under way: each source's next pages are fetched while the one before is priced. */
export type ProviderReads = {
  visits: ReadAhead<DeliveryPage<VisitRow>>;
  attendanceDays: ReadAhead<DeliveryPage<DayRow>>;
  sessions: ReadAhead<DeliveryPage<DayRow>>;
  placements: ReadAhead<PlacementPage> | null;
  /** Waits for every read asked for (before the transaction that reads them ends). */
  close(): Promise<void>;
};

export type ProviderReadsOptions = Pick<ProviderMonthOptions, 'providerId' | 'month' | 'tables' | 'visitPageSize' | 'orderPageSize'> & {
  /** Pages of each source read ahead of the pricing (1: the next page is read while one is priced). */
  pagesAhead?: number;
};

async function ordersById(db: BillingDb, ids: string[]): Promise<Map<string, RunOrder>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  return new Map((await db.selectFrom('orders').select(RUN_ORDER_COLUMNS).where('order_id', 'in', unique).execute()).map((o) => [o.order_id, o]));
}

/**
 * Starts a provider's month's reads: the first page of its visits (with their orders and rate
 * tables), attendance days, sessions and placements are asked for at once, and each source's next
 * page as soon as the one before has arrived, up to `pagesAhead` pages waiting per source. Memory
 * holds those pages, never the month. Started in the provider's transaction before the one before
 * it has committed, the reads of the next provider overlap the pricing and writes of this one.
 */
export function startProviderReads(db: BillingDb, options: ProviderReadsOptions): ProviderReads {
  const { providerId, month, tables } = options;
  const pageSize = options.visitPageSize ?? 5000;
  const orderPageSize = options.orderPageSize ?? 500;
  const ahead = options.pagesAhead ?? 1;
  const noLevels = new Map<string, LevelTimeline>();

  const visits = readAhead<DeliveryPage<VisitRow>>(async (previous) => {
    if (previous && previous.rows.length < pageSize) return null;
    const after = previous?.rows[previous.rows.length - 1];
    let q = db
      .selectFrom('visits')
      .select(['visit_id', 'order_id', 'customer_id', 'kind', 'status', sql<string>`to_char(start_at at time zone 'UTC', ${ISO_UTC_US})`.as('start'), sql<string>`to_char(end_at at time zone 'UTC', ${ISO_UTC_US})`.as('end')])
      .where('local_month', '=', month)
      .where('provider_id', '=', providerId)
      .where('status', 'in', [...STATEMENT_STATUSES]);
    if (after) q = q.where(sql<boolean>`(order_id, start_at, visit_id) > (${after.order_id}::uuid, ${after.start}::timestamptz, ${after.visit_id}::uuid)`);
    const rows = (await q.orderBy('order_id').orderBy('start_at').orderBy('visit_id').limit(pageSize).execute()) as VisitRow[];
    const orders = await ordersById(db, rows.map((v) => v.order_id));
    // The rate tables the page's orders are priced by, into the provider's cache; a failure here is the pricing's to report.
    for (const o of orders.values()) tables.minuteTables(o.municipality, o.area_id).catch(() => undefined);
    return { rows, orders, levels: noLevels };
  }, ahead);

  const unitDays = (source: 'attendance_days' | 'sessions') =>
    readAhead<DeliveryPage<DayRow>>(async (previous) => {
      if (previous && previous.rows.length < pageSize) return null;
      const after = previous?.rows[previous.rows.length - 1];
      const idColumn = source === 'attendance_days' ? 'attendance_id' : 'session_id';
      const cursor = after ? sql<boolean>`(order_id, date, ${sql.ref(idColumn)}) > (${after.order_id}::uuid, ${after.date}::date, ${after.id}::uuid)` : sql<boolean>`true`;
      const rows =
        source === 'attendance_days'
          ? await db
              .selectFrom('attendance_days')
              .select(['attendance_id as id', 'order_id', 'customer_id', 'date', 'status'])
              .where('local_month', '=', month)
              .where('provider_id', '=', providerId)
              .where('status', 'in', [...STATEMENT_STATUSES])
              .where(cursor)
              .orderBy('order_id')
              .orderBy('date')
              .orderBy('attendance_id')
              .limit(pageSize)
              .execute()
          : await db
              .selectFrom('sessions')
              .select(['session_id as id', 'order_id', 'customer_id', 'date', 'status'])
              .where('local_month', '=', month)
              .where('provider_id', '=', providerId)
              .where('status', 'in', [...STATEMENT_STATUSES])
              .where(cursor)
              .orderBy('order_id')
              .orderBy('date')
              .orderBy('session_id')
              .limit(pageSize)
              .execute();
      const orders = await ordersById(db, rows.map((d) => d.order_id));
      // Each order's level timeline is read with its page, as the orders are.
      const levels = await loadLevelTimelines(db, [...orders.values()]);
      return { rows, orders, levels };
    }, ahead);

  const occupancyAreas = occupancyAreaIds();
  const placements =
    occupancyAreas.length === 0
      ? null
      : readAhead<PlacementPage>(async (previous) => {
          if (previous && previous.orders.length < orderPageSize) return null;
          let q = db
            .selectFrom('orders')
            .select(RUN_ORDER_COLUMNS)
            .where('provider_id', '=', providerId)
            .where('area_id', 'in', occupancyAreas)
            .where('valid_from', '<=', lastDayOfMonth(month))
            .where(sql<boolean>`coalesce(least(end_date, valid_to), valid_to) >= ${firstDayOfMonth(month)}::date`);
          const after = previous?.orders[previous.orders.length - 1];
          if (after) q = q.where('order_id', '>', after.order_id);
          const orders = await q.orderBy('order_id').limit(orderPageSize).execute();
          if (orders.length === 0) return { orders, records: [], levels: noLevels };
          const ids = orders.map((o) => o.order_id);
          const records = await db.selectFrom('occupancy_periods').select(['order_id', 'kind', 'from_date', 'to_date']).where('order_id', 'in', ids).orderBy('from_date').execute();
          return { orders, records, levels: await loadLevelTimelines(db, orders) };
        }, 1);

  const attendanceDays = unitDays('attendance_days');
  const sessions = unitDays('sessions');
  return {
    visits,
    attendanceDays,
    sessions,
    placements,
    close: async () => {
      await Promise.all([visits.close(), attendanceDays.close(), sessions.close(), placements?.close()]);
    },
  };
}

/**
 * Prices a provider's month by streaming its deliveries from the database: visits page by page in
 * (order, start) order, each order priced by the domain's accumulator as its visits arrive and then
 * let go; then attendance days, sessions and occupied days of its unit-area orders. Memory holds a
 * page or two, one order and the provider's lines — never the month's visits — so a provider with a
 * million visits costs what one with a hundred does. An order whose pricing is refused (a rate table
 * missing, a level unknown) is reported and left off, and the rest is priced.
 */
export async function priceProviderMonth(db: BillingDb, options: ProviderMonthOptions): Promise<ProviderMonthStatement> {
  const { providerId, month, tables } = options;
  const reads = options.reads ?? startProviderReads(db, options);
  try {
    return await priceFromReads(providerId, month, tables, reads, options.onOrder);
  } finally {
    await reads.close();
  }
}

async function priceFromReads(providerId: string, month: string, tables: RateTableCache, reads: ProviderReads, onOrder: ProviderMonthOptions['onOrder']): Promise<ProviderMonthStatement> {
  const minuteLines = new Map<string, MinuteLine>();
  const unitLines = new Map<string, UnitLine>();
  const excluded: ExcludedDelivery[] = [];
  const refused: Refusal[] = [];
  let providerKind: 'municipal' | 'private' | null = null;
  let unpricedMinutes = 0;
  let visitCount = 0;
  let orderCount = 0;
  const approved = new Map<string, ApprovedDeliveries>();
  const tally = (customerId: string, areaId: string) => {
    const key = `${customerId}|${areaId}`;
    let t = approved.get(key);
    if (!t) {
      t = { customerId, areaId, visits: 0, visitMicroseconds: 0, attendanceDays: 0, sessions: 0 };
      approved.set(key, t);
    }
    return t;
  };

  const settle = async (outcome: OrderOutcome) => {
    orderCount++;
    providerKind ??= outcome.order.provider_kind;
    if ('refused' in outcome) {
      refused.push({ orderId: outcome.order.order_id, code: outcome.refused.code, message: outcome.refused.message });
    } else {
      addMinuteLines(minuteLines, outcome.now.lines);
      addUnitLines(unitLines, outcome.now.unitLines);
      unpricedMinutes += outcome.now.unpricedMinutes;
      excluded.push(...outcome.now.excluded);
    }
    await onOrder?.(outcome);
  };

  // 1. Visits (minute areas), keyset-paged in (order, start, id) order.
  // `approved`: the order's entry in the tally, looked up once per order rather than once per visit (an order's visits are one customer's).
  type OpenOrder = { order: RunOrder; pricer: OrderVisitPricer | null; refused: AppError | null; visits: number; approved: ApprovedDeliveries | null };
  const open: { current: OpenOrder | null } = { current: null };
  const finishCurrent = async () => {
    const c = open.current;
    if (!c) return;
    open.current = null;
    if (c.refused || !c.pricer) {
      await settle({ order: c.order, refused: c.refused ?? new AppError('conflict', 'BILLING.NO_RATE_TABLE', 'not priced') });
      return;
    }
    const priced = c.pricer.finish();
    await settle({ order: c.order, now: { lines: priced.lines, unitLines: [], excluded: priced.excluded, unpricedMinutes: priced.unpricedMinutes, hospitalDays: 0, deliveries: c.visits } });
  };
  for (let page = await reads.visits.next(); page !== null; page = await reads.visits.next()) {
    for (const v of page.rows) {
      visitCount++;
      if (open.current?.order.order_id !== v.order_id) {
        await finishCurrent();
        const order: RunOrder = page.orders.get(v.order_id)!;
        const started: OpenOrder = { order, pricer: null, refused: null, visits: 0, approved: null };
        open.current = started;
        try {
          started.pricer = new OrderVisitPricer(order, month, await tables.minuteTables(order.municipality, order.area_id));
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          started.refused = err;
        }
      }
      const c = open.current!;
      c.visits++;
      if (v.status === 'approved') {
        const t = (c.approved ??= tally(v.customer_id, c.order.area_id));
        t.visits++;
        t.visitMicroseconds += visitMicros(v.start, v.end);
      }
      if (c.refused || !c.pricer) continue;
      try {
        c.pricer.add(v);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        c.refused = err;
      }
    }
  }
  await finishCurrent();

  // 2. Attendance days (day activities) and sessions (areas paid per session), keyset-paged in (order, date, id) order.
  type OpenDays = { order: RunOrder; levels: LevelTimeline; days: Omit<DayRow, 'order_id' | 'customer_id'>[] };
  const openDays: { current: OpenDays | null } = { current: null };
  const finishDays = async () => {
    const c = openDays.current;
    if (!c) return;
    const { order, days } = c;
    openDays.current = null;
    const area = unitArea(order.area_id);
    if (!area) return;
    try {
      const priced = priceOrderDays(area, await tables.unitTables(order.municipality, area.id), order, month, days, c.levels);
      await settle({ order, now: { lines: [], unitLines: priced.lines, excluded: priced.excluded, unpricedMinutes: 0, hospitalDays: 0, deliveries: days.length } });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await settle({ order, refused: err });
    }
  };
  for (const [source, pages] of [
    ['attendance_days', reads.attendanceDays],
    ['sessions', reads.sessions],
  ] as const) {
    for (let page = await pages.next(); page !== null; page = await pages.next()) {
      for (const d of page.rows) {
        if (openDays.current?.order.order_id !== d.order_id) {
          await finishDays();
          openDays.current = { order: page.orders.get(d.order_id)!, levels: page.levels.get(d.order_id)!, days: [] };
        }
        openDays.current.days.push({ id: d.id, date: d.date, status: d.status });
        if (d.status === 'approved') {
          const t = tally(d.customer_id, openDays.current.order.area_id);
          if (source === 'attendance_days') t.attendanceDays++;
          else t.sessions++;
        }
      }
    }
    await finishDays();
  }

  // 3. Occupancy (nursing homes): every placement of the provider in force during the month.
  if (reads.placements) {
    for (let page = await reads.placements.next(); page !== null; page = await reads.placements.next()) {
      for (const order of page.orders) {
        const own = page.records.filter((r) => r.order_id === order.order_id);
        if (!own.some((r) => r.kind === 'moved-in')) continue;
        const area = unitArea(order.area_id)!;
        try {
          const { days, hospitalDays } = occupiedDays(order, month, own);
          if (days.length === 0) continue;
          const priced = priceOrderDays(area, await tables.unitTables(order.municipality, area.id), order, month, days, page.levels.get(order.order_id)!);
          await settle({ order, now: { lines: [], unitLines: priced.lines, excluded: priced.excluded, unpricedMinutes: 0, hospitalDays, deliveries: days.length } });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          await settle({ order, refused: err });
        }
      }
    }
  }

  const lines = priceMinuteLines(minuteLines.values());
  const units = priceUnitLines(unitLines.values());
  return {
    providerId,
    month,
    providerKind,
    lines,
    unitLines: units,
    totalOre: lines.reduce((s, l) => s + l.amountOre, 0) + units.reduce((s, l) => s + l.amountOre, 0),
    unpricedMinutes,
    visitCount,
    orderCount,
    excluded,
    refused,
    approved: [...approved.values()],
  };
}
