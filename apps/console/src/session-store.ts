/**
 * Where the console keeps people's sessions and sign-ins on their way (ADR 0043): sealed bytes
 * under a key, each write carrying a revision so that a change is made only over the value it was
 * computed from (compare-and-set). Two implementations: NATS JetStream key-value
 * (`nats-session-store.ts`), shared by every console replica and surviving a restart, and this
 * module's in-memory one, for one process (the unit tests, a developer's console without NATS).
 */
export type StoredEntry = { value: Uint8Array; revision: number };

/**
 * Keys of sign-ins on their way (`signin.<digest>`) live ten minutes, apart from the sessions: a
 * sign-in begun and never finished must not hold room for a working day (ADR 0043).
 */
export const SIGN_IN_KEY_PREFIX = 'signin.';
/** How long a sign-in may take at the provider before it must be started again. */
export const SIGN_IN_TTL_MS = 10 * 60_000;

export interface SessionStore {
  /** The entry under `key`, or null when there is none (never written, deleted, or past the store's lifetime). */
  get(key: string): Promise<StoredEntry | null>;
  /** Writes a new entry; null when `key` already holds one. */
  create(key: string, value: Uint8Array): Promise<number | null>;
  /** Replaces the entry at `revision`; null when it has changed since (another writer got there first) or is gone. */
  update(key: string, value: Uint8Array, revision: number): Promise<number | null>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sessions in this process's memory, with the same lifetime and compare-and-set rules as the
 * buckets: an entry lives `ttlMs` (a sign-in's `signInTtlMs`) from its last write. Lost at a
 * restart, not shared by replicas.
 */
export function memorySessionStore(options: { ttlMs: number; signInTtlMs?: number; now?: () => number }): SessionStore {
  const now = options.now ?? Date.now;
  const lifetime = (key: string) => (key.startsWith(SIGN_IN_KEY_PREFIX) ? (options.signInTtlMs ?? SIGN_IN_TTL_MS) : options.ttlMs);
  const entries = new Map<string, StoredEntry & { writtenAt: number }>();
  let revision = 0;
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.writtenAt + lifetime(key) <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const write = (key: string, value: Uint8Array) => {
    revision += 1;
    entries.set(key, { value, revision, writtenAt: now() });
    return revision;
  };
  return {
    async get(key) {
      const entry = live(key);
      return entry ? { value: entry.value, revision: entry.revision } : null;
    },
    async create(key, value) {
      return live(key) ? null : write(key, value);
    },
    async update(key, value, at) {
      return live(key)?.revision === at ? write(key, value) : null;
    },
    async delete(key) {
      entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}
