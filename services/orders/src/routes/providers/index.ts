import { z } from 'zod';
import { conflict, isUniqueViolation, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { compareProviders } from '../../application/providers/compare-providers.js';
import { checkRegistration, registerProvider } from '../../application/providers/register-provider.js';
import { errors, queryContext, useCaseRunner } from '../command.js';

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
  satisfactionScore: z.number().nullable().describe("Mean score 1–5 in the area's latest published customer survey, else the score entered at registration"),
  satisfactionAnswers: z.number().int().nullable().describe('Customers who answered that survey about the provider'),
  satisfactionYear: z.number().int().nullable().describe("The survey's year"),
  satisfactionSource: z.enum(['survey', 'entered']).nullable(),
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
  const run = useCaseRunner(deps);
  const query = queryContext(deps);
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
        checkRegistration(req.body);
        try {
          return await run(req, reply, (ctx) => registerProvider(ctx, req.body));
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
      async (req) => compareProviders(query(req), req.query),
    );

  };
}
