import { proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../activities/billing.activities.js';
import { CommandFailureType } from '../contracts.js';

const billing = proxyActivities<BillingActivities>({
  // A national-scale month streams millions of visits: give it room, and let it heartbeat through the service call.
  startToCloseTimeout: '2 hours',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['BadRequest', CommandFailureType.refused, CommandFailureType.unexpectedAnswer] },
});

/**
 * The monthly billing run for the municipality, started by a Temporal Schedule early each month:
 * statements for every provider, fee invoices and the payment batch of the month before. The billing
 * service makes the run idempotent per month, so a retried or repeated run changes nothing.
 */
export async function monthlyBillingRunWorkflow(input: { month?: string } = {}): Promise<{ month: string }> {
  const month = input.month ?? previousMonth(new Date(Date.now()));
  await billing.runBillingMonth({ month });
  return { month };
}

function previousMonth(now: Date): string {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth(); // 0-based: the previous month's 1-based number
  return m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
}
