import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, audit, commandRunner, enqueueEvent, isUniqueViolation, conflict, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDb } from '../../store/db.js';
import type { BillingDeps } from '../../deps.js';
import { lockOrderDeliveries, type OrderRow } from '../../visits/record-visit.js';
import { recordSession, sessionAreaOf, toSession, type ReportedSession, type SessionRow } from '../../sessions/record-session.js';
import { MAX_CSV_BYTES, importRows, readCsv } from '../../imports/csv-import.js';
import { orderInScope } from '../../application/scope.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = IsoMonth;
const OrderParams = z.object({ orderId: z.uuid() });

export const SessionReport = z.object({
  externalId: z.string().trim().min(1).max(100).describe("The provider's own id for the session; re-sending it is safe"),
  date: z.iso.date().describe('The local date the session was held (Europe/Stockholm)'),
});
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

/** The columns of a session file (semicolon-separated, a header row). */
const COLUMNS = ['external_id', 'date'] as const;
const CsvSessionRow = z.object({ external_id: SessionReport.shape.externalId, date: SessionReport.shape.date });
const Rejection = z.object({ line: z.number(), externalId: z.string().nullable(), reason: z.string(), code: z.string() });
const ImportResult = z.object({ imported: z.number(), unchanged: z.number(), rejected: z.array(Rejection) });

/**
 * Sessions: the delivery unit of areas paid per session (family counselling, adult education and
 * any area added as data with `deliveryUnit: 'session'`; ADR 0019). The provider reports each one
 * with its own id and date, by JSON or as a file; the customer approves or disputes them with the
 * month; each is paid at the voucher of the order's level in force that day and charged the area's
 * per-unit fee.
 */
export function sessionRoutes({ db, afterCommit }: BillingDeps): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });
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
      async (req, reply) =>
        concurrentAsConflict(() =>
          command(req, reply, async (trx) => {
            const order = await orderInScope(trx, req.principal, req.params.orderId);
            const area = sessionAreaOf(order);
            await lockOrderDeliveries(trx, order.order_id);
            const rows: SessionRow[] = [];
            const fresh: SessionRow[] = [];
            for (const [i, s] of req.body.sessions.entries()) {
              const { row, created } = await recordSession(trx, order, area, s, `body.sessions.${i}`);
              rows.push(row);
              if (created) fresh.push(row);
            }
            await announce(trx, order, fresh, req.principal, req.correlationId, 'sessions.reported');
            return { status: 201, body: { orderId: order.order_id, recorded: fresh.length, unchanged: rows.length - fresh.length, sessions: rows.map(toSession) } };
          }),
        ),
    );

    app.get(
      '/orders/:orderId/sessions',
      {
        config: { roles: ['provider', 'citizen', 'case-handler', 'operator', 'finance'] },
        schema: { summary: 'List the sessions of an order in a month', tags: ['deliveries'], params: OrderParams, querystring: z.object({ month: Month }), response: { 200: z.array(Session), ...errors } },
      },
      async (req) => {
        const order = await orderInScope(db, req.principal, req.params.orderId);
        const rows = await db.selectFrom('sessions').selectAll().where('order_id', '=', order.order_id).where('local_month', '=', req.query.month).orderBy('date').orderBy('external_id').execute();
        return rows.map(toSession);
      },
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
        const file = readCsv(req.body, COLUMNS, 'sessions');
        return command(req, reply, async (trx) => {
          const order = await orderInScope(trx, req.principal, req.params.orderId);
          const area = sessionAreaOf(order);
          await lockOrderDeliveries(trx, order.order_id);
          const { created: fresh, unchanged, rejected } = await importRows(trx, file, {
            columns: COLUMNS,
            schema: CsvSessionRow,
            what: 'session',
            concurrentCode: 'BILLING.CONCURRENT_REPORT',
            record: async (r, where) => {
              const session: ReportedSession = { externalId: r.external_id, date: r.date };
              const { row, created } = await recordSession(trx, order, area, session, where);
              return { created, value: row };
            },
          });
          await announce(trx, order, fresh, req.principal, req.correlationId, 'sessions.imported', { unchanged, rejected: rejected.map(({ line, externalId, code }) => ({ line, externalId, code })) });
          return { status: 200, body: { imported: fresh.length, unchanged, rejected } };
        });
      },
    );
  };
}

/** The sessions a report recorded, announced (`sessionsReported`) and audited in the report's transaction; nothing when it recorded none. */
async function announce(
  trx: BillingDb,
  order: OrderRow,
  fresh: readonly SessionRow[],
  principal: Parameters<typeof audit>[1],
  correlationId: string | null,
  action: 'sessions.reported' | 'sessions.imported',
  extra: Record<string, unknown> = {},
): Promise<void> {
  if (fresh.length === 0 && action === 'sessions.reported') return;
  if (fresh.length > 0) {
    await enqueueEvent(
      trx,
      'sessionsReported',
      {
        orderId: order.order_id,
        applicationId: order.application_id,
        customerId: order.customer_id,
        providerId: order.provider_id,
        areaId: order.area_id,
        sessions: fresh.map((r) => ({ sessionId: r.session_id, externalId: r.external_id, date: r.date })),
      },
      { correlationId },
    );
  }
  await audit(trx, principal, { action, entity: 'order', entityId: order.order_id, after: { sessions: fresh.map((r) => ({ externalId: r.external_id, date: r.date })), ...extra }, correlationId });
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
