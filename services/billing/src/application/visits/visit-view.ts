import type { VisitRow } from '../../visits/record-visit.js';

/** A visit as the API shows it. */
export type VisitView = {
  visitId: string;
  orderId: string;
  externalId: string;
  kind: 'care' | 'service';
  start: string;
  end: string;
  month: string;
  status: 'reported' | 'approved' | 'disputed' | 'rejected';
};

export function toVisit(row: VisitRow): VisitView {
  return {
    visitId: row.visit_id,
    orderId: row.order_id,
    externalId: row.external_id,
    kind: row.kind,
    start: row.start_at.toISOString(),
    end: row.end_at.toISOString(),
    month: row.local_month,
    status: row.status,
  };
}
