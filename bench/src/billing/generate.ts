import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { luhnCheckDigit, NACKA_HOME_CARE_RATES } from '@kundval/domain';
import type { BillingDb } from '@kundval/billing';
import { MONTH, MONTH_DAYS, UTC_OFFSET_MINUTES } from './shared.js';

/**
 * A month of home care as billing stores it, generated straight into the billing schema: orders,
 * visits, the customers' month approvals, a rate table, fee bases and provider accounts. Shaped on
 * Nacka (1 400 customers, 40 providers, ~60 000 visits: ~43 visits per customer and ~35 customers per
 * provider), scaled by the number of visits:
 *
 * - customers = visits ÷ 43; providers = max(40, customers ÷ 35), sized by a Zipf-like law (the
 *   largest, a municipal one, has ~14 % of Nacka's customers; every tenth is municipal);
 * - every customer has a weekly care plan of 1–35 visits over six daily slots (morning, service,
 *   lunch, afternoon, evening, night patrol), the same each week, with start and length varying per
 *   visit: weekday day, weekday evening, Friday evening and weekend (the weekend band), unpriced night
 *   minutes, and service visits at the service rate. A visit never crosses a band edge. February 2026
 *   has four of each weekday, so the visits add up to exactly the size asked for;
 * - 2 % of customers switch provider on the 15th (two orders, the first ended early);
 * - 97 % of orders have their month approved; in those, 0.4 % of visits are disputed and 0.1 %
 *   rejected after a dispute; the rest's visits are still `reported` (not read by the run);
 * - 60 % of customers have declared an income (a fee basis), the others pay the tariff up to maxtaxa;
 * - one in twenty providers has no account (its payments stay out of the file).
 *
 * Visits are written day by day and, within a day, provider by provider, as providers' reports
 * arrive; the table's physical order is time, not the (order, start) order the run reads in.
 * Deterministic for a seed (ids are random UUIDs).
 */
export type Workload = {
  visits: number;
  customers: number;
  providers: number;
  orders: number;
  switchers: number;
};

const VISITS_PER_CUSTOMER = 43;
const CUSTOMERS_PER_PROVIDER = 35;
/** Daily slots of a care plan, local time: start (minutes after midnight), kind, planned length range, how often plans use it. */
const SLOTS = [
  { start: 7 * 60 + 30, kind: 'care', min: 20, max: 45, weight: 1.0 },
  { start: 10 * 60, kind: 'service', min: 30, max: 90, weight: 0.3 },
  { start: 12 * 60 + 30, kind: 'care', min: 15, max: 40, weight: 0.8 },
  { start: 16 * 60, kind: 'care', min: 20, max: 45, weight: 0.6 },
  { start: 19 * 60 + 15, kind: 'care', min: 15, max: 40, weight: 0.7 },
  { start: 22 * 60 + 45, kind: 'care', min: 10, max: 20, weight: 0.15 },
] as const;
const WEEK_SLOTS = 7 * SLOTS.length;
const SWITCH_DAY = 15;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function workloadOf(visits: number): Workload {
  if (visits % 4 !== 0 || visits < 400) throw new Error(`visits must be a multiple of 4 and at least 400 (got ${visits})`);
  const customers = Math.max(1, Math.round(visits / VISITS_PER_CUSTOMER));
  const providers = Math.min(customers, Math.max(40, Math.round(customers / CUSTOMERS_PER_PROVIDER)));
  return { visits, customers, providers, orders: 0, switchers: 0 };
}

type Cell = string | number | null;
/** Where generated rows go: COPY into PostgreSQL, or multi-row inserts into PGlite. */
export interface RowSink {
  /** Writes the rows `fill` pushes into `table`; `push` returns a promise only when the caller must wait (back-pressure). */
  table(table: string, columns: readonly string[], fill: (push: (row: Cell[]) => Promise<void> | undefined) => Promise<void>): Promise<void>;
}

/** Generates the workload into `sink`. Returns the workload with its order counts. */
export async function generate(sink: RowSink, size: number, seed: number): Promise<Workload> {
  const w = workloadOf(size);
  const random = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

  // Providers: ids, kinds, Zipf-like sizes, accounts.
  const providerIds = Array.from({ length: w.providers }, (_, i) => `provider-${String(i).padStart(5, '0')}`);
  const municipal = (p: number) => p % 10 === 0;
  const cumulative = new Float64Array(w.providers);
  let acc = 0;
  for (let p = 0; p < w.providers; p++) cumulative[p] = acc += 1 / Math.pow(p + 1, 0.7);
  const pickProvider = () => {
    const x = random() * acc;
    let lo = 0;
    let hi = w.providers - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  // Customers: provider, switch, weekly plan sized so that the month has exactly `size` visits.
  const C = w.customers;
  const providerOf = new Int32Array(C);
  const switchTo = new Int32Array(C).fill(-1);
  const raw = new Float64Array(C);
  let rawSum = 0;
  for (let c = 0; c < C; c++) {
    providerOf[c] = pickProvider();
    if (w.providers > 1 && random() < 0.02) {
      let q = pickProvider();
      while (q === providerOf[c]) q = pickProvider();
      switchTo[c] = q;
    }
    const u = random();
    raw[c] = u < 0.25 ? int(2, 5) : u < 0.75 ? int(6, 14) : u < 0.95 ? int(15, 24) : int(25, 35);
    rawSum += raw[c]!;
  }
  const weekly = size / 4;
  if (weekly > C * WEEK_SLOTS) throw new Error(`${size} visits do not fit ${C} customers' weeks`);
  const perWeek = new Int32Array(C);
  let assigned = 0;
  for (let c = 0; c < C; c++) assigned += perWeek[c] = Math.max(1, Math.min(WEEK_SLOTS, Math.floor((raw[c]! * weekly) / rawSum)));
  for (let c = 0; assigned !== weekly; c = (c + 1) % C) {
    if (assigned < weekly && perWeek[c]! < WEEK_SLOTS) {
      perWeek[c]!++;
      assigned++;
    } else if (assigned > weekly && perWeek[c]! > 1) {
      perWeek[c]!--;
      assigned--;
    }
  }
  // Each plan: perWeek (weekday, slot) codes by weighted sampling without replacement, sorted; a planned length each.
  const planStart = new Int32Array(C + 1);
  for (let c = 0; c < C; c++) planStart[c + 1] = planStart[c]! + perWeek[c]!;
  const planCode = new Uint8Array(planStart[C]!);
  const planLength = new Uint8Array(planStart[C]!);
  const keys = new Float64Array(WEEK_SLOTS);
  const idx = Array.from({ length: WEEK_SLOTS }, (_, i) => i);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < WEEK_SLOTS; k++) keys[k] = Math.pow(random(), 1 / SLOTS[k % SLOTS.length]!.weight);
    idx.sort((a, b) => keys[b]! - keys[a]!);
    const chosen = idx.slice(0, perWeek[c]!).sort((a, b) => a - b);
    for (let j = 0; j < chosen.length; j++) {
      const code = chosen[j]!;
      const slot = SLOTS[code % SLOTS.length]!;
      planCode[planStart[c]! + j] = code;
      planLength[planStart[c]! + j] = int(slot.min, slot.max);
    }
  }

  // Orders: one per customer, a second for those who switch provider on the 15th.
  const orderIds: string[] = [];
  const orderCustomer: number[] = [];
  const orderProvider: number[] = [];
  const secondOrder = new Int32Array(C).fill(-1);
  for (let c = 0; c < C; c++) {
    orderIds.push(randomUUID());
    orderCustomer.push(c);
    orderProvider.push(providerOf[c]!);
  }
  for (let c = 0; c < C; c++) {
    if (switchTo[c]! < 0) continue;
    secondOrder[c] = orderIds.length;
    orderIds.push(randomUUID());
    orderCustomer.push(c);
    orderProvider.push(switchTo[c]!);
  }
  w.orders = orderIds.length;
  w.switchers = w.orders - C;
  const approved = Uint8Array.from({ length: w.orders }, () => (random() < 0.97 ? 1 : 0));
  const approvedVisits = new Int32Array(w.orders);
  const disputedVisits = new Int32Array(w.orders);
  const customerIds = Array.from({ length: C }, () => randomUUID());

  await sink.table('rate_tables', ['rate_table_id', 'municipality', 'area_id', 'valid_from', 'valid_to', 'rates'], async (push) => {
    for (const t of NACKA_HOME_CARE_RATES) await push([t.id, t.municipality, t.areaId, t.validFrom, t.validTo, JSON.stringify(t.rates)]);
  });
  // Bankgiro payees: account_kind defaults to bankgiro, and account_number carries the number (ADR 0031).
  await sink.table('provider_accounts', ['provider_id', 'name', 'bankgiro', 'account_number', 'updated_by'], async (push) => {
    for (let p = 0; p < w.providers; p++) {
      if (p % 20 === 19) continue;
      const body = String(100_000 + ((p * 7919) % 900_000));
      const bankgiro = `${body}${luhnCheckDigit(body)}`;
      await push([providerIds[p]!, `${municipal(p) ? 'Kommunal hemtjänst' : 'Omsorg'} ${p} AB`, bankgiro, bankgiro, 'bench']);
    }
  });
  await sink.table('orders', ['order_id', 'application_id', 'customer_id', 'provider_id', 'provider_kind', 'area_id', 'municipality', 'valid_from', 'valid_to', 'level', 'end_date', 'end_reason'], async (push) => {
    for (let o = 0; o < w.orders; o++) {
      const c = orderCustomer[o]!;
      const p = orderProvider[o]!;
      const isSecond = secondOrder[c] === o;
      const switches = secondOrder[c]! >= 0 && !isSecond;
      const from = isSecond ? `${MONTH}-${SWITCH_DAY}` : `2025-${String(int(1, 12)).padStart(2, '0')}-01`;
      const row: Cell[] = [orderIds[o]!, randomUUID(), customerIds[c]!, providerIds[p]!, municipal(p) ? 'municipal' : 'private', 'home-care', 'nacka', from, '2026-12-31', null];
      row.push(switches ? `${MONTH}-${SWITCH_DAY - 1}` : null, switches ? 'switched' : null);
      const wait = push(row);
      if (wait) await wait;
    }
  });
  await sink.table('fee_bases', ['customer_id', 'net_income_ore', 'housing_cost_ore', 'household', 'minimum_amount_raise_ore'], async (push) => {
    for (let c = 0; c < C; c++) {
      if (random() >= 0.6) continue;
      const wait = push([customerIds[c]!, int(1_100_000, 3_600_000), int(350_000, 950_000), random() < 0.8 ? 'single' : 'couple', random() < 0.05 ? 50_000 : 0]);
      if (wait) await wait;
    }
  });

  // Visits, day by day as they are reported; within a day, provider by provider.
  const reportOrder = Array.from({ length: C }, (_, c) => c).sort((a, b) => providerOf[a]! - providerOf[b]! || a - b);
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  const clock = Array.from({ length: 24 * 60 }, (_, m) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`);
  let seq = 0;
  await sink.table('visits', ['visit_id', 'order_id', 'customer_id', 'provider_id', 'external_id', 'kind', 'start_at', 'end_at', 'local_month', 'status'], async (push) => {
    for (let day = 1; day <= MONTH_DAYS; day++) {
      const date = `${MONTH}-${pad(day)}`;
      const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
      for (const c of reportOrder) {
        const o = day >= SWITCH_DAY && secondOrder[c]! >= 0 ? secondOrder[c]! : c;
        for (let j = planStart[c]!; j < planStart[c + 1]!; j++) {
          const code = planCode[j]!;
          if (Math.floor(code / SLOTS.length) !== weekday) continue;
          const slot = SLOTS[code % SLOTS.length]!;
          // Local start and length vary per visit; the clock is UTC (the whole month is UTC+1, and no visit is near midnight).
          const start = slot.start + int(0, 30) - UTC_OFFSET_MINUTES;
          const end = start + Math.max(5, planLength[j]! + int(-5, 5));
          let status = 'reported';
          if (approved[o]) {
            const u = random();
            status = u < 0.004 ? 'disputed' : u < 0.005 ? 'rejected' : 'approved';
            if (status === 'approved') approvedVisits[o]!++;
            else disputedVisits[o]!++;
          }
          const wait = push([randomUUID(), orderIds[o]!, customerIds[c]!, providerIds[orderProvider[o]!]!, `v${++seq}`, slot.kind, `${date}T${clock[start]}:00Z`, `${date}T${clock[end]}:00Z`, MONTH, status]);
          if (wait) await wait;
        }
      }
    }
  });
  if (seq !== size) throw new Error(`generated ${seq} visits, not ${size}`);

  await sink.table('month_approvals', ['order_id', 'month', 'approved_by', 'approved_visits', 'disputed_visits'], async (push) => {
    for (let o = 0; o < w.orders; o++) {
      if (!approved[o]) continue;
      const wait = push([orderIds[o]!, MONTH, `citizen-${customerIds[orderCustomer[o]!]!}`, approvedVisits[o]!, disputedVisits[o]!]);
      if (wait) await wait;
    }
  });
  return w;
}

/**
 * COPY into PostgreSQL, one table at a time on one connection, in ~1 MB chunks with back-pressure.
 * The visits table is loaded without its indexes (dropped, then rebuilt with the same definitions)
 * and with foreign-key triggers off (`session_replication_role = replica`): the rows are right by
 * construction, and building an index once is far faster than growing it row by row.
 */
export async function copySink(client: pg.Client): Promise<RowSink> {
  await client.query(`set session_replication_role = replica; set maintenance_work_mem = '1GB'`);
  return {
    async table(table, columns, fill) {
      const rebuild = table === 'visits' ? await dropIndexes(client, table) : [];
      const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
      let chunk: string[] = [];
      let bytes = 0;
      const flush = async () => {
        const text = chunk.join('');
        chunk = [];
        bytes = 0;
        if (!stream.write(text)) await once(stream, 'drain');
      };
      await fill((row) => {
        const line = `${row.map((v) => (v === null ? '\\N' : String(v))).join('\t')}\n`;
        chunk.push(line);
        bytes += line.length;
        return bytes >= 1 << 20 ? flush() : undefined;
      });
      if (bytes > 0) await flush();
      stream.end();
      await finished(stream);
      for (const statement of rebuild) await client.query(statement);
    },
  };
}

/** Drops a table's indexes and unique constraints; returns the statements that build them again as they were. */
async function dropIndexes(client: pg.Client, table: string): Promise<string[]> {
  const constraints = await client.query<{ name: string; def: string }>(
    `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass and contype in ('p', 'u')`,
    [table],
  );
  const indexes = await client.query<{ name: string; def: string }>(
    `select i.relname as name, pg_get_indexdef(i.oid) as def from pg_index x join pg_class i on i.oid = x.indexrelid
     where x.indrelid = $1::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.oid)`,
    [table],
  );
  for (const c of constraints.rows) await client.query(`alter table ${table} drop constraint ${c.name}`);
  for (const i of indexes.rows) await client.query(`drop index ${i.name}`);
  return [...constraints.rows.map((c) => `alter table ${table} add constraint ${c.name} ${c.def}`), ...indexes.rows.map((i) => i.def)];
}

/** Multi-row inserts through Kysely, 1 000 rows per statement: PGlite has no COPY from a client stream. */
export function insertSink(db: BillingDb): RowSink {
  return {
    async table(table, columns, fill) {
      let rows: Record<string, Cell>[] = [];
      const flush = async () => {
        const values = rows;
        rows = [];
        // The tables are the billing schema's; the row shapes are the generator's.
        await db.insertInto(table as 'visits').values(values as never).execute();
      };
      await fill((row) => {
        rows.push(Object.fromEntries(columns.map((c, i) => [c, row[i]!])));
        return rows.length >= 1000 ? flush() : undefined;
      });
      if (rows.length > 0) await flush();
    },
  };
}
