import { sql, type Selectable } from 'kysely';
import { voucherAreaRegistry, type AuthorizationRequirement, type VoucherAreaDefinition } from '@kundval/domain';
import type { OrdersDb } from '../store/db.js';
import type { OrdersTables, ProviderKind } from './schema.js';

export type AuthorizationRow = Selectable<OrdersTables['authorizations']>;

/** The area's definition, or undefined for an area the registry does not know (data from before it). */
export function areaDefinition(areaId: string): VoucherAreaDefinition | undefined {
  return voucherAreaRegistry.has(areaId) ? voucherAreaRegistry.get(areaId) : undefined;
}

/** Areas paid per occupancy day (nursing home) count capacity in places, and queue when they are full. */
export function isPlaceArea(areaId: string): boolean {
  return areaDefinition(areaId)?.deliveryUnit === 'occupancy-day';
}

/**
 * Whether the customer may use several providers of the area at once (its definition's `providers`):
 * a second choice then adds a provider instead of being refused, and orders are per provider.
 */
export function allowsSeveralProviders(areaId: string): boolean {
  return areaDefinition(areaId)?.providers === 'several';
}

/** Areas paid per attendance day agree the start and the days a week in the care plan. */
export function isAttendanceArea(areaId: string): boolean {
  return areaDefinition(areaId)?.deliveryUnit === 'attendance-day';
}

/** What a provider must show to be authorized in the area (DOMAIN.md §8), from the area's definition. */
export function requirementsOf(areaId: string): readonly AuthorizationRequirement[] {
  return areaDefinition(areaId)?.authorization ?? [];
}

/** Days from acceptance within which the care plan is due, or null where the area requires none. */
export function carePlanDeadlineDays(areaId: string): number | null {
  const carePlan = areaDefinition(areaId)?.carePlan;
  return carePlan?.required ? carePlan.deadlineDays : null;
}

/** Districts and postcodes compare without case and spaces: "131 30" is "13130". */
export function normaliseDistrict(value: string): string {
  return value.toLowerCase().replace(/\s+/g, '');
}

/**
 * Whether a declared service area covers a district: an empty area is the whole municipality; an
 * entry of digits covers every postcode it begins (`131` covers `131 30`); a name matches whole.
 */
export function coversDistrict(serviceArea: readonly string[], district: string): boolean {
  if (serviceArea.length === 0) return true;
  const d = normaliseDistrict(district);
  return serviceArea.some((entry) => {
    const e = normaliseDistrict(entry);
    return e === d || (/^\d+$/.test(e) && /^\d+$/.test(d) && d.startsWith(e));
  });
}

/**
 * The approved (not suspended) authorizations of an area, with each provider's id and kind: the one
 * query a chosen provider and the default provider are both looked up in.
 */
export function approvedAuthorizations(db: OrdersDb, areaId: string) {
  return db
    .selectFrom('authorizations as a')
    .innerJoin('providers as p', 'p.provider_id', 'a.provider_id')
    .select(['p.provider_id', 'p.kind'])
    .where('a.area_id', '=', areaId)
    .where('a.status', '=', 'approved');
}

/** A provider authorized (approved, not suspended) in the area, with its kind. */
export async function approvedProvider(db: OrdersDb, providerId: string, areaId: string): Promise<{ provider_id: string; kind: ProviderKind } | undefined> {
  return approvedAuthorizations(db, areaId).where('a.provider_id', '=', providerId).executeTakeFirst();
}

/**
 * Customers a provider holds in an area on `today`: its orders not refused, in force today or later
 * (an order ended before it began holds nothing). `acceptedOnly` counts what it has taken on.
 */
export async function customersHeld(
  db: OrdersDb,
  providerId: string,
  areaId: string,
  today: string,
  options: { acceptedOnly?: boolean; excludeOrderId?: string } = {},
): Promise<number> {
  let query = db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('provider_id', '=', providerId)
    .where('area_id', '=', areaId)
    .where('status', 'in', options.acceptedOnly ? ['accepted'] : ['placed', 'accepted'])
    .where(sql<boolean>`coalesce(end_date, valid_to) >= ${today}::date`)
    .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`);
  if (options.excludeOrderId) query = query.where('order_id', '<>', options.excludeOrderId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The provider's authorization for the area, locked for the rest of the transaction (its capacity and places are about to be counted). */
export async function lockedAuthorization(db: OrdersDb, providerId: string, areaId: string): Promise<AuthorizationRow> {
  return db.selectFrom('authorizations').selectAll().where('provider_id', '=', providerId).where('area_id', '=', areaId).forUpdate().executeTakeFirstOrThrow();
}

export async function providerKindOf(db: OrdersDb, providerId: string): Promise<{ provider_id: string; kind: ProviderKind }> {
  return db.selectFrom('providers').select(['provider_id', 'kind']).where('provider_id', '=', providerId).executeTakeFirstOrThrow();
}

/**
 * The providers with an approved authorization in the area, by name, each with the customers it
 * holds on `today` (orders placed or accepted, in force) and the customers in its queue.
 */
export async function approvedProvidersOf(db: OrdersDb, areaId: string, today: string) {
  const rows = await db
    .selectFrom('providers as p')
    .innerJoin('authorizations as a', 'a.provider_id', 'p.provider_id')
    .select((eb) => [
      'p.provider_id',
      'p.name',
      'p.kind',
      'p.languages',
      'p.satisfaction_score',
      'a.area_id',
      'a.is_default',
      'a.capacity_customers',
      'a.service_area',
      'a.occupied_places',
      eb
        .selectFrom('orders as o')
        .whereRef('o.provider_id', '=', 'p.provider_id')
        .whereRef('o.area_id', '=', 'a.area_id')
        .where('o.status', 'in', ['placed', 'accepted'])
        .where(sql<boolean>`coalesce(o.end_date, o.valid_to) >= ${today}::date`)
        .where(sql<boolean>`coalesce(o.end_date, o.valid_to) >= o.valid_from`)
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('customers'),
      eb
        .selectFrom('queue_entries as q')
        .whereRef('q.provider_id', '=', 'p.provider_id')
        .whereRef('q.area_id', '=', 'a.area_id')
        .where('q.status', 'in', ['waiting', 'offered'])
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('queued'),
    ])
    .where('a.area_id', '=', areaId)
    .where('a.status', '=', 'approved')
    .orderBy('p.name')
    .execute();
  return rows.map((r) => ({ ...r, customers: Number(r.customers ?? 0), queued: Number(r.queued ?? 0) }));
}

/** The area's default provider (ickevalsalternativ) when its authorization is approved. */
export async function defaultProviderOf(db: OrdersDb, areaId: string): Promise<{ provider_id: string; kind: ProviderKind } | undefined> {
  return approvedAuthorizations(db, areaId).where('a.is_default', '=', true).executeTakeFirst();
}
