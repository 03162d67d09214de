import { CloseTasksAnswer, DecisionAnswer, TaskAnswer, type TaskKind as TaskKindShape } from '@kundval/contracts';
import type { ServiceClient } from './service-client.js';

export type TaskKind = TaskKindShape;

/** The journey's commands to the decisions service: the case handler's work queue and decision expiry. */
export function createDecisionsActivities(call: ServiceClient) {
  return {
    /** Puts a task in the case handlers' queue; the key makes a repeated escalation one task. */
    async createTask(input: { applicationId: string; kind: TaskKind; key: string; message: string }): Promise<void> {
      await call({ command: 'createTask', key: `${input.applicationId}:${input.kind}:${input.key}`, method: 'POST', path: '/tasks', body: input, answer: TaskAnswer });
    },
    /**
     * Closes the journey's open tasks whose cause is gone: one escalation's (`kind` and `key`), or
     * every open task of the application when the journey ends. Closing a closed task changes nothing.
     */
    async closeTasks(input: { applicationId: string; kind?: TaskKind; key?: string; reason: string }): Promise<number> {
      const answer = await call({
        command: 'closeTasks',
        key: `${input.applicationId}:${input.kind ?? '*'}:${input.key ?? '*'}`,
        method: 'POST',
        path: '/tasks/close',
        body: input,
        answer: CloseTasksAnswer,
      });
      return answer.closed.length;
    },
    /** Ends a decision whose validity has passed without renewal. */
    async expireDecision(input: { decisionId: string }): Promise<void> {
      await call({ command: 'expireDecision', key: input.decisionId, method: 'POST', path: `/decisions/${input.decisionId}/expire`, answer: DecisionAnswer });
    },
  };
}

export type DecisionsActivities = ReturnType<typeof createDecisionsActivities>;
