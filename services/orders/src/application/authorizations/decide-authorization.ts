import { authorizationStep, type AuthorizationDecision, type AuthorizationRequirement } from '@kundval/domain';
import { audit, conflict, invalid, notFound } from '@kundval/platform';
import { lockAuthorization, readAuthorization, updateAuthorization, type AuthorizationView } from '../../store/authorizations.js';
import { requirementsOf } from '../../store/providers.js';
import type { Outcome, UseCaseContext } from '../context.js';

export type DecideAuthorization = { providerId: string; areaId: string; decision: AuthorizationDecision; checked: AuthorizationRequirement[]; reason?: string | undefined };

/** Validates what needs no database: requirements are checked with an approval, and a suspension or revocation gives its reason. */
export function checkDecision(input: Pick<DecideAuthorization, 'decision' | 'checked' | 'reason'>): void {
  if (input.checked.length > 0 && input.decision !== 'approve') {
    throw invalid('ORDERS.CHECKS_ONLY_ON_APPROVAL', 'Requirements are checked with an approval.', { field: 'body.checked' });
  }
  if ((input.decision === 'suspend' || input.decision === 'revoke') && !input.reason) {
    throw invalid('ORDERS.REASON_REQUIRED', `Give the reason to ${input.decision} an authorization.`, { field: 'body.reason' });
  }
}

/**
 * The administrator approves, suspends, reinstates or revokes an authorization along its lifecycle
 * (packages/domain `authorizationStep`). Approval needs every requirement of the area checked.
 */
export async function decideAuthorization(ctx: UseCaseContext, input: DecideAuthorization): Promise<Outcome<AuthorizationView>> {
  const { providerId, areaId, decision } = input;
  const current = await lockAuthorization(ctx.db, providerId, areaId);
  if (!current) throw notFound('ORDERS.AUTHORIZATION_NOT_FOUND', `Provider ${providerId} has no authorization for ${areaId}.`);
  const requirements = requirementsOf(areaId);
  const foreign = input.checked.filter((r) => !requirements.includes(r));
  if (foreign.length > 0) throw invalid('ORDERS.REQUIREMENT_NOT_IN_AREA', `${areaId} does not require ${foreign.join(', ')}.`, { field: 'body.checked' });
  const to = authorizationStep(current.status, decision);
  if (to === null) {
    throw conflict('ORDERS.INVALID_TRANSITION', `An authorization that is ${current.status} cannot be ${decision === 'approve' ? 'approved' : `${decision}d`}.`, {
      from: current.status,
      decision,
    });
  }
  const checked = [...new Set([...current.checked_requirements, ...input.checked])];
  if (decision === 'approve') {
    const missing = requirements.filter((r) => !checked.includes(r));
    if (missing.length > 0) throw conflict('ORDERS.REQUIREMENTS_UNMET', `Not yet checked: ${missing.join(', ')}.`, { missing });
  }
  await updateAuthorization(ctx.db, providerId, areaId, {
    status: to,
    checked_requirements: checked,
    decided_at: ctx.now,
    updated_at: ctx.now,
    status_reason: input.reason ?? null,
    // A revoked default provider stops being the default, so another can be named.
    ...(to === 'revoked' ? { is_default: false } : {}),
  });
  await audit(ctx.db, ctx.actor, {
    action: `authorization.${decision}`,
    entity: 'authorization',
    entityId: `${providerId}/${areaId}`,
    before: { status: current.status, checked: current.checked_requirements },
    after: { status: to, checked, reason: input.reason ?? null },
    correlationId: ctx.correlationId,
  });
  return { result: await readAuthorization(ctx.db, providerId, areaId), created: false, events: [] };
}
