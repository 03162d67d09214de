import { z } from 'zod';
import { DomainError, validateVoucherAreaDefinition } from '@kundval/domain';
import { ErrorBody, audit, commandRunner, conflict, invalid, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { loadUnitRateTables, unitArea } from '../../areas.js';

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

/** Where a domain refusal of a unit table points: a 400 naming the field for a bad table, a 409 for a clash with the other tables. */
function unitTableRefusal(err: DomainError) {
  switch (err.code) {
    case 'DOMAIN.UNKNOWN_LEVEL':
    case 'DOMAIN.RATE_MISSING':
    case 'DOMAIN.RATE_TABLE_DUPLICATE_RATE':
      return invalid(err.code, err.message, { field: 'body.rates' });
    case 'DOMAIN.RATE_TABLE_OVERLAP':
    case 'DOMAIN.RATE_TABLE_GAP':
      return conflict(err.code, err.message);
    default:
      return invalid(err.code, err.message, { field: 'body' });
  }
}

/** Voucher rate tables: configuration of the municipality, with validity periods. */
export function rateRoutes({ db, afterCommit }: BillingDeps): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });
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
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const b = req.body;
          const before = await trx.selectFrom('rate_tables').selectAll().where('rate_table_id', '=', req.params.rateTableId).executeTakeFirst();
          const values = { municipality: b.municipality, area_id: b.areaId, valid_from: b.validFrom, valid_to: b.validTo, rates: JSON.stringify(b.rates) };
          await trx
            .insertInto('rate_tables')
            .values({ rate_table_id: req.params.rateTableId, ...values })
            .onConflict((oc) => oc.column('rate_table_id').doUpdateSet(values))
            .execute();
          await audit(trx, req.principal, { action: 'rate-table.saved', entity: 'rate-table', entityId: req.params.rateTableId, before: before ?? null, after: b, correlationId: req.correlationId });
          return { status: 200, body: { rateTableId: req.params.rateTableId } };
        }),
    );

    app.get(
      '/rate-tables',
      {
        config: { roles: ['finance', 'administrator', 'operator', 'provider', 'case-handler'] },
        schema: { summary: 'List rate tables of an area', tags: ['rates'], querystring: z.object({ areaId: z.string().min(1) }), response: { 200: z.array(RateTableBody.extend({ rateTableId: z.string() })), ...errors } },
      },
      async (req) => {
        const rows = await db.selectFrom('rate_tables').selectAll().where('area_id', '=', req.query.areaId).orderBy('valid_from').execute();
        return rows.map((r) => ({ rateTableId: r.rate_table_id, municipality: r.municipality, areaId: r.area_id, validFrom: r.valid_from, validTo: r.valid_to, rates: r.rates }));
      },
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
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const b = req.body;
          const id = req.params.unitRateTableId;
          const area = unitArea(b.areaId);
          if (!area) throw invalid('BILLING.UNKNOWN_AREA', `${b.areaId} is not an area paid per unit.`, { field: 'body.areaId' });
          const before = await trx.selectFrom('unit_rate_tables').selectAll().where('unit_rate_table_id', '=', id).executeTakeFirst();
          const others = (await loadUnitRateTables(trx, b.municipality, b.areaId)).filter((t) => t.id !== id);
          try {
            validateVoucherAreaDefinition({ ...area, rateTables: [...others, { id, ...b }] });
          } catch (err) {
            if (err instanceof DomainError) throw unitTableRefusal(err);
            throw err;
          }
          const values = { municipality: b.municipality, area_id: b.areaId, valid_from: b.validFrom, valid_to: b.validTo, rates: JSON.stringify(b.rates) };
          await trx
            .insertInto('unit_rate_tables')
            .values({ unit_rate_table_id: id, ...values })
            .onConflict((oc) => oc.column('unit_rate_table_id').doUpdateSet(values))
            .execute();
          await audit(trx, req.principal, { action: 'unit-rate-table.saved', entity: 'unit-rate-table', entityId: id, before: before ?? null, after: b, correlationId: req.correlationId });
          return { status: 200, body: { unitRateTableId: id } };
        }),
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
      async (req) => {
        const rows = await db.selectFrom('unit_rate_tables').selectAll().where('area_id', '=', req.query.areaId).orderBy('municipality').orderBy('valid_from').execute();
        return rows.map((r) => ({ unitRateTableId: r.unit_rate_table_id, municipality: r.municipality, areaId: r.area_id, validFrom: r.valid_from, validTo: r.valid_to, rates: r.rates }));
      },
    );
  };
}
