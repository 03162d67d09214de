import { z } from 'zod';
import { ErrorBody, audit, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../app.js';

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

/** Voucher rate tables: configuration of the municipality, with validity periods. */
export function rateRoutes({ db }: BillingDeps): FastifyPluginAsyncZod {
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
      async (req) => {
        const b = req.body;
        await db.transaction().execute(async (trx) => {
          const before = await trx.selectFrom('rate_tables').selectAll().where('rate_table_id', '=', req.params.rateTableId).executeTakeFirst();
          const values = { municipality: b.municipality, area_id: b.areaId, valid_from: b.validFrom, valid_to: b.validTo, rates: JSON.stringify(b.rates) };
          await trx
            .insertInto('rate_tables')
            .values({ rate_table_id: req.params.rateTableId, ...values })
            .onConflict((oc) => oc.column('rate_table_id').doUpdateSet(values))
            .execute();
          await audit(trx, req.principal, { action: 'rate-table.saved', entity: 'rate-table', entityId: req.params.rateTableId, before: before ?? null, after: b, correlationId: req.correlationId });
        });
        return { rateTableId: req.params.rateTableId };
      },
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
  };
}
