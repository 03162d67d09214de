import { issueToken } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';

/** The answer of a service: status and parsed JSON body, never thrown on 4xx so tests can assert on it. */
export type Answer<T = unknown> = { status: number; body: T };

/** Calls the platform's HTTP APIs as a given principal, signing tokens with the development issuer. */
export class Actor {
  #token: Promise<string>;
  constructor(
    auth: { secret: string; issuer: string },
    readonly principal: Principal,
  ) {
    this.#token = issueToken(auth, principal);
  }

  async call<T = unknown>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${await this.#token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Like `call`, but a non-2xx answer is an error naming the call and the answer. */
  async ok<T = unknown>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const answer = await this.call<T>(method, url, body, headers);
    if (answer.status >= 300) throw new Error(`${method} ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

/**
 * Polls until `attempt` returns a value (not undefined), for the steps that follow an event through
 * NATS to another service or the journey. Fails with the last error after `timeoutMs`.
 */
export async function eventually<T>(attempt: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
