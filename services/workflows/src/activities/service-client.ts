import { ApplicationFailure, Context } from '@temporalio/activity';
import { issueToken, type TokenSettings } from '@kundval/platform';

/**
 * Calls a service's HTTP API as the `system` principal. A refusal that retrying cannot cure (400,
 * 401, 403) fails the activity for good; 404 and 409 are retried, because the service may not have
 * consumed the event that makes the command valid yet; network errors and 5xx are retried too.
 */
export type ServiceClient = <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, options?: { timeoutMs?: number }) => Promise<T>;

/** The `error` code of a service's error body, or null when the body is not one. */
function errorCodeOf(text: string): string | null {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string' ? body.error : null;
  } catch {
    return null;
  }
}

/** Whether a failed service call was refused with `code` (an `ApplicationFailure` from the client above). */
export function refusedWith(err: unknown, code: string): boolean {
  return err instanceof ApplicationFailure && Array.isArray(err.details) && err.details[0] === code;
}

export function createServiceClient(baseUrl: string, auth: TokenSettings): ServiceClient {
  let token: { value: string; expires: number } | undefined;
  const bearer = async () => {
    if (!token || token.expires < Date.now() + 60_000) {
      token = { value: await issueToken(auth, { sub: 'journey-worker', role: 'system' }, 3600), expires: Date.now() + 3600_000 };
    }
    return token.value;
  };

  return async <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<T> => {
    const info = Context.current().info;
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${await bearer()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        // The workflow id traces the command back to the journey in every service's log.
        'x-correlation-id': info.workflowExecution?.workflowId ?? info.activityId,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    const message = `${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`;
    // The service's stable error code, for the callers that take one refusal as an answer.
    const details = [errorCodeOf(text)];
    if ([400, 401, 403, 422].includes(response.status)) throw ApplicationFailure.create({ type: 'BadRequest', message, nonRetryable: true, details });
    throw ApplicationFailure.create({ type: `Http${response.status}`, message, details });
  };
}
