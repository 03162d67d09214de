import { CompactEncrypt, base64url, compactDecrypt } from 'jose';
import { createHash, randomBytes } from 'node:crypto';

/**
 * Sealing of what the console keeps for a person (ADR 0043): their tokens, and a sign-in's PKCE
 * verifier, state and nonce, are encrypted before they leave the process for the session store,
 * as a JWE (`dir` + `A256GCM`, jose) under a key from configuration (`SESSION_SEALING_KEYS`). The
 * store holds ciphertext only: whoever reads the bucket (a NATS operator, a backup) learns no token.
 *
 * Keys are a list: the first seals, every one opens. Rotation is adding a new key in front,
 * restarting the consoles, and removing the old one once the sessions sealed with it have ended
 * (a session's lifetime, 8 h). Each key is named in the JWE header by its `kid`, a digest of the
 * key, so opening picks the key directly and a removed key's sessions simply no longer open.
 */
export type SealingKey = { kid: string; key: Uint8Array };

/** The length of an A256GCM key: 32 bytes, written in base64url (43 characters). */
export const SEALING_KEY_BYTES = 32;

/** Parses the configured keys (base64url, 32 bytes each), the sealing one first. */
export function sealingKeys(encoded: readonly string[]): SealingKey[] {
  return encoded.map((text, i) => {
    const key = base64url.decode(text);
    if (key.length !== SEALING_KEY_BYTES) throw new Error(`sealing key ${i + 1} is ${key.length} bytes; A256GCM needs ${SEALING_KEY_BYTES} (base64url, 43 characters)`);
    return { kid: createHash('sha256').update(key).digest('base64url').slice(0, 12), key };
  });
}

/** A fresh key in the configured form, for a developer's data folder or an operator's secret store. */
export function newSealingKey(): string {
  return randomBytes(SEALING_KEY_BYTES).toString('base64url');
}

/** What could not be opened: sealed under a key no longer configured, bound to another entry, or altered. */
export class UnsealError extends Error {
  override name = 'UnsealError';
}

/** The header parameter that binds a sealed value to the store key it was written under. */
const BOUND_TO = 'kundval_key';

export type Sealer = {
  /** Encrypts `value` under the first key, bound to the store key `bind`: the ciphertext opens only under that key. */
  seal(value: unknown, bind: string): Promise<Uint8Array>;
  /** Decrypts a sealed value read from the store key `bind`; throws `UnsealError` otherwise. */
  open(sealed: Uint8Array, bind: string): Promise<unknown>;
};

export function sealer(keys: readonly SealingKey[]): Sealer {
  const first = keys[0];
  if (!first) throw new Error('at least one sealing key is needed');
  const byKid = new Map(keys.map((k) => [k.kid, k.key]));
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    async seal(value, bind) {
      // The binding sits in the protected header, which A256GCM authenticates: a sealed session
      // copied under another session's key (by someone who can write the bucket) does not open.
      const jwe = await new CompactEncrypt(encoder.encode(JSON.stringify(value))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: first.kid, [BOUND_TO]: bind }).encrypt(first.key);
      return encoder.encode(jwe);
    },
    async open(sealed, bind) {
      const jwe = decoder.decode(sealed);
      let result: Awaited<ReturnType<typeof compactDecrypt>>;
      try {
        result = await compactDecrypt(jwe, async (header) => {
          const key = header.kid ? byKid.get(header.kid) : undefined;
          if (!key) throw new UnsealError(`sealed under key ${header.kid ?? '(none)'}, which is not configured`);
          return key;
        }, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
      } catch (err) {
        throw err instanceof UnsealError ? err : new UnsealError(`the sealed value does not open: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (result.protectedHeader[BOUND_TO] !== bind) throw new UnsealError('the sealed value belongs to another entry');
      return JSON.parse(decoder.decode(result.plaintext)) as unknown;
    },
  };
}
