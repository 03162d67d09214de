import { randomUUID } from 'node:crypto';
import { expect, inject } from 'vitest';
import { eventCatalog, type CatalogEvent } from '@kundval/contracts';
import { createTestService, recordingRoutes, testDatabaseUrl, type RouteAccess, type TestEngine } from '@kundval/platform/testing';
import { billingRoutes } from '../app.js';
import type { BillingDeps } from '../deps.js';
import type { BillingDb } from '../store/db.js';
import { billingMigrations } from '../store/migrations.js';
import type { BillingTables } from '../store/schema.js';
import { applyOrderEvent } from '../consumers/orders.consumer.js';
import { NACKA_RATES } from './billing-routes.js';

/**
 * The whole billing app (every route group, Idempotency-Key, the unit areas' demo tables for nacka)
 * over a database of its own; `registered`, when given, receives every route it registers (an
 * authorization matrix compares its rows with them).
 */
export async function startFullBilling(engine: TestEngine, label: string, deps: Partial<Omit<BillingDeps, 'db' | 'afterCommit'>> = {}, registered?: RouteAccess[]) {
  const svc = await createTestService<BillingTables>({
    name: 'billing',
    schema: 'billing',
    migrations: billingMigrations,
    routes: (d) => {
      const routes = billingRoutes({ ...d, tariffOrePerHour: 31_200, demoUnitRateTablesFor: 'nacka', ...deps });
      return registered ? recordingRoutes(routes, registered) : routes;
    },
    databaseUrl: await testDatabaseUrl(engine, inject('postgresUrl'), label),
  });
  await svc.db
    .insertInto('rate_tables')
    .values({ rate_table_id: 'nacka-home-care-2024', municipality: 'nacka', area_id: 'home-care', valid_from: NACKA_RATES.validFrom, valid_to: null, rates: JSON.stringify(NACKA_RATES.rates) })
    .execute();
  return svc;
}
export type FullBilling = Awaited<ReturnType<typeof startFullBilling>>;

export type PlacedOrder = { orderId: string; applicationId: string; customerId: string; providerId: string };

export type ReportedVisit = { visitId: string; externalId: string; status: string };

/**
 * The requests the route tests make about an order: as its provider, its customer, or a role's
 * headers. `service` is read at call time, since the service starts in `beforeAll`.
 */
export function orderRequests(service: () => FullBilling) {
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: unknown) =>
    service().app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const providerOf = (order: PlacedOrder) => service().as({ role: 'provider', providerId: order.providerId });
  const citizenOf = (order: PlacedOrder) => service().as({ role: 'citizen', customerId: order.customerId });
  /** The journey's worker carrying the customer's approval (ADR 0029): `system` on their behalf. */
  const journeyFor = (order: { customerId: string }) =>
    service().as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${order.customerId}`, role: 'citizen', customerId: order.customerId } });
  /** The provider reports visits; the answer must be 201. */
  async function report(order: PlacedOrder, visits: ReturnType<typeof visit>[]): Promise<ReportedVisit[]> {
    const res = await inject('POST', `/orders/${order.orderId}/visits`, await providerOf(order), { visits });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ visits: ReportedVisit[] }>().visits;
  }
  /** The customer approves the month, disputing `disputedVisitIds`; the answer must be 201. */
  async function approve(order: PlacedOrder, month: string, disputedVisitIds: string[] = []): Promise<void> {
    const res = await inject('POST', `/orders/${order.orderId}/months/${month}/approval`, await journeyFor(order), { disputedVisitIds });
    expect(res.statusCode, res.body).toBe(201);
  }
  return { inject, providerOf, citizenOf, journeyFor, report, approve };
}

/** An order as billing learns it from `orderPlaced`, through the consumer's own handler. */
export async function placeOrder(
  db: BillingDb,
  o: {
    providerId: string;
    customerId?: string;
    providerKind?: 'municipal' | 'private';
    areaId?: string;
    level?: number | null;
    validFrom?: string;
    validTo?: string;
    municipality?: string;
    /** Another municipality whose decision placed the customer here (ADR 0014). */
    decidingMunicipality?: string | null;
  },
): Promise<PlacedOrder> {
  const order = {
    orderId: randomUUID(),
    applicationId: randomUUID(),
    decisionId: randomUUID(),
    customerId: o.customerId ?? randomUUID(),
    providerId: o.providerId,
    providerKind: o.providerKind ?? 'private',
    areaId: o.areaId ?? 'home-care',
    municipality: o.municipality ?? 'nacka',
    careHoursPerMonth: 10,
    serviceHoursPerMonth: 2,
    validFrom: o.validFrom ?? '2025-01-01',
    validTo: o.validTo ?? '2025-12-31',
    level: o.level ?? null,
    decidingMunicipality: o.decidingMunicipality ?? null,
  };
  await applyOrderEvent(db, orderEvent('orderPlaced', order));
  return { orderId: order.orderId, applicationId: order.applicationId, customerId: order.customerId, providerId: order.providerId };
}

/** Ends an order as the orders service's `orderEnded` does (a switch, the decision ended). */
export async function endOrder(db: BillingDb, order: PlacedOrder, endDate: string, reason: 'switched' | 'decision-ended' | 'decision-changed' = 'switched') {
  await applyOrderEvent(db, orderEvent('orderEnded', { orderId: order.orderId, applicationId: order.applicationId, customerId: order.customerId, providerId: order.providerId, endDate, reason }));
}

/** The terms an `orderChanged` event amends an order to, from `effectiveFrom`. */
export type OrderAmendment = { effectiveFrom: string; validTo: string; level?: number | null; careHoursPerMonth?: number; serviceHoursPerMonth?: number };

/** Amends an order as the orders service's `orderChanged` does (a changed or renewed decision); returns the event, to deliver again. */
export async function changeOrder(db: BillingDb, order: PlacedOrder, change: OrderAmendment, occurredAt = new Date()): Promise<CatalogEvent> {
  const event = orderEvent(
    'orderChanged',
    {
      orderId: order.orderId,
      applicationId: order.applicationId,
      customerId: order.customerId,
      providerId: order.providerId,
      effectiveFrom: change.effectiveFrom,
      validTo: change.validTo,
      careHoursPerMonth: change.careHoursPerMonth ?? 10,
      serviceHoursPerMonth: change.serviceHoursPerMonth ?? 2,
      level: change.level ?? null,
    },
    occurredAt,
  );
  await applyOrderEvent(db, event);
  return event;
}

export function orderEvent<N extends 'orderPlaced' | 'orderChanged' | 'orderEnded'>(name: N, payload: Extract<CatalogEvent, { name: N }>['payload'], occurredAt = new Date()): CatalogEvent {
  return { name, eventId: randomUUID(), subject: eventCatalog[name].subject, occurredAt: occurredAt.toISOString(), correlationId: null, payload } as CatalogEvent;
}

let visitNo = 0;
/** A visit report; `day` and times are local (give the offset: +01:00 in winter, +02:00 in summer). */
export function visit(date: string, from: string, to: string, kind: 'care' | 'service' = 'care', offset = '+01:00') {
  return { externalId: `cv-${++visitNo}`, kind, start: `${date}T${from}:00${offset}`, end: `${date}T${to}:00${offset}` };
}

export const fieldsOf = (res: { json: () => unknown }) => ((res.json() as { issues?: Array<{ field: string }> }).issues ?? []).map((i) => i.field);
