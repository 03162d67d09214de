import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Logger } from '@kundval/platform';
import { TASK_QUEUE } from './contracts.js';
import { monthlyBillingRunWorkflow } from './workflows/billing-run.workflow.js';

/**
 * Makes sure the monthly billing run is scheduled: on the 5th of every month at 03:00 Stockholm
 * time (after providers have reported and customers approved the month before). Creating it again
 * is a no-op, so every start of the workflows service may call this.
 */
export async function ensureBillingSchedule(client: Client, municipality: string, logger: Logger): Promise<void> {
  const scheduleId = `monthly-billing-run-${municipality}`;
  try {
    await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ dayOfMonth: 5, hour: 3 }], timezone: 'Europe/Stockholm' },
      action: { type: 'startWorkflow', workflowType: monthlyBillingRunWorkflow, workflowId: `billing-run-${municipality}`, taskQueue: TASK_QUEUE, args: [{}] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days' },
    });
    logger.info({ scheduleId }, 'monthly billing run scheduled');
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}
