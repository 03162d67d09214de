import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInterceptorsFactory, WorkerInterceptors } from '@temporalio/worker';
import { OnBehalfOf } from '@kundval/contracts';
import { ON_BEHALF_OF_HEADER } from '../contracts.js';

/** The person the running activity acts for, if any: set from the activity's header by the interceptor below. */
const current = new AsyncLocalStorage<OnBehalfOf | undefined>();

/** The person the running command is carried out for (ADR 0022), or undefined when the journey acts on its own. */
export function actingFor(): OnBehalfOf | undefined {
  return current.getStore();
}

/**
 * Reads the journey's `kundval-on-behalf-of` header (set in the workflow by `workflows/on-behalf-of.ts`)
 * and runs the activity with that person as `actingFor()`. A header that does not parse is dropped,
 * never guessed at: the command then goes as the worker's own, and the service audits it so.
 */
const readOnBehalfOf: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      const header = input.headers[ON_BEHALF_OF_HEADER];
      const parsed = header ? OnBehalfOf.safeParse(defaultPayloadConverter.fromPayload(header)) : undefined;
      return current.run(parsed?.success ? parsed.data : undefined, () => next(input));
    },
  },
});

/** The interceptors every journey worker runs with (worker.ts, and tests that start a worker). */
export const journeyWorkerInterceptors: WorkerInterceptors = {
  workflowModules: [fileURLToPath(new URL(`../workflows/on-behalf-of.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url))],
  activity: [readOnBehalfOf],
};
