import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { FastifyPluginAsyncZod } from '@kundval/platform';
import { createTestService, testDatabaseUrl, type TestEngine } from '@kundval/platform/testing';
import type { BillingDb } from '../store/db.js';
import type { BillingDeps } from '../deps.js';
import { billingMigrations } from '../store/migrations.js';
import type { BillingTables } from '../store/schema.js';

/** The hourly fee (taxa) the route tests charge: Nacka's 312 kr/h, in öre (DOMAIN.md §3). */
export const TARIFF_ORE_PER_HOUR = 31_200;

/**
 * The real billing app over a database of its own on `engine`, with the route groups under test
 * (`routes`): tests of visits, settlement and rates build only what they exercise.
 */
export async function startBilling(engine: TestEngine, label: string, routes: (deps: BillingDeps) => FastifyPluginAsyncZod) {
  return createTestService<BillingTables>({
    name: 'billing',
    schema: 'billing',
    migrations: billingMigrations,
    routes: (deps) => routes({ ...deps, tariffOrePerHour: TARIFF_ORE_PER_HOUR }),
    databaseUrl: await testDatabaseUrl(engine, inject('postgresUrl'), label),
  });
}
export type TestBilling = Awaited<ReturnType<typeof startBilling>>;

/** Several route groups as one plugin. */
export function routeGroups(...groups: Array<(deps: BillingDeps) => FastifyPluginAsyncZod>) {
  return (deps: BillingDeps): FastifyPluginAsyncZod =>
    async (app) => {
      for (const group of groups) await app.register(group(deps));
    };
}

export type SeededOrder = { orderId: string; applicationId: string; customerId: string; providerId: string };

/** An order as billing learns it from `orderPlaced`, written straight into the table. */
export async function seedOrder(
  db: BillingDb,
  o: { providerId: string; customerId?: string; providerKind?: 'municipal' | 'private'; municipality?: string; validFrom?: string; validTo?: string },
): Promise<SeededOrder> {
  const row = {
    order_id: randomUUID(),
    application_id: randomUUID(),
    customer_id: o.customerId ?? randomUUID(),
    provider_id: o.providerId,
    provider_kind: o.providerKind ?? 'private',
    area_id: 'home-care',
    municipality: o.municipality ?? 'nacka',
    valid_from: o.validFrom ?? '2025-03-01',
    valid_to: o.validTo ?? '2025-05-31',
  };
  await db.insertInto('orders').values(row).execute();
  return { orderId: row.order_id, applicationId: row.application_id, customerId: row.customer_id, providerId: row.provider_id };
}

/** Visits of an order and the customer's approval of their month, written straight into the tables. */
export async function seedApprovedMonth(db: BillingDb, order: SeededOrder, month: string, visits: Array<{ kind: 'care' | 'service'; start: string; end: string }>) {
  for (const v of visits) {
    await db
      .insertInto('visits')
      .values({
        visit_id: randomUUID(),
        order_id: order.orderId,
        customer_id: order.customerId,
        provider_id: order.providerId,
        external_id: `seed-${randomUUID()}`,
        kind: v.kind,
        start_at: new Date(v.start),
        end_at: new Date(v.end),
        local_month: month,
        status: 'approved',
      })
      .execute();
  }
  await db.insertInto('month_approvals').values({ order_id: order.orderId, month, approved_by: 'citizen-user', approved_visits: visits.length, disputed_visits: 0 }).execute();
}

/** The seed's Nacka home-care voucher rates (DOMAIN.md: 293/310, 324/342, 369/390, service 246/263 kr/h), as PUT /rate-tables takes them. */
export const NACKA_RATES = {
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
} as const;

type RateTableBody = {
  municipality: string;
  areaId: string;
  validFrom: string;
  validTo: string | null;
  rates: ReadonlyArray<{ kind: 'care' | 'service'; band: string; providerKind: 'municipal' | 'private'; orePerHour: number }>;
};

/** Writes a rate table straight into the table (the rates routes are tested apart). */
export async function seedRateTable(db: BillingDb, rateTableId = 'nacka-home-care-2024', table: RateTableBody = NACKA_RATES) {
  await db
    .insertInto('rate_tables')
    .values({ rate_table_id: rateTableId, municipality: table.municipality, area_id: table.areaId, valid_from: table.validFrom, valid_to: table.validTo, rates: JSON.stringify(table.rates) })
    .execute();
}
