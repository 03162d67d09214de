import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { z } from 'zod';
import { ServiceErrorBody } from '@kundval/contracts';
import { machineTokens, withTraceHeaders, type DevelopmentTokenSettings, type TokenSource } from '@kundval/platform';
import { CommandFailureType, type OnBehalfOf } from '../contracts.js';
import { actingFor } from './on-behalf-of.js';

/**
 * One command to a service: what it is (`command`, the activity's name, and `key`, the business key
 * that makes it this command and no other), where it goes, and the schema its answer must match.
 */
export type Command<A> = {
  command: string;
  /** What makes this command one command: the same key again is the same command (a retry), never a new one. */
  key: string;
  method: 'POST' | 'PUT';
  path: string;
  body?: unknown;
  answer: z.ZodType<A>;
  timeoutMs?: number;
  /**
   * Codes of a 404 or 409 that are final for this command: the service answers them as "not now",
   * which it keeps with no Idempotency-Key so that the same command may succeed later, but retrying
   * within the journey's bound cannot cure them, so the command is refused at once (`CommandRefused`).
   */
  finalCodes?: readonly string[];
};

/**
 * Sends a command as the `system` principal — on behalf of the person who asked for it, when the
 * journey runs it for one (ADR 0022) — and answers its parsed answer, or throws a classified `ApplicationFailure`.
 */
export type ServiceClient = <A>(command: Command<A>) => Promise<A>;

/**
 * The Idempotency-Key of a command: the journey's workflow id, the command's name and its business
 * key, hashed to a fixed length. Never the attempt number: every retry of one command carries the
 * same key, so a service that already did it answers what it answered the first time (a lost
 * answer no longer turns into a 409). A genuinely new command (the customer choosing the same
 * provider again after a refusal) differs in its business key, which the journey makes from its
 * own state (`round`), so it is never mistaken for the old one.
 */
export function idempotencyKey(workflowId: string, command: string, businessKey: string): string {
  return `kj1-${createHash('sha256').update(`${workflowId}\n${command}\n${businessKey}`).digest('base64url')}`;
}

/**
 * How a service's answer fails a command, by HTTP status:
 * - 400, 401, 403, 422 and any other 4xx but those below: refused; retrying the same command cannot
 *   change the answer (`CommandRefused`, non-retryable).
 * - 404, 409: not valid *yet*; the service may not have consumed the event that makes it valid, so
 *   it is retried within the journey's bound (`NotYetValid`), unless the command names the code final
 *   (`Command.finalCodes`).
 * - 408, 429, 5xx and network errors: the service is unavailable; retried (`ServiceUnavailable`).
 */
export function failureTypeOf(status: number): CommandFailureType {
  if (status === 404 || status === 409) return CommandFailureType.notYetValid;
  if (status === 408 || status === 429 || status >= 500) return CommandFailureType.unavailable;
  return CommandFailureType.refused;
}

/** The refusal a service's error body gives: its stable code and reason, or the status when the body is not one. */
export function refusalOf(status: number, text: string): { code: string; reason: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: `HTTP_${status}`, reason: text.slice(0, 500) || `answered ${status}` };
  }
  const parsed = ServiceErrorBody.safeParse(body);
  if (!parsed.success) return { code: `HTTP_${status}`, reason: text.slice(0, 500) };
  const issues = parsed.data.issues?.map((i) => `${i.field}: ${i.reason}`).join('; ');
  return { code: parsed.data.error, reason: [parsed.data.message, issues].filter(Boolean).join(' — ') || parsed.data.error };
}

/**
 * A failed command as Temporal carries it: `details` is `[code, reason, status]`, so the journey can
 * record the service's own code and reason in its attention, and `refusedWith` can take one refusal
 * as an answer.
 */
function failure(type: CommandFailureType, message: string, code: string, reason: string, status: number | null): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: type === CommandFailureType.refused || type === CommandFailureType.unexpectedAnswer, details: [code, reason, status] });
}

/** Whether a failed service call was refused with `code` (an `ApplicationFailure` from the client below). */
export function refusedWith(err: unknown, code: string): boolean {
  return err instanceof ApplicationFailure && Array.isArray(err.details) && err.details[0] === code;
}

type ClientDeps = {
  /** The running activity's workflow id and name; the activity context by default. */
  activity?: () => { workflowId: string; activityType: string };
  fetch?: typeof fetch;
  /** The person the running command is carried out for; the activity's header by default (`activities/on-behalf-of.ts`). */
  actingFor?: () => OnBehalfOf | undefined;
};

const currentActivity = () => {
  const info = Context.current().info;
  return { workflowId: info.workflowExecution?.workflowId ?? info.activityId, activityType: info.activityType };
};

/** The journey worker's subject in every token it mints: the agent in the services' audit rows. */
export const WORKER_SUBJECT = 'journey-worker';

/**
 * A client of one service's HTTP API, as the `system` principal: with tokens from the identity
 * provider (a `TokenSource`, ADR 0032), or minted with the development secret.
 */
export function createServiceClient(baseUrl: string, auth: DevelopmentTokenSettings | TokenSource, deps: ClientDeps = {}): ServiceClient {
  const activity = deps.activity ?? currentActivity;
  const send = deps.fetch ?? fetch;
  const person = deps.actingFor ?? actingFor;
  const tokens = typeof auth === 'function' ? auth : machineTokens({ ...auth, subject: WORKER_SUBJECT });
  // A command for a person gets a token of its own that names them, short-lived since it is made for one request.
  const bearer = () => tokens(person());

  return async <A>(c: Command<A>): Promise<A> => {
    const { workflowId } = activity();
    const what = `${c.command}: ${c.method} ${c.path}`;
    let response: Response;
    let text: string;
    try {
      response = await send(new URL(c.path, baseUrl), {
        method: c.method,
        // The activity's span goes on as `traceparent`, so the service's request joins the journey's trace (ADR 0038).
        headers: withTraceHeaders({
          authorization: `Bearer ${await bearer()}`,
          ...(c.body === undefined ? {} : { 'content-type': 'application/json' }),
          'idempotency-key': idempotencyKey(workflowId, c.command, c.key),
          // The workflow id traces the command back to the journey in every service's log.
          'x-correlation-id': workflowId,
        }),
        body: c.body === undefined ? undefined : JSON.stringify(c.body),
        signal: AbortSignal.timeout(c.timeoutMs ?? 20_000),
      });
      text = await response.text();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw failure(CommandFailureType.unavailable, `${what} failed: ${reason}`, 'NETWORK', reason, null);
    }
    if (response.ok) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw failure(CommandFailureType.unexpectedAnswer, `${what} answered ${response.status} with a body that is not JSON`, 'UNEXPECTED_ANSWER', `not JSON: ${text.slice(0, 200)}`, response.status);
      }
      const parsed = c.answer.safeParse(body);
      if (parsed.success) return parsed.data;
      const reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`).join('; ');
      throw failure(CommandFailureType.unexpectedAnswer, `${what} answered ${response.status} with an answer the worker cannot read: ${reason}`, 'UNEXPECTED_ANSWER', reason, response.status);
    }
    const { code, reason } = refusalOf(response.status, text);
    const type = c.finalCodes?.includes(code) ? CommandFailureType.refused : failureTypeOf(response.status);
    throw failure(type, `${what} answered ${response.status}: ${code}: ${reason}`, code, reason, response.status);
  };
}
