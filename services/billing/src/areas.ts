import { addDays, voucherAreaRegistry, type DeliveryUnit, type RateTable, type UnitAreaDefinition, type UnitRateTable, type VoucherAreaDefinition } from '@kundval/domain';
import { conflict } from '@kundval/platform';
import type { BillingDb } from './store/db.js';
import type { OrderRow } from './store/rows.js';

/**
 * What billing needs to know of a voucher area: how its deliveries are counted. Areas come from the
 * domain's registry; an order of an area the registry does not know is priced by the minute, as
 * billing did before unit areas existed, so a municipality's own minute area keeps working.
 */
export function areaDefinition(areaId: string): VoucherAreaDefinition | undefined {
  return voucherAreaRegistry.has(areaId) ? voucherAreaRegistry.get(areaId) : undefined;
}

export function deliveryUnitOf(areaId: string): DeliveryUnit {
  return areaDefinition(areaId)?.deliveryUnit ?? 'minutes-by-band';
}

/** The unit-priced area, or undefined for a minute area. */
export function unitArea(areaId: string): UnitAreaDefinition | undefined {
  const area = areaDefinition(areaId);
  return area && area.deliveryUnit !== 'minutes-by-band' ? area : undefined;
}

/** Ids of the registered areas paid per occupancy day (nursing homes). */
export function occupancyAreaIds(): string[] {
  return voucherAreaRegistry
    .list()
    .filter((a) => a.deliveryUnit === 'occupancy-day')
    .map((a) => a.id);
}

/** The last day the order is in force: its validity end, or the earlier end an `orderEnded` event set. */
export function orderEnd(order: Pick<OrderRow, 'valid_to' | 'end_date'>): string {
  return order.end_date !== null && order.end_date < order.valid_to ? order.end_date : order.valid_to;
}

/** The first day after the order's last day: where occupancy stops being paid at the latest (move-out is exclusive). */
export function dayAfterOrderEnd(order: Pick<OrderRow, 'valid_to' | 'end_date'>): string {
  return addDays(orderEnd(order), 1);
}

/**
 * Rate tables by municipality and area, read once per request or run: a billing run prices thousands
 * of orders from a handful of tables.
 */
export class RateTableCache {
  private readonly minutes = new Map<string, Promise<RateTable[]>>();
  private readonly units = new Map<string, Promise<UnitRateTable[]>>();

  constructor(private readonly db: BillingDb) {}

  minuteTables(municipality: string, areaId: string): Promise<RateTable[]> {
    const key = `${municipality}|${areaId}`;
    let tables = this.minutes.get(key);
    if (!tables) {
      tables = loadRateTables(this.db, municipality, areaId);
      this.minutes.set(key, tables);
    }
    return tables;
  }

  unitTables(municipality: string, areaId: string): Promise<UnitRateTable[]> {
    const key = `${municipality}|${areaId}`;
    let tables = this.units.get(key);
    if (!tables) {
      tables = loadUnitRateTables(this.db, municipality, areaId);
      this.units.set(key, tables);
    }
    return tables;
  }
}

export async function loadRateTables(db: BillingDb, municipality: string, areaId: string): Promise<RateTable[]> {
  const rows = await db.selectFrom('rate_tables').selectAll().where('municipality', '=', municipality).where('area_id', '=', areaId).orderBy('valid_from').execute();
  return rows.map((r) => ({ id: r.rate_table_id, municipality: r.municipality, areaId: r.area_id, validFrom: r.valid_from, validTo: r.valid_to, rates: r.rates }));
}

export async function loadUnitRateTables(db: BillingDb, municipality: string, areaId: string): Promise<UnitRateTable[]> {
  const rows = await db.selectFrom('unit_rate_tables').selectAll().where('municipality', '=', municipality).where('area_id', '=', areaId).orderBy('valid_from').execute();
  return rows.map((r) => ({ id: r.unit_rate_table_id, municipality: r.municipality, areaId: r.area_id, validFrom: r.valid_from, validTo: r.valid_to, rates: r.rates }));
}

/** A refusal when no table prices the order: the finance team's to fix, never a wrong amount. */
export function noRateTable(municipality: string, areaId: string) {
  return conflict('BILLING.NO_RATE_TABLE', `No rate table is configured for ${municipality} ${areaId}.`);
}

/**
 * Inserts the unit-priced areas' demo rate tables from their definitions (nursing home, day
 * activities, …) for `municipality`, leaving alone any table finance has saved under the same id.
 * Demo values (the area files say so); a municipality replaces them with PUT /unit-rate-tables.
 */
export async function ensureDemoUnitRateTables(db: BillingDb, municipality: string): Promise<number> {
  const rows = voucherAreaRegistry
    .list()
    .flatMap((area) => (area.deliveryUnit === 'minutes-by-band' ? [] : area.rateTables))
    .map((t) => ({
      unit_rate_table_id: t.municipality === municipality ? t.id : `${municipality}-${t.areaId}-${t.validFrom}`,
      municipality,
      area_id: t.areaId,
      valid_from: t.validFrom,
      valid_to: t.validTo,
      rates: JSON.stringify(t.rates),
    }));
  if (rows.length === 0) return 0;
  const existing = await db.selectFrom('unit_rate_tables').select(['area_id']).where('municipality', '=', municipality).execute();
  // An area finance has configured keeps its own tables: demo rows next to them could overlap in time.
  const configured = new Set(existing.map((r) => r.area_id));
  const missing = rows.filter((r) => !configured.has(r.area_id));
  if (missing.length === 0) return 0;
  await db.insertInto('unit_rate_tables').values(missing).onConflict((oc) => oc.column('unit_rate_table_id').doNothing()).execute();
  return missing.length;
}
