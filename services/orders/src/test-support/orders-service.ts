import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { FastifyPluginAsyncZod } from '@kundval/platform';
import { createTestService, testDatabaseUrl, type TestEngine } from '@kundval/platform/testing';
import { ordersRoutes } from '../app.js';
import type { OrdersDeps } from '../deps.js';
import type { OrdersDb } from '../store/db.js';
import { ordersMigrations } from '../store/migrations.js';
import type { OrdersTables } from '../store/schema.js';

/**
 * The instant the test apps run at: a Tuesday before the seeded decisions start (2026-02-01), so
 * that "tomorrow", deadlines and capacity in force do not drift with the day the tests run.
 */
export const TEST_NOW = new Date('2026-01-20T09:00:00+01:00');
export const TEST_TODAY = '2026-01-20';

/**
 * The real orders app over a database of its own on `engine`, its clock fixed at {@link TEST_NOW}
 * unless `clock` says otherwise. `routes` picks the route group under test (all of them by default)
 * and may wrap it, as the authorization matrix does to record them.
 */
export async function startOrders(
  engine: TestEngine,
  label: string,
  routes: (deps: OrdersDeps) => FastifyPluginAsyncZod = ordersRoutes,
  clock: () => Date = () => TEST_NOW,
) {
  return createTestService<OrdersTables>({
    name: 'orders',
    schema: 'orders',
    migrations: ordersMigrations,
    routes: (deps) => routes({ ...deps, clock }),
    databaseUrl: await testDatabaseUrl(engine, inject('postgresUrl'), label),
  });
}
export type TestOrders = Awaited<ReturnType<typeof startOrders>>;

/** A provider registration as POST /providers takes it. */
export function providerBody(providerId: string, overrides: Record<string, unknown> = {}) {
  return {
    providerId,
    name: `${providerId} AB`,
    kind: 'private',
    organisationNumber: organisationNumberFor(providerId),
    languages: ['sv'],
    satisfactionScore: 4.2,
    authorizations: [{ areaId: 'home-care', capacityCustomers: 10, isDefault: false }],
    ...overrides,
  };
}

/** A distinct, well-formed organisation number per provider id (the column is unique). */
function organisationNumberFor(providerId: string): string {
  let hash = 0;
  for (const ch of providerId) hash = (hash * 31 + ch.charCodeAt(0)) % 10_000_000_000;
  const digits = String(hash).padStart(10, '0');
  return `${digits.slice(0, 6)}-${digits.slice(6)}`;
}

/** A provider and its authorizations written straight into the tables (the registry's own route is tested apart). */
export async function seedProvider(
  db: OrdersDb,
  p: {
    providerId: string;
    kind?: 'municipal' | 'private';
    areaId?: string;
    isDefault?: boolean;
    capacity?: number;
    status?: 'applied' | 'approved' | 'suspended' | 'revoked';
    serviceArea?: string[];
    occupiedPlaces?: number;
  },
) {
  await db
    .insertInto('providers')
    .values({ provider_id: p.providerId, name: `${p.providerId} AB`, kind: p.kind ?? 'private', organisation_number: organisationNumberFor(p.providerId), languages: ['sv'], satisfaction_score: null })
    .onConflict((oc) => oc.column('provider_id').doNothing())
    .execute();
  await db
    .insertInto('authorizations')
    .values({
      provider_id: p.providerId,
      area_id: p.areaId ?? 'home-care',
      status: p.status ?? 'approved',
      capacity_customers: p.capacity ?? 10,
      is_default: p.isDefault ?? false,
      service_area: p.serviceArea ?? [],
      occupied_places: p.occupiedPlaces ?? 0,
    })
    .execute();
}

/** A decision as the orders service learns it from `decisionMade`, written straight into the table. */
export async function seedDecision(
  db: OrdersDb,
  d: {
    customerId?: string;
    areaId?: string;
    outcome?: 'granted' | 'partly-granted' | 'denied';
    validFrom?: string;
    validTo?: string;
    level?: number | null;
    district?: string | null;
    decidingMunicipality?: string | null;
    daysPerWeek?: number | null;
  } = {},
) {
  const row = {
    decision_id: randomUUID(),
    application_id: randomUUID(),
    customer_id: d.customerId ?? randomUUID(),
    area_id: d.areaId ?? 'home-care',
    municipality: 'nacka',
    outcome: d.outcome ?? 'granted',
    care_hours_per_month: '10.50',
    service_hours_per_month: '4.00',
    valid_from: d.validFrom ?? '2026-02-01',
    valid_to: d.validTo ?? '2026-07-31',
    level: d.level ?? null,
    district: d.district ?? null,
    deciding_municipality: d.decidingMunicipality ?? null,
    days_per_week: d.daysPerWeek ?? null,
  } as const;
  await db.insertInto('decisions').values(row).execute();
  return { decisionId: row.decision_id, applicationId: row.application_id, customerId: row.customer_id };
}
