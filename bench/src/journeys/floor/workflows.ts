import { condition, proxyActivities, setHandler, upsertSearchAttributes, type ActivityOptions } from '@temporalio/workflow';
import type { FloorActivities } from './activities.js';
import { floorEventSignal, floorSearchAttributes as sa, type FloorInput } from './shared.js';

/** The journey's command timeouts and retry policy, so the engine schedules the activities the same way. */
const commandOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['BadRequest'] },
};
const { command } = proxyActivities<FloorActivities>(commandOptions);

/** A deadline that never passes in a benchmark; the journey's own (choice, reminders) are days. */
const DEADLINE = '2 days';

/**
 * The engine floor of a home-care journey: waits for each signal (de-duplicated by event id, as the
 * journey does) and after it issues the same commands the journey issued at that point — no-op
 * activities one after the other, upserts, and a deadline on the wait for the next signal.
 */
export async function floorJourneyWorkflow({ shape }: FloorInput): Promise<void> {
  const seen = new Set<string>();
  setHandler(floorEventSignal, ({ eventId }) => void seen.add(eventId));
  let deadline = false;
  for (let i = 0; i < shape.signals; i++) {
    if (deadline) await condition(() => seen.size > i, DEADLINE);
    else await condition(() => seen.size > i);
    deadline = false;
    let n = 0;
    for (const c of shape.afterSignal[i] ?? '') {
      if (c === 'a') await command({ step: i, n: n++ });
      else if (c === 'u') upsertSearchAttributes([{ key: sa.stage, value: `step-${i}-${n++}` }]);
      else if (c === 't') deadline = true;
    }
  }
}
