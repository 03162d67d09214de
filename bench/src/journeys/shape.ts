import type { WorkflowHandle } from '@temporalio/client';
import type { FloorShape } from './floor/shared.js';

/** A journey's history in numbers: what the floor mirrors, and what it leaves out (failures, retries). */
export type JourneyShape = FloorShape & { events: number; counts: Record<string, number>; failures: string[] };

/**
 * Reads a finished journey's history and reduces it to the floor's shape: how many signals it
 * received and which commands (activity, upsert, timer) it issued after each. Failed workflow
 * tasks and activity retries are counted but not mirrored: the floor is what the engine needs
 * when nothing goes wrong.
 */
export async function journeyShape(handle: WorkflowHandle): Promise<JourneyShape> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const counts: Record<string, number> = {};
  const count = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);
  const afterSignal: string[] = [];
  let signals = 0;
  const failures: string[] = [];
  const issue = (command: string) => {
    const at = Math.max(0, signals - 1);
    afterSignal[at] = (afterSignal[at] ?? '') + command;
  };
  for (const e of events) {
    if (e.workflowExecutionSignaledEventAttributes) {
      signals++;
      count('signals');
    } else if (e.activityTaskScheduledEventAttributes) {
      issue('a');
      count('activities');
    } else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      issue('u');
      count('upserts');
    } else if (e.timerStartedEventAttributes) {
      issue('t');
      count('timers');
    } else if (e.workflowTaskCompletedEventAttributes) count('workflowTasks');
    else if (e.workflowTaskFailedEventAttributes) {
      count('failedWorkflowTasks');
      const failed = e.workflowTaskFailedEventAttributes;
      failures.push(`workflow task failed (cause ${failed.cause ?? '?'}): ${failed.failure?.message ?? ''}`.slice(0, 300));
    }
    else if (e.workflowTaskTimedOutEventAttributes) count('timedOutWorkflowTasks');
    else if (e.activityTaskFailedEventAttributes) count('failedActivities');
    else if (e.activityTaskTimedOutEventAttributes) count('timedOutActivities');
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) count('childWorkflows');
    else if (e.workflowExecutionContinuedAsNewEventAttributes) count('continuedAsNew');
  }
  return { signals, afterSignal: Array.from({ length: signals }, (_, i) => afterSignal[i] ?? ''), events: events.length, counts, failures };
}
