import { decodeJwt } from 'jose';
import { issueToken } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';

/** The answer of a service: status and parsed JSON body, never thrown on 4xx so tests can assert on it. */
export type Answer<T = unknown> = { status: number; body: T };

/**
 * How an actor treats a service that is down: by default a call fails at once; `retryWhileDown`
 * keeps trying for `retryForMs` (the fault tests kill services under people's feet). A retried
 * command carries the same `Idempotency-Key` as the first try, so a service that did carry out the
 * first one answers the retry with that first answer instead of doing it twice.
 */
export type Resilience = { retryWhileDown?: boolean; retryForMs?: number };

/** Answers that mean the service was not there to answer: it is restarting. */
const DOWN_STATUSES = new Set([502, 503, 504]);

/**
 * Where a person's tokens come from: signed with the development issuer's secret (good at every
 * service), or asked of the identity provider for the service a URL belongs to (ADR 0032).
 */
export type Tokens = { secret: string; issuer: string } | ((principal: Principal, url: string) => Promise<string>);

/** Calls the platform's HTTP APIs as a given principal, with tokens from the development issuer or the identity provider. */
export class Actor {
  readonly #token: (url: string) => Promise<string>;
  readonly #resilience: Resilience;
  constructor(
    auth: Tokens,
    readonly principal: Principal,
    resilience: Resilience = {},
  ) {
    if (typeof auth === 'function') {
      // A person's token from the provider lives minutes (ADR 0037): asked for again a little before it expires.
      const byService = new Map<string, { token: Promise<string>; until: number }>();
      this.#token = (url) => {
        const origin = new URL(url).origin;
        const kept = byService.get(origin);
        if (kept && kept.until > Date.now()) return kept.token;
        const token = auth(principal, url);
        const entry = { token, until: Number.POSITIVE_INFINITY };
        byService.set(origin, entry);
        void token.then(
          (t) => void (entry.until = ((decodeJwt(t).exp ?? Number.POSITIVE_INFINITY) - 30) * 1000),
          () => byService.delete(origin),
        );
        return token;
      };
    } else {
      const token = issueToken(auth, principal);
      this.#token = () => token;
    }
    this.#resilience = resilience;
  }

  async call<T = unknown>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const request = {
      method,
      headers: {
        authorization: `Bearer ${await this.#token(url)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.#resilience.retryWhileDown && method !== 'GET' ? { 'idempotency-key': crypto.randomUUID() } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    const deadline = Date.now() + (this.#resilience.retryForMs ?? 60_000);
    for (;;) {
      try {
        const res = await fetch(url, request);
        const text = await res.text();
        if (!this.#resilience.retryWhileDown || !DOWN_STATUSES.has(res.status) || Date.now() > deadline) {
          return { status: res.status, body: (text ? (JSON.parse(text) as T) : (null as T)) };
        }
      } catch (err) {
        // fetch rejects only when no answer came: refused, reset, or closed mid-answer.
        if (!this.#resilience.retryWhileDown || Date.now() > deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
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
 * NATS to another service or the journey. Fails with the last error after `timeoutMs`. Polls every
 * 100 ms, or, with `maxPauseMs`, doubles the pause up to it: for reads that cost the platform work,
 * such as a running journey's state (a query replays its history, ADR 0035).
 */
export async function eventually<T>(attempt: () => Promise<T | undefined>, what: string, timeoutMs = 30_000, maxPauseMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let pause = 100;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, maxPauseMs);
  }
}
