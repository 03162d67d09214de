import { audit, invalid } from '@kundval/platform';
import { insertAuthorization, insertProvider } from '../../store/authorizations.js';
import { areaDefinition, requirementsOf } from '../../store/providers.js';
import type { ProviderKind } from '../../store/schema.js';
import type { Outcome, UseCaseContext } from '../context.js';

export type RegisterProvider = {
  providerId: string;
  name: string;
  kind: ProviderKind;
  organisationNumber: string;
  languages: string[];
  satisfactionScore: number | null;
  authorizations: { areaId: string; capacityCustomers: number; isDefault: boolean; serviceArea: string[] }[];
};

/** What needs no database: every area must exist. Run before the command claims its key. */
export function checkRegistration(input: Pick<RegisterProvider, 'authorizations'>): void {
  input.authorizations.forEach((a, i) => {
    if (!areaDefinition(a.areaId)) throw invalid('ORDERS.UNKNOWN_AREA', `No voucher area ${a.areaId}.`, { field: `body.authorizations.${i}.areaId` });
  });
}

/**
 * Registers a provider whose authorization in each area is already approved, every requirement of
 * the area checked (demo data, migration from an earlier system). A new provider applies instead.
 */
export async function registerProvider(ctx: UseCaseContext, input: RegisterProvider): Promise<Outcome<{ providerId: string }>> {
  await insertProvider(ctx.db, {
    provider_id: input.providerId,
    name: input.name,
    kind: input.kind,
    organisation_number: input.organisationNumber,
    languages: input.languages,
    satisfaction_score: input.satisfactionScore === null ? null : String(input.satisfactionScore),
  });
  for (const a of input.authorizations) {
    await insertAuthorization(ctx.db, {
      provider_id: input.providerId,
      area_id: a.areaId,
      status: 'approved',
      capacity_customers: a.capacityCustomers,
      is_default: a.isDefault,
      service_area: a.serviceArea,
      checked_requirements: [...requirementsOf(a.areaId)],
      applied_at: ctx.now,
      decided_at: ctx.now,
    });
  }
  await audit(ctx.db, ctx.actor, { action: 'provider.registered', entity: 'provider', entityId: input.providerId, after: input, correlationId: ctx.correlationId });
  return { result: { providerId: input.providerId }, created: true, events: [] };
}
