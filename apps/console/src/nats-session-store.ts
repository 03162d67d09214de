import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { JetStreamApiCodes, JetStreamApiError, StorageType, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import { retryJetStreamRequest, type JetStreamRetryOptions } from '@kundval/platform';
import { SIGN_IN_KEY_PREFIX, SIGN_IN_TTL_MS, type SessionStore } from './session-store.js';

/** The console's bucket: one for every replica, so a session made on one is found on the others (ADR 0043). */
export const SESSION_BUCKET = 'kundval_console_sessions';
/** Sign-ins on their way (PKCE verifier, state, nonce), in a bucket of their own whose entries live ten minutes. */
export const SIGN_IN_BUCKET = 'kundval_console_signins';

/** The largest sealed entry: four access tokens, a refresh token and an id token sealed are a few kilobytes. */
export const SESSION_MAX_VALUE_BYTES = 64 * 1024;
/** What the bucket may hold on each node that keeps a replica: tens of thousands of sessions. */
export const SESSION_BUCKET_MAX_BYTES = 256 * 1024 ** 2;

export type SessionBucketSettings = {
  /** Replicas as the platform's streams have them (`NATS_STREAM_REPLICAS`: 3 on the cluster, 1 on a single server). */
  replicas: number;
  /** A session's lifetime: an entry is dropped that long after its last write. */
  ttlMs: number;
};

/**
 * The bucket's configuration, declared here and nowhere else. File storage (a session outlives a
 * NATS restart), one value per key (no history: an old revision would hold a spent refresh token),
 * entries dropped a session's lifetime after their last write. Reads go to the stream's leader
 * (`allow_direct: false`): a direct get may be answered by a replica that has not yet seen the
 * session another console just wrote, which would sign the person out on their next page.
 */
export function sessionBucket(settings: SessionBucketSettings, description = "The operators' console's sessions, sealed (ADR 0043)"): Partial<KvOptions> {
  return {
    replicas: settings.replicas,
    ttl: settings.ttlMs,
    history: 1,
    storage: StorageType.File,
    maxValueSize: SESSION_MAX_VALUE_BYTES,
    max_bytes: SESSION_BUCKET_MAX_BYTES,
    allow_direct: false,
    description,
  };
}

/** How long a key-value or management request may take: a just-formed cluster elects the bucket's leader first. */
const REQUEST_TIMEOUT_MS = 20_000;

/**
 * A bucket request is asked again while the cluster forms the bucket: after a timeout while its
 * group elects a leader, or "stream not found" for a moment after another replica created it (seen
 * when two consoles start together on three nodes).
 */
const WHILE_FORMING: JetStreamRetryOptions = { attempts: 5, whileForming: true, backoffMs: 250 };

/**
 * Opens the session bucket, creating it when it is missing: every replica does this at start, and
 * the first to arrive creates it (an identical second creation is accepted by JetStream). A bucket
 * made with other settings (fewer replicas, another lifetime) is updated to the declared ones, as
 * the platform's streams are.
 */
export async function openSessionBucket(nc: NatsConnection, settings: SessionBucketSettings, bucket = SESSION_BUCKET): Promise<KV> {
  const declared = sessionBucket(settings, bucket === SESSION_BUCKET ? undefined : "The operators' console's sign-ins on their way, sealed (ADR 0043)");
  const kv = await retryJetStreamRequest(() => new Kvm(nc).create(bucket, { ...declared, timeout: REQUEST_TIMEOUT_MS }), WHILE_FORMING);
  const jsm = await jetstreamManager(nc, { timeout: REQUEST_TIMEOUT_MS });
  const stream = `KV_${bucket}`;
  const { config } = await retryJetStreamRequest(() => jsm.streams.info(stream), WHILE_FORMING);
  const maxAge = settings.ttlMs * 1_000_000;
  if (config.num_replicas !== settings.replicas || config.max_age !== maxAge) {
    // JetStream's de-duplication window may not exceed the age (it is two minutes unless shorter).
    await jsm.streams.update(stream, { num_replicas: settings.replicas, max_age: maxAge, duplicate_window: Math.min(maxAge, 120_000 * 1_000_000) });
  }
  return kv;
}

/** Sessions in NATS JetStream key-value, shared by every console replica and kept across restarts. */
export async function natsSessionStore(options: SessionBucketSettings & { url: string; name?: string; signInTtlMs?: number }): Promise<SessionStore> {
  // A cluster is named by several of its nodes, comma-separated, as for the services.
  const nc = await connect({ servers: options.url.split(',').map((s) => s.trim()).filter(Boolean), name: options.name ?? 'console', maxReconnectAttempts: -1 });
  let sessions: KV;
  let signIns: KV;
  try {
    sessions = await openSessionBucket(nc, options);
    signIns = await openSessionBucket(nc, { replicas: options.replicas, ttlMs: options.signInTtlMs ?? SIGN_IN_TTL_MS }, SIGN_IN_BUCKET);
  } catch (err) {
    await nc.close();
    throw err;
  }
  return kvSessionStore((key) => (key.startsWith(SIGN_IN_KEY_PREFIX) ? signIns : sessions), () => nc.drain());
}

/** The session store over open buckets (`bucketOf` picks a key's); `close` releases what they were opened with. */
export function kvSessionStore(bucketOf: (key: string) => KV, close: () => Promise<void>): SessionStore {
  return {
    async get(key) {
      const kv = bucketOf(key);
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT' || entry.length === 0) return null;
      return { value: entry.value, revision: entry.revision };
    },
    async create(key, value) {
      return conflictAsNull(() => bucketOf(key).create(key, value));
    },
    async update(key, value, revision) {
      return conflictAsNull(() => bucketOf(key).update(key, value, revision));
    },
    async delete(key) {
      // Purge, not delete: no earlier revision (a spent refresh token, sealed) stays in the stream.
      await bucketOf(key).purge(key);
    },
    close,
  };
}

/** A write refused because the key's last revision is not the expected one: someone else wrote first. */
async function conflictAsNull(write: () => Promise<number>): Promise<number | null> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)) return null;
    throw err;
  }
}
