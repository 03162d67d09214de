import type { ServiceClient } from './service-client.js';

export type TaskKind = 'acceptance-overdue' | 'care-plan-overdue' | 'approval-overdue' | 'dispute' | 'order-refused' | 'decision-expiring' | 'queue-waiting' | 'moved-out' | 'payment-correction';

/** The journey's commands to the decisions service: the case handler's work queue and decision expiry. */
export function createDecisionsActivities(call: ServiceClient) {
  return {
    /** Puts a task in the case handlers' queue; the key makes a repeated escalation one task. */
    async createTask(input: { applicationId: string; kind: TaskKind; key: string; message: string }): Promise<void> {
      await call('POST', '/tasks', input);
    },
    /** Ends a decision whose validity has passed without renewal. */
    async expireDecision(input: { decisionId: string }): Promise<void> {
      await call('POST', `/decisions/${input.decisionId}/expire`);
    },
  };
}

export type DecisionsActivities = ReturnType<typeof createDecisionsActivities>;
