import { enqueueEvent } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import type { DeviationAlert } from './granted-delivered.js';

/**
 * Announces a raised alert (`followUpAlertRaised`), for the decisions service to make it a case
 * handler's task on the customer's application (ADR 0040); in the transaction that raises it, so the
 * task follows every alert and only those.
 */
export async function enqueueAlertRaised(trx: BillingDb, alertId: string, a: DeviationAlert, correlationId: string | null | undefined): Promise<void> {
  const order = await trx.selectFrom('orders').select('application_id').where('order_id', '=', a.orderId).executeTakeFirstOrThrow();
  await enqueueEvent(
    trx,
    'followUpAlertRaised',
    { alertId, applicationId: order.application_id, orderId: a.orderId, customerId: a.customerId, providerId: a.providerId, areaId: a.areaId, kind: a.kind, firstMonth: a.firstMonth, month: a.month, shares: a.shares },
    { correlationId },
  );
}
