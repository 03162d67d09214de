import type { WorkflowHandle } from '@temporalio/client';
import { personRequestQuery, personRequestSignal, type PersonRequest, type RequestOutcome } from './contracts.js';

/** How long a caller waits for the journey to carry out a person's request before being told it is still running. */
export const DEFAULT_REQUEST_WAIT_MS = 60_000;
/** How long one read of the outcome may take: a query waits for a worker, and none may be running. */
const QUERY_DEADLINE_MS = 5_000;

/**
 * Sends a person's request to the journey (the `personRequest` signal, ADR 0033) and waits for its
 * outcome, read back through `personRequestQuery`. The request id makes a repeat harmless: the
 * journey takes an id once, and a repeat reads the first outcome. Answers the outcome once it is done
 * or refused, or the last one seen (`pending`, or null when the journey has not taken it yet —
 * e.g. while no worker runs) after `waitMs`.
 */
export async function askJourney(handle: WorkflowHandle, request: PersonRequest, waitMs = DEFAULT_REQUEST_WAIT_MS): Promise<RequestOutcome | null> {
  await handle.signal(personRequestSignal, request);
  const deadline = Date.now() + waitMs;
  let pause = 25;
  let outcome: RequestOutcome | null = null;
  for (;;) {
    // A query fails while no worker can answer it (one being restarted); the signal is in the journey's history, so keep reading.
    const askBy = Math.min(deadline, Date.now() + QUERY_DEADLINE_MS);
    outcome = await handle.client.withDeadline(askBy, () => handle.query(personRequestQuery, request.requestId)).catch(() => outcome);
    if (outcome && outcome.status !== 'pending') return outcome;
    if (Date.now() + pause > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 500);
  }
}
