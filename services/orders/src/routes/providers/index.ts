import { sql } from 'kysely';
import { z } from 'zod';
import { audit, conflict, invalid, isUniqueViolation, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { stockholmDate, systemClock } from '../../calendar.js';
import { areaDefinition, coversDistrict, isPlaceArea, requirementsOf } from '../../store/providers.js';
import { commandRunner, errors } from '../command.js';

export const ProviderId = z.string().regex(/^[a-z0-9-]{2,50}$/, 'lower-case letters, digits and dashes');
export const OrganisationNumber = z.string().regex(/^\d{6}-\d{4}$/, 'organisation number as NNNNNN-NNNN');
/** A district name or postcode of a declared service area. */
export const District = z.string().trim().min(2).max(60);

export const ProviderBody = z.object({
  providerId: ProviderId,
  name: z.string().min(1).max(200),
  kind: z.enum(['municipal', 'private']),
  organisationNumber: OrganisationNumber,
  languages: z.array(z.string().min(2).max(30)).default([]),
  satisfactionScore: z.number().min(1).max(5).nullable().default(null),
  authorizations: z
    .array(
      z.object({
        areaId: z.string().min(1),
        capacityCustomers: z.number().int().min(0).max(100_000),
        isDefault: z.boolean().default(false),
        serviceArea: z.array(District).max(500).default([]),
      }),
    )
    .min(1),
});

export const ProviderSummary = z.object({
  providerId: z.string(),
  name: z.string(),
  kind: z.enum(['municipal', 'private']),
  languages: z.array(z.string()),
  satisfactionScore: z.number().nullable(),
  areaId: z.string(),
  isDefault: z.boolean(),
  capacityCustomers: z.number(),
  capacityLeft: z.number(),
  /** Customers, or places where the area is paid per occupancy day (nursing home). */
  capacityUnit: z.enum(['customers', 'places']),
  serviceArea: z.array(z.string()),
  /** Customers waiting for a place (nursing home); 0 elsewhere. */
  queueLength: z.number(),
});

/** The provider registry and the comparison a customer chooses from. */
export function providerRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  const command = commandRunner(deps);
  const clock = deps.clock ?? systemClock;
  return async (app) => {
    app.post(
      '/providers',
      {
        config: { roles: ['administrator'] },
        schema: {
          summary: 'Register an authorized provider',
          description:
            'Registers a provider whose authorization in each area is already approved, every requirement of the area checked (demo data, migration). ' +
            'A new provider applies instead: POST /providers/:providerId/authorizations.',
          tags: ['providers'],
          body: ProviderBody,
          response: { 201: z.object({ providerId: z.string() }), ...errors },
        },
      },
      async (req, reply) => {
        const body = req.body;
        body.authorizations.forEach((a, i) => {
          if (!areaDefinition(a.areaId)) throw invalid('ORDERS.UNKNOWN_AREA', `No voucher area ${a.areaId}.`, { field: `body.authorizations.${i}.areaId` });
        });
        try {
          return await command(req, reply, async (tx) => {
            await tx.db
              .insertInto('providers')
              .values({
                provider_id: body.providerId,
                name: body.name,
                kind: body.kind,
                organisation_number: body.organisationNumber,
                languages: body.languages,
                satisfaction_score: body.satisfactionScore === null ? null : String(body.satisfactionScore),
              })
              .execute();
            for (const a of body.authorizations) {
              await tx.db
                .insertInto('authorizations')
                .values({
                  provider_id: body.providerId,
                  area_id: a.areaId,
                  status: 'approved',
                  capacity_customers: a.capacityCustomers,
                  is_default: a.isDefault,
                  service_area: a.serviceArea,
                  checked_requirements: [...requirementsOf(a.areaId)],
                  applied_at: tx.now,
                  decided_at: tx.now,
                })
                .execute();
            }
            await audit(tx.db, tx.actor, { action: 'provider.registered', entity: 'provider', entityId: body.providerId, after: body, correlationId: tx.correlationId });
            return { status: 201, body: { providerId: body.providerId } };
          });
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict('ORDERS.PROVIDER_EXISTS', 'A provider with this id or organisation number, or a default provider for this area, already exists.');
          throw err;
        }
      },
    );

    app.get(
      '/providers',
      {
        schema: {
          summary: 'Compare the authorized providers of a voucher area',
          description:
            'What a customer needs to choose: satisfaction score, capacity left, languages, service area, municipal or private. ' +
            'Only providers whose authorization is approved (not applied, suspended or revoked). With `district`, only those serving it.',
          tags: ['providers'],
          querystring: z.object({ areaId: z.string().min(1), district: District.optional() }),
          response: { 200: z.array(ProviderSummary), ...errors },
        },
      },
      async (req) => {
        const today = stockholmDate(clock());
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
          .where('a.area_id', '=', req.query.areaId)
          .where('a.status', '=', 'approved')
          .orderBy('p.name')
          .execute();
        const places = isPlaceArea(req.query.areaId);
        const district = req.query.district;
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
            capacityLeft: Math.max(0, r.capacity_customers - (places ? r.occupied_places : Number(r.customers ?? 0))),
            capacityUnit: places ? ('places' as const) : ('customers' as const),
            serviceArea: r.service_area,
            queueLength: Number(r.queued ?? 0),
          }));
      },
    );
  };
}
