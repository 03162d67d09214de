import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { MAX_CSV_BYTES, MAX_ROWS, importVisits } from '../../application/visits/import-visits.js';
import { useCaseRunner } from '../use-case.js';

export { MAX_CSV_BYTES, MAX_ROWS };

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };



const Rejection = z.object({
  line: z.number().describe('Line in the file, the header being line 1'),
  externalId: z.string().nullable(),
  reason: z.string(),
  code: z.string().describe('A stable code: BILLING.CSV_ROW for a malformed row, otherwise the code the JSON route would answer with'),
});
const ImportResult = z.object({
  imported: z.number().describe('Visits recorded by this file'),
  unchanged: z.number().describe('Rows that repeat a visit recorded before with the same details'),
  rejected: z.array(Rejection),
});

/** Delivered visits from a file, for providers whose time registration exports CSV rather than calling the API. */
export function importRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  return async (app) => {
    // Registered inside this encapsulated plugin: text/csv is a body only these routes accept.
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) => done(null, body));

    app.post(
      '/orders/:orderId/visits/import',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'Import delivered visits from a CSV file',
          description:
            'A `text/csv` body: a header row `external_id;kind;start;end`, then one visit per row (start and end as ISO instants with an offset). Each row is checked like a visit sent to POST /orders/{orderId}/visits; good rows are recorded, each bad row is listed with its line and reason and changes nothing. Re-sending a file is safe.',
          tags: ['visits'],
          consumes: ['text/csv'],
          params: z.object({ orderId: z.uuid() }),
          body: z.string(),
          response: { 200: ImportResult, ...errors },
        },
      },
      async (req, reply) =>
        run(req, reply, (ctx) => importVisits(ctx, { orderId: req.params.orderId, csv: req.body }), { status: () => 200 }),
    );
  };
}
