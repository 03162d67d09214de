import { defaultPayloadConverter, type WorkflowInterceptors } from '@temporalio/workflow';
import { ON_BEHALF_OF_HEADER, type Attention, type OnBehalfOf, type PersonRequest, type ResolveAttention } from '../contracts.js';

/**
 * Carries the person a journey acts for to the command it runs for them (ADR 0022), as a Temporal
 * header on the activity — the context-propagation pattern of temporalio/samples-typescript — so the
 * journey's code need not thread it through every command:
 *
 * - `chooseProvider` and `approveMonth` updates carry the verified caller (`onBehalfOf`, set by the
 *   workflows routes from the token); the `recordChoice` / `approveMonth` command the update runs
 *   gets it.
 * - A `retryCommand` update carries who retries (`by`); the command it retries (the attention's
 *   `command`) gets it, once.
 * - The `personRequest` signal (ADR 0033) does the same for the requests it carries: its choice or
 *   approval runs for `onBehalfOf`; a retry it resolves runs for `by`. The signal's handler returns
 *   the resolved attention, which the SDK hands back through `next` (its declared type is void).
 *
 * The worker's activity interceptor (`activities/on-behalf-of.ts`) reads the header and the service
 * client puts the person into the command's token. Headers are not part of what replay compares, so
 * histories recorded before this replay unchanged. This module runs in the workflow sandbox.
 */
/** The command each person-facing update runs. */
const COMMAND_OF_UPDATE: Record<string, string> = { chooseProvider: 'recordChoice', approveMonth: 'approveMonth' };

export const interceptors = (): WorkflowInterceptors => {
  /** People waiting for a command of theirs to be scheduled, oldest first; one journey's, in its isolate. */
  const waiting: Array<{ command: string; person: OnBehalfOf }> = [];
  const forget = (entry: { command: string; person: OnBehalfOf }) => {
    const at = waiting.indexOf(entry);
    if (at >= 0) waiting.splice(at, 1);
  };
  /** Runs a handler whose command is scheduled before it first waits: the command is the person's; whatever the handler did, the entry goes with it. */
  async function asPerson<T>(command: string, person: OnBehalfOf, handle: () => Promise<T>): Promise<T> {
    const entry = { command, person };
    waiting.push(entry);
    try {
      return await handle();
    } finally {
      forget(entry);
    }
  }
  /** The journey re-runs a resolved attention's command: that run is the person's who asked for the retry. */
  const retriedBy = (attention: Attention, by: ResolveAttention['by']) => waiting.push({ command: attention.command, person: { sub: by.subject, role: by.role } });
  return {
    inbound: [
      {
        async handleSignal(input, next) {
          if (input.signalName !== 'personRequest') return next(input);
          const request = input.args[0] as PersonRequest;
          const command = COMMAND_OF_UPDATE[request.kind];
          const person = 'onBehalfOf' in request ? request.onBehalfOf : undefined;
          if (command && person) return asPerson(command, person, () => next(input));
          const resolved = (await (next(input) as Promise<unknown>)) as Attention | null | undefined;
          if (request.kind === 'retry' && resolved) retriedBy(resolved, request.by);
        },
        async handleUpdate(input, next) {
          const command = COMMAND_OF_UPDATE[input.name];
          const person = (input.args[0] as { onBehalfOf?: OnBehalfOf } | undefined)?.onBehalfOf;
          if (command && person) return asPerson(command, person, () => next(input));
          const result = await next(input);
          if (input.name === 'retryCommand') retriedBy(result as Attention, (input.args[0] as ResolveAttention).by);
          return result;
        },
      },
    ],
    outbound: [
      {
        scheduleActivity(input, next) {
          const entry = waiting.find((w) => w.command === input.activityType);
          if (!entry) return next(input);
          forget(entry);
          return next({ ...input, headers: { ...input.headers, [ON_BEHALF_OF_HEADER]: defaultPayloadConverter.toPayload(entry.person) } });
        },
      },
    ],
  };
};
