import { sql } from 'kysely';
import { divideRoundHalfUp, maxtaxaOre, minimumAmountOre, type RateTable } from '@kundval/domain';
import type { BillingDb } from '@kundval/billing';
import { MONTH, TARIFF_ORE_PER_HOUR, UTC_OFFSET_MINUTES, type Totals } from './shared.js';

/** Line indexes of the plain loop: the three care bands of Nacka's table, service, and unpriced night minutes. */
const WEEKDAY_DAY = 0;
const WEEKDAY_EVENING = 1;
const WEEKEND = 2;
const SERVICE = 3;
const UNPRICED = 4;
const BAND_IDS = ['weekday-day', 'weekday-evening', 'weekend-holiday', 'any'] as const;
const DAY_MS = 86_400_000;

/**
 * The floor of the billing run's work: the rows the run reads, read by the same driver (the same
 * Kysely instance over node-postgres or PGlite) in one streaming pass — a server-side cursor,
 * fetched `fetchSize` rows at a time — and added up by a plain loop.
 *
 * - Statements: each approved visit's minutes go to its provider's line (kind, band); per provider,
 *   each line is minutes × rate / 60, rounded half up once (DOMAIN.md §2), as the run's statements.
 *   The band is read off the visit's start (local weekday and clock at UTC+1): valid for February 2026
 *   (no DST change, no holiday) and for visits that do not cross a band edge, which the generator
 *   guarantees. Disputed and rejected visits are read and skipped.
 * - Fees: approved minutes per customer; then the fee bases, streamed the same way; the fee is
 *   min(tariff, maxtaxa, fee room) in whole kronor.
 *
 * Nothing is written: no statements, payments, invoices, events, audit or file. What it keeps is a
 * number per customer (for the fee) and a line per provider and band; it returns the totals, which
 * must equal the run's.
 */
export async function plainLoop(db: BillingDb, fetchSize: number): Promise<Totals & { approvedVisits: number; providers: number; customers: number }> {
  const year = Number(MONTH.slice(0, 4));
  const table = (await db.selectFrom('rate_tables').select('rates').where('municipality', '=', 'nacka').where('area_id', '=', 'home-care').execute()) as Array<Pick<RateTable, 'rates'>>;
  if (table.length !== 1) throw new Error('the floor expects the one rate table the generator writes');
  const rate = (kind: 'municipal' | 'private', line: number) => table[0]!.rates.find((r) => r.providerKind === kind && r.band === BAND_IDS[line] && r.kind === (line === SERVICE ? 'service' : 'care'))!.orePerHour;
  const kinds = new Map((await sql<{ provider_id: string; kind: 'municipal' | 'private' }>`select provider_id, min(provider_kind) as kind from orders group by provider_id`.execute(db)).rows.map((r) => [r.provider_id, r.kind]));

  const providerMinutes = new Map<string, Float64Array>();
  const customerMinutes = new Map<string, number>();
  let visitsRead = 0;
  let approvedVisits = 0;
  const offsetMs = UTC_OFFSET_MINUTES * 60_000;

  await db.transaction().execute(async (trx) => {
    await sql`declare floor_visits no scroll cursor for
      select provider_id, customer_id, kind, status,
        to_char(start_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as start,
        to_char(end_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as end
      from visits where local_month = ${MONTH} and status in ('approved', 'disputed', 'rejected')`.execute(trx);
    const fetch = sql<{ provider_id: string; customer_id: string; kind: string; status: string; start: string; end: string }>`fetch ${sql.raw(String(fetchSize))} from floor_visits`;
    for (;;) {
      const { rows } = await fetch.execute(trx);
      for (const v of rows) {
        visitsRead++;
        if (v.status !== 'approved') continue;
        approvedVisits++;
        const start = Date.parse(v.start);
        const minutes = (Date.parse(v.end) - start) / 60_000;
        customerMinutes.set(v.customer_id, (customerMinutes.get(v.customer_id) ?? 0) + minutes);
        let line = SERVICE;
        if (v.kind === 'care') {
          const local = start + offsetMs;
          const weekday = (Math.floor(local / DAY_MS) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
          const clock = (local % DAY_MS) / 60_000;
          if (clock < 360 || clock >= 1320) line = UNPRICED;
          else if (weekday === 0 || weekday === 6) line = WEEKEND;
          else if (clock < 1140) line = WEEKDAY_DAY;
          else line = weekday === 5 ? WEEKEND : WEEKDAY_EVENING;
        }
        let lines = providerMinutes.get(v.provider_id);
        if (!lines) providerMinutes.set(v.provider_id, (lines = new Float64Array(5)));
        lines[line]! += minutes;
      }
      if (rows.length < fetchSize) break;
    }
  });

  let statementsOre = 0;
  for (const [providerId, lines] of providerMinutes) {
    const kind = kinds.get(providerId)!;
    for (let line = 0; line < UNPRICED; line++) statementsOre += divideRoundHalfUp(lines[line]! * rate(kind, line), 60);
  }

  const maxtaxa = maxtaxaOre(year);
  const minimum = { single: minimumAmountOre(year, 'single'), couple: minimumAmountOre(year, 'couple') };
  const wholeKronor = (ore: number) => Math.floor(ore / 100) * 100;
  const customers = customerMinutes.size;
  let feesOre = 0;
  await db.transaction().execute(async (trx) => {
    await sql`declare floor_bases no scroll cursor for select customer_id, net_income_ore, housing_cost_ore, household, minimum_amount_raise_ore from fee_bases`.execute(trx);
    const fetch = sql<{ customer_id: string; net_income_ore: number; housing_cost_ore: number; household: 'single' | 'couple'; minimum_amount_raise_ore: number }>`fetch ${sql.raw(String(fetchSize))} from floor_bases`;
    for (;;) {
      const { rows } = await fetch.execute(trx);
      for (const b of rows) {
        const minutes = customerMinutes.get(b.customer_id);
        if (minutes === undefined) continue;
        customerMinutes.delete(b.customer_id);
        const room = Math.max(0, b.net_income_ore - b.housing_cost_ore - minimum[b.household] - b.minimum_amount_raise_ore);
        feesOre += wholeKronor(Math.min(divideRoundHalfUp(minutes * TARIFF_ORE_PER_HOUR, 60), maxtaxa, room));
      }
      if (rows.length < fetchSize) break;
    }
  });
  for (const minutes of customerMinutes.values()) feesOre += wholeKronor(Math.min(divideRoundHalfUp(minutes * TARIFF_ORE_PER_HOUR, 60), maxtaxa));

  return { visitsRead, statementsOre, feesOre, approvedVisits, providers: providerMinutes.size, customers };
}
