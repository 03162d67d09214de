import type { Insertable, Updateable } from 'kysely';
import type { OrdersDb } from './db.js';
import { isPlaceArea, requirementsOf, type AuthorizationRow } from './providers.js';
import type { AuthorizationStatus, OrdersTables, ProviderKind } from './schema.js';

/** An authorization as the API shows it, with the area's checklist. */
export type AuthorizationView = {
  providerId: string;
  areaId: string;
  status: AuthorizationStatus;
  kind: ProviderKind;
  capacity: number;
  capacityUnit: 'customers' | 'places';
  serviceArea: string[];
  isDefault: boolean;
  requirements: { requirement: string; met: boolean }[];
  statusReason: string | null;
};

export async function providerExists(db: OrdersDb, providerId: string): Promise<boolean> {
  return (await db.selectFrom('providers').select('provider_id').where('provider_id', '=', providerId).executeTakeFirst()) !== undefined;
}

export async function insertProvider(db: OrdersDb, row: Insertable<OrdersTables['providers']>): Promise<void> {
  await db.insertInto('providers').values(row).execute();
}

/** The provider's authorization for the area, locked for the rest of the transaction; undefined when there is none. */
export async function lockAuthorization(db: OrdersDb, providerId: string, areaId: string): Promise<AuthorizationRow | undefined> {
  return db.selectFrom('authorizations').selectAll().where('provider_id', '=', providerId).where('area_id', '=', areaId).forUpdate().executeTakeFirst();
}

export async function insertAuthorization(db: OrdersDb, row: Insertable<OrdersTables['authorizations']>): Promise<void> {
  await db.insertInto('authorizations').values(row).execute();
}

export async function updateAuthorization(db: OrdersDb, providerId: string, areaId: string, set: Updateable<OrdersTables['authorizations']>): Promise<void> {
  await db.updateTable('authorizations').set(set).where('provider_id', '=', providerId).where('area_id', '=', areaId).execute();
}

export async function listAuthorizations(db: OrdersDb, providerId: string, areaId?: string): Promise<AuthorizationView[]> {
  let query = db.selectFrom('authorizations as a').innerJoin('providers as p', 'p.provider_id', 'a.provider_id').selectAll('a').select('p.kind').where('a.provider_id', '=', providerId);
  if (areaId) query = query.where('a.area_id', '=', areaId);
  const rows = await query.orderBy('a.area_id').execute();
  return rows.map(toAuthorization);
}

export async function readAuthorization(db: OrdersDb, providerId: string, areaId: string): Promise<AuthorizationView> {
  const [authorization] = await listAuthorizations(db, providerId, areaId);
  if (!authorization) throw new Error(`authorization ${providerId}/${areaId} vanished inside its own transaction`);
  return authorization;
}

function toAuthorization(row: AuthorizationRow & { kind: ProviderKind }): AuthorizationView {
  return {
    providerId: row.provider_id,
    areaId: row.area_id,
    status: row.status,
    kind: row.kind,
    capacity: row.capacity_customers,
    capacityUnit: isPlaceArea(row.area_id) ? 'places' : 'customers',
    serviceArea: row.service_area,
    isDefault: row.is_default,
    requirements: requirementsOf(row.area_id).map((requirement) => ({ requirement, met: row.checked_requirements.includes(requirement) })),
    statusReason: row.status_reason,
  };
}
