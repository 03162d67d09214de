import type { WorkflowHandle } from '@temporalio/client';
import { REQUEST_OUTCOMES_IN_MEMO, personRequestQuery, personRequestSignal, requestOutcomeMemoKey, type PersonRequest, type RequestOutcome } from './contracts.js';

/** How long a caller waits for the journey to carry out a person's request before being told it is still running. */
export const DEFAULT_REQUEST_WAIT_MS = 60_000;
/** How long one read of the outcome may take: a query waits for a worker, and none may be running. */
const QUERY_DEADLINE_MS = 5_000;
/** When a journey that writes its outcomes to its memo has not written this one, it is queried once after this long. */
const ONE_QUERY_AFTER_MS = 2_000;

/**
 * Sends a person's request to the journey (the `personRequest` signal, ADR 0033) and waits for its
 * outcome. The request id makes a repeat harmless: the journey takes an id once, and a repeat reads
 * the first outcome. Answers the outcome once it is done or refused, or the last one seen (`pending`,
 * or null when the journey has not taken it yet — e.g. while no worker runs) after `waitMs`.
 *
 * Where the outcome is read (ADR 0051): a journey that writes its outcomes to its memo is read with
 * `describe`, which Temporal answers from the execution's own record — no worker, no replay — and is
 * queried once if no outcome is there after two seconds (a repeat of a request old enough to have left
 * the memo), and once more if the wait ends without one, to tell `pending` from not taken. A
 * journey from before that (no marker in its memo) is read through `personRequestQuery`, which makes
 * a worker replay the journey's whole history (no sticky cache, ADR 0035).
 */
export async function askJourney(handle: WorkflowHandle, request: PersonRequest, waitMs = DEFAULT_REQUEST_WAIT_MS): Promise<RequestOutcome | null> {
  await handle.signal(personRequestSignal, request);
  const deadline = Date.now() + waitMs;
  const readBy = () => Math.min(deadline, Date.now() + QUERY_DEADLINE_MS);
  const query = (seen: RequestOutcome | null) => handle.client.withDeadline(readBy(), () => handle.query(personRequestQuery, request.requestId)).catch(() => seen);
  let pause = 25;
  let outcome: RequestOutcome | null = null;
  let inMemo = false;
  let queriedOnce = false;
  const sent = Date.now();
  for (;;) {
    // Either read fails while Temporal or every worker is away (one being restarted); the signal is in the journey's history, so keep reading.
    const memo = await handle.client.withDeadline(readBy(), () => handle.describe()).then(
      (described) => described.memo,
      () => undefined,
    );
    inMemo ||= memo?.[REQUEST_OUTCOMES_IN_MEMO] === true;
    const written = memo?.[requestOutcomeMemoKey(request.requestId)] as RequestOutcome | undefined;
    if (written) return written;
    // Queried once all the same after a while: a repeat of a request old enough to have left the memo (it keeps the latest few).
    if (!inMemo || (!queriedOnce && Date.now() - sent > ONE_QUERY_AFTER_MS)) {
      queriedOnce = inMemo;
      outcome = await query(outcome);
    }
    if (outcome && outcome.status !== 'pending') return outcome;
    if (Date.now() + pause > deadline) return inMemo ? query(outcome) : outcome;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 500);
  }
}
