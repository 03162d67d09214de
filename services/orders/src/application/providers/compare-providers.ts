import { approvedProvidersOf, coversDistrict, isPlaceArea } from '../../store/providers.js';
import { latestResultsInArea } from '../../store/surveys.js';
import type { ProviderKind } from '../../store/schema.js';
import type { QueryContext } from '../context.js';

export type ProviderSummaryView = {
  providerId: string;
  name: string;
  kind: ProviderKind;
  languages: string[];
  /** The provider's mean score in the area's latest published customer survey, else the score entered at registration. */
  satisfactionScore: number | null;
  /** How many customers answered that survey about the provider; null for an entered score. */
  satisfactionAnswers: number | null;
  satisfactionYear: number | null;
  satisfactionSource: 'survey' | 'entered' | null;
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
  // A published survey replaces the hand-entered score (ADR 0040).
  const surveyed = await latestResultsInArea(ctx.db, input.areaId);
  const places = isPlaceArea(input.areaId);
  const { district } = input;
  return rows
    .filter((r) => district === undefined || coversDistrict(r.service_area, district))
    .map((r) => ({
      providerId: r.provider_id,
      name: r.name,
      kind: r.kind,
      languages: r.languages,
      ...satisfaction(surveyed.get(r.provider_id), r.satisfaction_score),
      areaId: r.area_id,
      isDefault: r.is_default,
      capacityCustomers: r.capacity_customers,
      capacityLeft: Math.max(0, r.capacity_customers - (places ? r.occupied_places : r.customers)),
      capacityUnit: places ? ('places' as const) : ('customers' as const),
      serviceArea: r.service_area,
      queueLength: r.queued,
    }));
}

function satisfaction(survey: { scoreTenths: number; answers: number; year: number } | undefined, entered: string | null) {
  if (survey) return { satisfactionScore: survey.scoreTenths / 10, satisfactionAnswers: survey.answers, satisfactionYear: survey.year, satisfactionSource: 'survey' as const };
  return { satisfactionScore: entered === null ? null : Number(entered), satisfactionAnswers: null, satisfactionYear: null, satisfactionSource: entered === null ? null : ('entered' as const) };
}
