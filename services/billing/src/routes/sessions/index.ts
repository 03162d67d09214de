import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, isUniqueViolation, conflict, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { MAX_CSV_BYTES, SessionReport, importSessions, listSessions, readSessionFile, reportSessions } from '../../application/sessions/sessions.js';
import { queryContext, useCaseRunner } from '../use-case.js';


const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = IsoMonth;
const OrderParams = z.object({ orderId: z.uuid() });

const SessionsBody = z.object({ sessions: z.array(SessionReport).min(1).max(1000) });
export const Session = z.object({
  sessionId: z.uuid(),
  orderId: z.uuid(),
  externalId: z.string(),
  date: z.string(),
  month: z.string(),
  status: z.enum(['reported', 'approved', 'disputed', 'rejected']),
});
const SessionsAnswer = z.object({
  orderId: z.uuid(),
  recorded: z.number().describe('Sessions recorded by this report'),
  unchanged: z.number().describe('Sessions reported before with the same details'),
  sessions: z.array(Session),
});

const Rejection = z.object({ line: z.number(), externalId: z.string().nullable(), reason: z.string(), code: z.string() });
const ImportResult = z.object({ imported: z.number(), unchanged: z.number(), rejected: z.array(Rejection) });

/**
 * Sessions: the delivery unit of areas paid per session (family counselling, adult education and
 * any area added as data with `deliveryUnit: 'session'`; ADR 0019). The provider reports each one
 * with its own id and date, by JSON or as a file; the customer approves or disputes them with the
 * month; each is paid at the voucher of the order's level in force that day and charged the area's
 * per-unit fee.
 */
export function sessionRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
  return async (app) => {
    // Encapsulated here as in the visit imports: text/csv is a body only the import routes accept.
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) => done(null, body));

    app.post(
      '/orders/:orderId/sessions',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'Report delivered sessions (areas paid per session)',
          description:
            "Each session with the provider's own id and its local date: inside the order's validity (its last day as amended or ended early), not in a month the customer has approved, and no more sessions of the customer that day than the area allows (`sessionsPerDay`, 1 by default). A session sent again with the same id and date is recorded once. Refused with 409 `BILLING.AREA_MISMATCH` for an order not paid per session (the answer names the route to use), `BILLING.SESSION_CHANGED`, `BILLING.MONTH_APPROVED`, `BILLING.SESSIONS_PER_DAY`; 400 `BILLING.OUTSIDE_ORDER` naming the field.",
          tags: ['deliveries'],
          params: OrderParams,
          body: SessionsBody,
          response: { 201: SessionsAnswer, ...errors },
        },
      },
      async (req, reply) => concurrentAsConflict(() => run(req, reply, (ctx) => reportSessions(ctx, { orderId: req.params.orderId, sessions: req.body.sessions }))),
    );

    app.get(
      '/orders/:orderId/sessions',
      {
        config: { roles: ['provider', 'citizen', 'case-handler', 'operator', 'finance'] },
        schema: { summary: 'List the sessions of an order in a month', tags: ['deliveries'], params: OrderParams, querystring: z.object({ month: Month }), response: { 200: z.array(Session), ...errors } },
      },
      async (req) => listSessions(queryOf(req), { orderId: req.params.orderId, month: req.query.month }),
    );

    app.post(
      '/orders/:orderId/sessions/import',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'Import delivered sessions from a CSV file',
          description:
            'A `text/csv` body: a header row `external_id;date`, then one session per row (the local date as YYYY-MM-DD). Each row is checked like a session sent to POST /orders/{orderId}/sessions; good rows are recorded, each bad row is listed with its line, reason and code and changes nothing. Re-sending a file is safe.',
          tags: ['deliveries'],
          consumes: ['text/csv'],
          params: OrderParams,
          body: z.string(),
          response: { 200: ImportResult, ...errors },
        },
      },
      async (req, reply) => {
        const file = readSessionFile(req.body);
        return run(req, reply, (ctx) => importSessions(ctx, { orderId: req.params.orderId, file }), { status: () => 200 });
      },
    );
  };
}

/** Two reports of the same session racing: the database lets one win; the other is asked to send again (and then finds it recorded). */
async function concurrentAsConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('BILLING.CONCURRENT_REPORT', 'The same session was reported at the same moment by another request; send it again.');
    throw err;
  }
}
