import { z } from 'zod';
import { ErrorBody, audit, conflict, isUniqueViolation, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../app.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const ProviderBody = z.object({
  providerId: z.string().regex(/^[a-z0-9-]{2,50}$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1).max(200),
  kind: z.enum(['municipal', 'private']),
  organisationNumber: z.string().regex(/^\d{6}-\d{4}$/, 'organisation number as NNNNNN-NNNN'),
  languages: z.array(z.string().min(2).max(30)).default([]),
  satisfactionScore: z.number().min(1).max(5).nullable().default(null),
  authorizations: z
    .array(z.object({ areaId: z.string().min(1), capacityCustomers: z.number().int().min(0).max(100_000), isDefault: z.boolean().default(false) }))
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
});

/** The provider registry and the comparison a customer chooses from. */
export function providerRoutes({ db }: OrdersDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/providers',
      {
        config: { roles: ['administrator'] },
        schema: {
          summary: 'Register an authorized provider',
          description: 'The authorization checklist and its lifecycle are tracked per voucher area; this records providers whose authorization is approved.',
          tags: ['providers'],
          body: ProviderBody,
          response: { 201: z.object({ providerId: z.string() }), ...errors },
        },
      },
      async (req, reply) => {
        const body = req.body;
        try {
          await db.transaction().execute(async (trx) => {
            await trx
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
              await trx
                .insertInto('authorizations')
                .values({ provider_id: body.providerId, area_id: a.areaId, status: 'approved', capacity_customers: a.capacityCustomers, is_default: a.isDefault })
                .execute();
            }
            await audit(trx, req.principal, { action: 'provider.registered', entity: 'provider', entityId: body.providerId, after: body, correlationId: req.correlationId });
          });
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict('ORDERS.PROVIDER_EXISTS', 'A provider with this id or organisation number, or a default provider for this area, already exists.');
          throw err;
        }
        return reply.code(201).send({ providerId: body.providerId });
      },
    );

    app.get(
      '/providers',
      {
        schema: {
          summary: 'Compare the authorized providers of a voucher area',
          description: 'What a customer needs to choose: satisfaction score, capacity left, languages, municipal or private.',
          tags: ['providers'],
          querystring: z.object({ areaId: z.string().min(1) }),
          response: { 200: z.array(ProviderSummary), ...errors },
        },
      },
      async (req) => {
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
            eb
              .selectFrom('orders as o')
              .innerJoin('decisions as d', 'd.decision_id', 'o.decision_id')
              .whereRef('o.provider_id', '=', 'p.provider_id')
              .whereRef('d.area_id', '=', 'a.area_id')
              .select((e) => e.fn.countAll<string>().as('n'))
              .as('customers'),
          ])
          .where('a.area_id', '=', req.query.areaId)
          .where('a.status', '=', 'approved')
          .orderBy('p.name')
          .execute();
        return rows.map((r) => ({
          providerId: r.provider_id,
          name: r.name,
          kind: r.kind,
          languages: r.languages,
          satisfactionScore: r.satisfaction_score === null ? null : Number(r.satisfaction_score),
          areaId: r.area_id,
          isDefault: r.is_default,
          capacityCustomers: r.capacity_customers,
          capacityLeft: Math.max(0, r.capacity_customers - Number(r.customers ?? 0)),
        }));
      },
    );
  };
}
