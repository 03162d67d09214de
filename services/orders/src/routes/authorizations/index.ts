import { z } from 'zod';
import { AuthorizationRequirement } from '@kundval/domain';
import { conflict, isUniqueViolation, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { applyForAuthorization, assertMayApply, checkApplication } from '../../application/authorizations/apply-for-authorization.js';
import { checkDecision, decideAuthorization } from '../../application/authorizations/decide-authorization.js';
import { listAuthorizations } from '../../application/authorizations/list-authorizations.js';
import { errors, queryContext, useCaseRunner } from '../command.js';
import { District, OrganisationNumber, ProviderId } from '../providers/index.js';

const ProviderParams = z.object({ providerId: ProviderId });
const AuthorizationParams = z.object({ providerId: ProviderId, areaId: z.string().min(1).max(100) });

const ApplicationBody = z.object({
  areaId: z.string().min(1).max(100),
  /** Customers the provider can take, or places for a nursing home. */
  capacity: z.number().int().min(0).max(100_000),
  serviceArea: z.array(District).max(500).default([]),
  /** Needed when the provider is not registered yet: free establishment means anyone may apply. */
  provider: z
    .object({
      name: z.string().min(1).max(200),
      kind: z.enum(['municipal', 'private']),
      organisationNumber: OrganisationNumber,
      languages: z.array(z.string().min(2).max(30)).default([]),
    })
    .optional(),
});

const Decision = z.enum(['approve', 'suspend', 'reinstate', 'revoke']);

const DecisionBody = z.object({
  decision: Decision,
  /** Requirements the administrator found met with this decision (approval only). */
  checked: z.array(AuthorizationRequirement).max(20).default([]),
  /** Why: required to suspend or revoke, so the provider and a later review can see it. */
  reason: z.string().trim().min(1).max(2000).optional(),
});

const Authorization = z.object({
  providerId: z.string(),
  areaId: z.string(),
  status: z.enum(['applied', 'approved', 'suspended', 'revoked']),
  kind: z.enum(['municipal', 'private']),
  capacity: z.number(),
  capacityUnit: z.enum(['customers', 'places']),
  serviceArea: z.array(z.string()),
  isDefault: z.boolean(),
  /** The area's checklist (DOMAIN.md §8): every requirement must be met before approval. */
  requirements: z.array(z.object({ requirement: z.string(), met: z.boolean() })),
  statusReason: z.string().nullable(),
});

/** Provider authorization per voucher area: the application with its checklist, and the administrator's decisions. */
export function authorizationRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const query = queryContext(deps);
  return async (app) => {
    app.post(
      '/providers/:providerId/authorizations',
      {
        config: { roles: ['provider', 'administrator'] },
        schema: {
          summary: 'Apply for authorization in a voucher area',
          description:
            'Free establishment on equal terms (municipal and private alike): the application declares capacity and service area and starts as `applied`, ' +
            "with the area's requirements as a checklist for the administrator. A provider applies for itself; a revoked authorization may be applied for again.",
          tags: ['authorizations'],
          params: ProviderParams,
          body: ApplicationBody,
          response: { 201: Authorization, ...errors },
        },
      },
      async (req, reply) => {
        assertMayApply(req, req.params.providerId);
        checkApplication(req.body);
        try {
          return await run(req, reply, (ctx) => applyForAuthorization(ctx, { providerId: req.params.providerId, ...req.body }));
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict('ORDERS.PROVIDER_EXISTS', 'Another provider is registered with this organisation number.');
          throw err;
        }
      },
    );

    app.get(
      '/providers/:providerId/authorizations',
      {
        config: { roles: ['provider', 'administrator', 'case-handler', 'operator'] },
        schema: {
          summary: "A provider's authorizations with their checklists",
          description: 'A provider sees only its own.',
          tags: ['authorizations'],
          params: ProviderParams,
          response: { 200: z.array(Authorization), ...errors },
        },
      },
      async (req) => listAuthorizations(query(req), req.params),
    );

    app.post(
      '/providers/:providerId/authorizations/:areaId/decision',
      {
        config: { roles: ['administrator'] },
        schema: {
          summary: 'Approve, suspend, reinstate or revoke an authorization',
          description:
            'Approval needs every requirement of the area checked (those checked before and those in `checked`). ' +
            'The lifecycle is applied → approved → (suspended ↔ approved) → revoked; any other step is 409 ORDERS.INVALID_TRANSITION. ' +
            'A suspended or revoked provider leaves the comparison and cannot be chosen; orders already placed stand.',
          tags: ['authorizations'],
          params: AuthorizationParams,
          body: DecisionBody,
          response: { 200: Authorization, ...errors },
        },
      },
      async (req, reply) => {
        checkDecision(req.body);
        return run(req, reply, (ctx) => decideAuthorization(ctx, { ...req.params, ...req.body }));
      },
    );

  };
}
