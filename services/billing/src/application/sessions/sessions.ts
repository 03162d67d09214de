import { z } from 'zod';
import { audit } from '@kundval/platform';
import { importRows, readCsv, type CsvFile, type ImportRejection } from '../../imports/csv-import.js';
import { recordSession, sessionAreaOf, toSession, type ReportedSession, type SessionRow } from '../../sessions/record-session.js';
import { lockOrderDeliveries } from '../../visits/record-visit.js';
import type { OrderRow } from '../../store/rows.js';
import { sessionsOfMonth } from '../../store/sessions.js';
import { pendingEvent, type Outcome, type PendingEvent, type QueryContext, type UseCaseContext } from '../context.js';
import { orderInScope } from '../scope.js';

/**
 * Sessions, the delivery unit of areas paid per session (ADR 0019): reported by the provider with
 * its own id and date, by JSON or as a file, each by the rules of `recordSession`; a session sent
 * again is recorded once. New sessions are announced as one `sessionsReported`.
 */

export const SessionReport = z.object({
  externalId: z.string().trim().min(1).max(100).describe("The provider's own id for the session; re-sending it is safe"),
  date: z.iso.date().describe('The local date the session was held (Europe/Stockholm)'),
});

/** The columns of a session file (semicolon-separated, a header row). */
export const SESSION_CSV_COLUMNS = ['external_id', 'date'] as const;
const CsvSessionRow = z.object({ external_id: SessionReport.shape.externalId, date: SessionReport.shape.date });

type SessionView = ReturnType<typeof toSession>;
export type SessionsReported = { orderId: string; recorded: number; unchanged: number; sessions: SessionView[] };
export type SessionsImported = { imported: number; unchanged: number; rejected: ImportRejection[] };

/** The provider reports an order's sessions; the whole report is refused if one session is (naming `body.sessions.<i>`). */
export async function reportSessions(ctx: UseCaseContext, input: { orderId: string; sessions: readonly ReportedSession[] }): Promise<Outcome<SessionsReported>> {
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  const area = sessionAreaOf(order);
  await lockOrderDeliveries(ctx.db, order.order_id);
  const rows: SessionRow[] = [];
  const fresh: SessionRow[] = [];
  for (const [i, s] of input.sessions.entries()) {
    const { row, created } = await recordSession(ctx.db, order, area, s, `body.sessions.${i}`);
    rows.push(row);
    if (created) fresh.push(row);
  }
  if (fresh.length > 0) await auditSessions(ctx, order, fresh, 'sessions.reported');
  return { result: { orderId: order.order_id, recorded: fresh.length, unchanged: rows.length - fresh.length, sessions: rows.map(toSession) }, created: true, events: sessionsReported(order, fresh) };
}

// The file's limit, for the adapter's body parser.
export { MAX_CSV_BYTES } from '../../imports/csv-import.js';

/** Reads a sessions file (its header checked) before the import runs: a file that does not read is a 400 whatever the order. */
export function readSessionFile(text: string): CsvFile {
  return readCsv(text, SESSION_CSV_COLUMNS, 'sessions');
}

/** The provider imports an order's sessions from a file: good rows are recorded, each bad row listed with its line, reason and code. */
export async function importSessions(ctx: UseCaseContext, input: { orderId: string; file: CsvFile }): Promise<Outcome<SessionsImported>> {
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  const area = sessionAreaOf(order);
  await lockOrderDeliveries(ctx.db, order.order_id);
  const { created: fresh, unchanged, rejected } = await importRows(ctx.db, input.file, {
    columns: SESSION_CSV_COLUMNS,
    schema: CsvSessionRow,
    what: 'session',
    concurrentCode: 'BILLING.CONCURRENT_REPORT',
    record: async (r, where) => {
      const { row, created } = await recordSession(ctx.db, order, area, { externalId: r.external_id, date: r.date }, where);
      return { created, value: row };
    },
  });
  await auditSessions(ctx, order, fresh, 'sessions.imported', { unchanged, rejected: rejected.map(({ line, externalId, code }) => ({ line, externalId, code })) });
  return { result: { imported: fresh.length, unchanged, rejected }, created: false, events: sessionsReported(order, fresh) };
}

/** The sessions of an order in a month, by date, for whoever may see the order. */
export async function listSessions(ctx: QueryContext, input: { orderId: string; month: string }): Promise<SessionView[]> {
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  return (await sessionsOfMonth(ctx.db, order.order_id, input.month)).map(toSession);
}

function sessionsReported(order: OrderRow, fresh: readonly SessionRow[]): PendingEvent[] {
  if (fresh.length === 0) return [];
  return [
    pendingEvent('sessionsReported', {
      orderId: order.order_id,
      applicationId: order.application_id,
      customerId: order.customer_id,
      providerId: order.provider_id,
      areaId: order.area_id,
      sessions: fresh.map((r) => ({ sessionId: r.session_id, externalId: r.external_id, date: r.date })),
    }),
  ];
}

async function auditSessions(ctx: UseCaseContext, order: OrderRow, fresh: readonly SessionRow[], action: 'sessions.reported' | 'sessions.imported', extra: Record<string, unknown> = {}): Promise<void> {
  await audit(ctx.db, ctx.principal, { action, entity: 'order', entityId: order.order_id, after: { sessions: fresh.map((r) => ({ externalId: r.external_id, date: r.date })), ...extra }, correlationId: ctx.correlationId });
}
