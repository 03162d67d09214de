import { approvedProvidersOf, coversDistrict, isPlaceArea } from '../../store/providers.js';
import type { ProviderKind } from '../../store/schema.js';
import type { QueryContext } from '../context.js';

export type ProviderSummaryView = {
  providerId: string;
  name: string;
  kind: ProviderKind;
  languages: string[];
  satisfactionScore: number | null;
  areaId: string;
  isDefault: boolean;
  capacityCustomers: number;
  capacityLeft: number;
  capacityUnit: 'customers' | 'places';
  serviceArea: string[];
  queueLength: number;
};

/**
 * What a customer chooses from: the approved providers of the area (serving `district`, when given)
 * with their capacity left, counted in places for a nursing home and in customers elsewhere.
 */
export async function compareProviders(ctx: Omit<QueryContext, 'principal'>, input: { areaId: string; district?: string | undefined }): Promise<ProviderSummaryView[]> {
  const rows = await approvedProvidersOf(ctx.db, input.areaId, ctx.today);
  const places = isPlaceArea(input.areaId);
  const { district } = input;
  return rows
    .filter((r) => district === undefined || coversDistrict(r.service_area, district))
    .map((r) => ({
      providerId: r.provider_id,
      name: r.name,
      kind: r.kind,
      languages: r.languages,
      satisfactionScore: r.satisfaction_score === null ? null : Number(r.satisfaction_score),
      areaId: r.area_id,
      isDefault: r.is_default,
      capacityCustomers: r.capacity_customers,
      capacityLeft: Math.max(0, r.capacity_customers - (places ? r.occupied_places : r.customers)),
      capacityUnit: places ? ('places' as const) : ('customers' as const),
      serviceArea: r.service_area,
      queueLength: r.queued,
    }));
}
