import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { queryContext, useCaseRunner } from '../use-case.js';
import { saveRateTable } from '../../application/rates/save-rate-table.js';
import { saveUnitRateTable } from '../../application/rates/save-unit-rate-table.js';
import { listRateTables } from '../../application/rates/list-rate-tables.js';
import { listUnitRateTables } from '../../application/rates/list-unit-rate-tables.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const RateTableBody = z.object({
  municipality: z.string().min(1),
  areaId: z.string().min(1),
  validFrom: z.iso.date(),
  validTo: z.iso.date().nullable(),
  rates: z
    .array(z.object({ kind: z.enum(['care', 'service']), band: z.string().min(1), providerKind: z.enum(['municipal', 'private']), orePerHour: z.number().int().positive() }))
    .min(1),
});

export const UnitRateTableBody = z
  .object({
    municipality: z.string().min(1).max(100),
    areaId: z.string().min(1).max(100),
    validFrom: z.iso.date(),
    validTo: z.iso.date().nullable(),
    rates: z.array(z.object({ level: z.string().min(1).max(20), providerKind: z.enum(['municipal', 'private']), orePerUnit: z.number().int().nonnegative() })).min(1).max(200),
  })
  .refine((t) => t.validTo === null || t.validTo > t.validFrom, { message: 'validTo must be after validFrom', path: ['validTo'] });

/** Voucher rate tables: configuration of the municipality, with validity periods. */
export function rateRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
  return async (app) => {
    app.put(
      '/rate-tables/:rateTableId',
      {
        config: { roles: ['finance', 'administrator'] },
        schema: {
          summary: 'Create or replace a voucher rate table',
          tags: ['rates'],
          params: z.object({ rateTableId: z.string().regex(/^[a-z0-9-]{2,80}$/) }),
          body: RateTableBody,
          response: { 200: z.object({ rateTableId: z.string() }), ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => saveRateTable(ctx, { rateTableId: req.params.rateTableId, table: req.body })),
    );

    app.get(
      '/rate-tables',
      {
        config: { roles: ['finance', 'administrator', 'operator', 'provider', 'case-handler'] },
        schema: { summary: 'List rate tables of an area', tags: ['rates'], querystring: z.object({ areaId: z.string().min(1) }), response: { 200: z.array(RateTableBody.extend({ rateTableId: z.string() })), ...errors } },
      },
      async (req) => listRateTables(queryOf(req), req.query),
    );

    app.put(
      '/unit-rate-tables/:unitRateTableId',
      {
        config: { roles: ['finance', 'administrator'] },
        schema: {
          summary: 'Create or replace a per-unit voucher table (nursing home, day activities, …)',
          description:
            "The voucher per day or session for each level and provider kind, valid from `validFrom` (inclusive) to `validTo` (exclusive). Checked against the area's levels and the municipality's other tables of the area: every level priced for both provider kinds, no overlap and no gap in time.",
          tags: ['rates'],
          params: z.object({ unitRateTableId: z.string().regex(/^[a-z0-9-]{2,80}$/) }),
          body: UnitRateTableBody,
          response: { 200: z.object({ unitRateTableId: z.string() }), ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => saveUnitRateTable(ctx, { unitRateTableId: req.params.unitRateTableId, table: req.body })),
    );

    app.get(
      '/unit-rate-tables',
      {
        config: { roles: ['finance', 'administrator', 'operator', 'provider', 'case-handler'] },
        schema: {
          summary: 'List the per-unit voucher tables of an area',
          tags: ['rates'],
          querystring: z.object({ areaId: z.string().min(1) }),
          response: { 200: z.array(z.object({ unitRateTableId: z.string(), municipality: z.string(), areaId: z.string(), validFrom: z.string(), validTo: z.string().nullable(), rates: UnitRateTableBody.shape.rates })), ...errors },
        },
      },
      async (req) => listUnitRateTables(queryOf(req), req.query),
    );
  };
}
