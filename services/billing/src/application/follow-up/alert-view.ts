import type { AlertRow } from '../../store/follow-up.js';

/** A follow-up alert as the API answers it. */
export function toAlert(r: AlertRow) {
  return {
    alertId: r.alert_id,
    orderId: r.order_id,
    customerId: r.customer_id,
    providerId: r.provider_id,
    areaId: r.area_id,
    kind: r.kind,
    firstMonth: r.first_month,
    raisedMonth: r.raised_month,
    shares: r.shares,
    raisedAt: r.raised_at.toISOString(),
  };
}
