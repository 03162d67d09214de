import { audit, conflict, invalid } from '@kundval/platform';
import { insertAuthorization, insertProvider, lockAuthorization, providerExists, readAuthorization, updateAuthorization, type AuthorizationView } from '../../store/authorizations.js';
import { areaDefinition } from '../../store/providers.js';
import type { ProviderKind } from '../../store/schema.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { assertSees } from '../scope.js';

export type ApplyForAuthorization = {
  providerId: string;
  areaId: string;
  capacity: number;
  serviceArea: string[];
  /** Needed when the provider is not registered yet. */
  provider?: { name: string; kind: ProviderKind; organisationNumber: string; languages: string[] } | undefined;
};

/** Validates what needs no database: the area must exist. Run before the command claims its key. */
export function checkApplication(input: Pick<ApplyForAuthorization, 'areaId'>): void {
  if (!areaDefinition(input.areaId)) throw invalid('ORDERS.UNKNOWN_AREA', `No voucher area ${input.areaId}.`, { field: 'body.areaId' });
}

/**
 * A provider applies for authorization in a voucher area (free establishment on equal terms): the
 * application starts as `applied` with the area's requirements as a checklist; an unregistered
 * provider is registered with it; a revoked authorization may be applied for again.
 */
export async function applyForAuthorization(ctx: UseCaseContext, input: ApplyForAuthorization): Promise<Outcome<AuthorizationView>> {
  const { providerId, areaId } = input;
  if (!(await providerExists(ctx.db, providerId))) {
    if (!input.provider) {
      throw invalid('ORDERS.PROVIDER_DETAILS_REQUIRED', `Provider ${providerId} is not registered: send its name, kind and organisation number.`, { field: 'body.provider' });
    }
    await insertProvider(ctx.db, {
      provider_id: providerId,
      name: input.provider.name,
      kind: input.provider.kind,
      organisation_number: input.provider.organisationNumber,
      languages: input.provider.languages,
      satisfaction_score: null,
    });
    await audit(ctx.db, ctx.actor, { action: 'provider.registered', entity: 'provider', entityId: providerId, after: input.provider, correlationId: ctx.correlationId });
  }
  const existing = await lockAuthorization(ctx.db, providerId, areaId);
  if (existing && existing.status !== 'revoked') {
    throw conflict('ORDERS.AUTHORIZATION_EXISTS', `Provider ${providerId} already has an authorization for ${areaId} (${existing.status}).`);
  }
  const application = {
    status: 'applied' as const,
    capacity_customers: input.capacity,
    is_default: false,
    service_area: input.serviceArea,
    checked_requirements: [],
    occupied_places: 0,
    applied_at: ctx.now,
    decided_at: null,
    status_reason: null,
    updated_at: ctx.now,
  };
  if (existing) await updateAuthorization(ctx.db, providerId, areaId, application);
  else await insertAuthorization(ctx.db, { provider_id: providerId, area_id: areaId, ...application });
  await audit(ctx.db, ctx.actor, {
    action: 'authorization.applied',
    entity: 'authorization',
    entityId: `${providerId}/${areaId}`,
    before: existing ? { status: existing.status } : undefined,
    after: { status: 'applied', capacity: input.capacity, serviceArea: input.serviceArea },
    correlationId: ctx.correlationId,
  });
  return { result: await readAuthorization(ctx.db, providerId, areaId), created: true, events: [] };
}

/** A provider applies for itself only. */
export function assertMayApply(caller: Pick<UseCaseContext, 'principal'>, providerId: string): void {
  assertSees(caller.principal, { providerId });
}
