import { z } from 'zod';
import { AuthorizationRequirement } from '@kundval/domain';
import { assertProviderScope, audit, conflict, invalid, isUniqueViolation, notFound, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDb } from '../../store/db.js';
import type { OrdersDeps } from '../../deps.js';
import type { AuthorizationStatus } from '../../store/schema.js';
import { areaDefinition, isPlaceArea, requirementsOf, type AuthorizationRow } from '../../store/providers.js';
import { commandRunner, errors } from '../command.js';
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
type Decision = z.infer<typeof Decision>;

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
type Authorization = z.infer<typeof Authorization>;

/** The lifecycle (DOMAIN.md §8): applied → approved → (suspended ↔ approved) → revoked; an application may be turned down (revoked). */
const TRANSITIONS: Record<Decision, { from: readonly AuthorizationStatus[]; to: AuthorizationStatus }> = {
  approve: { from: ['applied'], to: 'approved' },
  suspend: { from: ['approved'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'approved' },
  revoke: { from: ['applied', 'approved', 'suspended'], to: 'revoked' },
};

/** Provider authorization per voucher area: the application with its checklist, and the administrator's decisions. */
export function authorizationRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  const command = commandRunner(deps);
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
        assertProviderScope(req.principal, req.params.providerId);
        const body = req.body;
        if (!areaDefinition(body.areaId)) throw invalid('ORDERS.UNKNOWN_AREA', `No voucher area ${body.areaId}.`, { field: 'body.areaId' });
        const providerId = req.params.providerId;
        try {
          return await command(req, reply, async (tx) => {
            const provider = await tx.db.selectFrom('providers').select('provider_id').where('provider_id', '=', providerId).executeTakeFirst();
            if (!provider) {
              if (!body.provider) {
                throw invalid('ORDERS.PROVIDER_DETAILS_REQUIRED', `Provider ${providerId} is not registered: send its name, kind and organisation number.`, { field: 'body.provider' });
              }
              await tx.db
                .insertInto('providers')
                .values({
                  provider_id: providerId,
                  name: body.provider.name,
                  kind: body.provider.kind,
                  organisation_number: body.provider.organisationNumber,
                  languages: body.provider.languages,
                  satisfaction_score: null,
                })
                .execute();
              await audit(tx.db, tx.actor, { action: 'provider.registered', entity: 'provider', entityId: providerId, after: body.provider, correlationId: tx.correlationId });
            }
            const existing = await tx.db
              .selectFrom('authorizations')
              .selectAll()
              .where('provider_id', '=', providerId)
              .where('area_id', '=', body.areaId)
              .forUpdate()
              .executeTakeFirst();
            if (existing && existing.status !== 'revoked') {
              throw conflict('ORDERS.AUTHORIZATION_EXISTS', `Provider ${providerId} already has an authorization for ${body.areaId} (${existing.status}).`);
            }
            const application = {
              status: 'applied' as const,
              capacity_customers: body.capacity,
              is_default: false,
              service_area: body.serviceArea,
              checked_requirements: [],
              occupied_places: 0,
              applied_at: tx.now,
              decided_at: null,
              status_reason: null,
              updated_at: tx.now,
            };
            if (existing) {
              await tx.db.updateTable('authorizations').set(application).where('provider_id', '=', providerId).where('area_id', '=', body.areaId).execute();
            } else {
              await tx.db.insertInto('authorizations').values({ provider_id: providerId, area_id: body.areaId, ...application }).execute();
            }
            await audit(tx.db, tx.actor, {
              action: 'authorization.applied',
              entity: 'authorization',
              entityId: `${providerId}/${body.areaId}`,
              before: existing ? { status: existing.status } : undefined,
              after: { status: 'applied', capacity: body.capacity, serviceArea: body.serviceArea },
              correlationId: tx.correlationId,
            });
            return { status: 201, body: await readAuthorization(tx.db, providerId, body.areaId) };
          });
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
      async (req) => {
        assertProviderScope(req.principal, req.params.providerId);
        const provider = await db.selectFrom('providers').select('provider_id').where('provider_id', '=', req.params.providerId).executeTakeFirst();
        if (!provider) throw notFound('ORDERS.PROVIDER_NOT_FOUND', 'No such provider.');
        return listAuthorizations(db, req.params.providerId);
      },
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
        const { providerId, areaId } = req.params;
        const body = req.body;
        if (body.checked.length > 0 && body.decision !== 'approve') {
          throw invalid('ORDERS.CHECKS_ONLY_ON_APPROVAL', 'Requirements are checked with an approval.', { field: 'body.checked' });
        }
        if ((body.decision === 'suspend' || body.decision === 'revoke') && !body.reason) {
          throw invalid('ORDERS.REASON_REQUIRED', `Give the reason to ${body.decision} an authorization.`, { field: 'body.reason' });
        }
        return command(req, reply, async (tx) => {
          const current = await tx.db.selectFrom('authorizations').selectAll().where('provider_id', '=', providerId).where('area_id', '=', areaId).forUpdate().executeTakeFirst();
          if (!current) throw notFound('ORDERS.AUTHORIZATION_NOT_FOUND', `Provider ${providerId} has no authorization for ${areaId}.`);
          const requirements = requirementsOf(areaId);
          const foreign = body.checked.filter((r) => !requirements.includes(r));
          if (foreign.length > 0) {
            throw invalid('ORDERS.REQUIREMENT_NOT_IN_AREA', `${areaId} does not require ${foreign.join(', ')}.`, { field: 'body.checked' });
          }
          const step = TRANSITIONS[body.decision];
          if (!step.from.includes(current.status)) {
            throw conflict('ORDERS.INVALID_TRANSITION', `An authorization that is ${current.status} cannot be ${body.decision === 'approve' ? 'approved' : `${body.decision}d`}.`, {
              from: current.status,
              decision: body.decision,
            });
          }
          const checked = [...new Set([...current.checked_requirements, ...body.checked])];
          if (body.decision === 'approve') {
            const missing = requirements.filter((r) => !checked.includes(r));
            if (missing.length > 0) throw conflict('ORDERS.REQUIREMENTS_UNMET', `Not yet checked: ${missing.join(', ')}.`, { missing });
          }
          await tx.db
            .updateTable('authorizations')
            .set({
              status: step.to,
              checked_requirements: checked,
              decided_at: tx.now,
              updated_at: tx.now,
              status_reason: body.reason ?? null,
              // A revoked default provider stops being the default, so another can be named.
              ...(step.to === 'revoked' ? { is_default: false } : {}),
            })
            .where('provider_id', '=', providerId)
            .where('area_id', '=', areaId)
            .execute();
          await audit(tx.db, tx.actor, {
            action: `authorization.${body.decision}`,
            entity: 'authorization',
            entityId: `${providerId}/${areaId}`,
            before: { status: current.status, checked: current.checked_requirements },
            after: { status: step.to, checked, reason: body.reason ?? null },
            correlationId: tx.correlationId,
          });
          return { status: 200, body: await readAuthorization(tx.db, providerId, areaId) };
        });
      },
    );
  };
}

async function listAuthorizations(db: OrdersDb, providerId: string, areaId?: string): Promise<Authorization[]> {
  let query = db.selectFrom('authorizations as a').innerJoin('providers as p', 'p.provider_id', 'a.provider_id').selectAll('a').select('p.kind').where('a.provider_id', '=', providerId);
  if (areaId) query = query.where('a.area_id', '=', areaId);
  const rows = await query.orderBy('a.area_id').execute();
  return rows.map(toAuthorization);
}

async function readAuthorization(db: OrdersDb, providerId: string, areaId: string): Promise<Authorization> {
  const [authorization] = await listAuthorizations(db, providerId, areaId);
  if (!authorization) throw new Error(`authorization ${providerId}/${areaId} vanished inside its own transaction`);
  return authorization;
}

function toAuthorization(row: AuthorizationRow & { kind: 'municipal' | 'private' }): Authorization {
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
