import { setTimeout as sleep } from 'node:timers/promises';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

/**
 * When a JetStream management request (create or look up a stream, a consumer, a key-value bucket)
 * is asked again, and how often. A cluster that has just formed, or has lost a node, answers while
 * its groups elect leaders: a request times out although it may have been applied, and a stream
 * another process has just created is for a moment "not found" on this one. Every request these
 * options are used for declares a configuration, so asking again is harmless.
 */
export type JetStreamRetryOptions = {
  /** Attempts in all, the first one included. */
  attempts?: number;
  /**
   * Also ask again when the stream is not found: for a lookup of a stream (or bucket) that this or
   * another process has just created, while the cluster is still forming its group.
   */
  whileForming?: boolean;
  /** The wait before attempt n + 1 is `backoffMs × n`; 0 asks again at once (a timeout has waited already). */
  backoffMs?: number;
  /** How the wait is made; a test passes its own to see the waits. */
  wait?: (ms: number) => Promise<unknown>;
};

/** The defaults: three attempts, at once, on timeouts only. */
export const JETSTREAM_RETRY_DEFAULTS = { attempts: 3, whileForming: false, backoffMs: 0 } as const;

/** A request that got no answer in its time: nats.js's `TimeoutError`, also as JetStream wraps it. */
export function isJetStreamTimeout(err: unknown): boolean {
  return err instanceof Error && /timeout/i.test(err.message + err.name);
}

/** JetStream's answer that the stream (or the bucket's stream) does not exist. */
export function isStreamNotFound(err: unknown): boolean {
  if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return true;
  return err instanceof Error && /stream not found/i.test(err.message);
}

/**
 * Runs a JetStream management request, and again after a timeout (and, `whileForming`, after
 * "stream not found") until `attempts` are spent; any other error, or the last attempt's, is
 * thrown as it is.
 */
export async function retryJetStreamRequest<T>(request: () => Promise<T>, options: JetStreamRetryOptions = {}): Promise<T> {
  const { attempts, whileForming, backoffMs } = { ...JETSTREAM_RETRY_DEFAULTS, ...options };
  const wait = options.wait ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      const retryable = isJetStreamTimeout(err) || (whileForming && isStreamNotFound(err));
      if (!retryable || attempt >= attempts) throw err;
      if (backoffMs > 0) await wait(backoffMs * attempt);
    }
  }
}
