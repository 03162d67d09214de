import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Identity numbers at rest (issue 12): each number is sealed with a data key of its own (AES-256-GCM),
 * and the data key is sealed with the configured key-encryption key (envelope encryption), so a
 * database copy alone reveals nothing; a keyed hash (HMAC-SHA256 with a separate key) finds the
 * customer of a number without decrypting every row. Rotation: add a new key first in
 * `IDENTITY_KEYS` (it seals from then on; the older ones still open what they sealed), then
 * `rewrap` re-seals old rows' data keys under it, after which the old key can be removed.
 *
 * The look-up hash carries its key's id too (`<kid>:<hex>`; a key configured without an id writes the
 * bare hex, as every hash did before look-up keys had ids), so the look-up key rotates the same way:
 * a new key first in `IDENTITY_LOOKUP_KEY` hashes new rows, look-ups try every configured key, and the
 * re-hash job (`rehashIdentityNumbers`) moves old rows to the current key, after which the old key
 * can be removed (docs/security.md).
 */
export type IdentityVault = {
  /** The sealed form stored in `customers.identity_sealed`: `v1:<kid>:<wrapped data key>:<sealed number>` (base64url). */
  seal(digits: string): string;
  open(sealed: string): string;
  /** The look-up hash stored in `customers.identity_hash`, under the current look-up key. */
  lookupHash(digits: string): string;
  /** The number's look-up hash under every configured look-up key, the current one first: what a look-up searches for. */
  lookupHashes(digits: string): string[];
  /** Whether a stored hash was made with the current look-up key. */
  isCurrentHash(hash: string): boolean;
  /** The current look-up key's id ('' for a key configured without one). */
  lookupKid: string;
  /** The sealed form under the current key, when `sealed` was made with an older one; undefined when it is current. */
  rewrap(sealed: string): string | undefined;
};

/** Keys as configuration gives them: `kid:base64key` entries, comma-separated, the first one current; and the look-up keys, the same way (or one bare base64 key). */
export type IdentityKeys = { keys: string; lookupKey: string };

/** The development keys: a fresh clone works without setting any; production refuses them (config.ts). */
export const DEVELOPMENT_IDENTITY_KEYS: IdentityKeys = {
  keys: `dev1:${Buffer.alloc(32, 'kundval-development-identity-key').toString('base64')}`,
  lookupKey: Buffer.alloc(32, 'kundval-development-lookup-key').toString('base64'),
};

/** Parses `kid:base64key,…`: every key 32 bytes (AES-256), every kid distinct. Throws naming the fault. */
export function parseIdentityKeys(value: string): Array<{ kid: string; key: Buffer }> {
  const keys = value.split(',').map((entry) => {
    const at = entry.indexOf(':');
    const kid = entry.slice(0, at).trim();
    const key = Buffer.from(entry.slice(at + 1).trim(), 'base64');
    if (at < 1 || !/^[\w-]{1,32}$/.test(kid)) throw new Error('IDENTITY_KEYS: each entry is <kid>:<base64 key>, the kid letters, digits, _ or -');
    if (key.length !== 32) throw new Error(`IDENTITY_KEYS: the key ${kid} is ${key.length} bytes; AES-256 needs 32`);
    return { kid, key };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new Error('IDENTITY_KEYS: a kid appears twice');
  return keys;
}

const b64 = (b: Buffer) => b.toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url');

function gcmSeal(key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function gcmOpen(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

/**
 * Parses the look-up keys: `kid:base64key,…` (the first one current) or one bare base64 key, whose
 * id is '' and whose hashes are the bare hex of the rows written before look-up keys had ids.
 * Every key at least 32 bytes, every kid distinct. Throws naming the fault.
 */
export function parseLookupKeys(value: string): Array<{ kid: string; key: Buffer }> {
  const keys = value.split(',').map((entry) => {
    const at = entry.indexOf(':');
    const kid = at < 0 ? '' : entry.slice(0, at).trim();
    const key = Buffer.from(entry.slice(at + 1).trim(), 'base64');
    if (at >= 0 && !/^[\w-]{1,32}$/.test(kid)) throw new Error('IDENTITY_LOOKUP_KEY: each entry is <kid>:<base64 key>, the kid letters, digits, _ or -');
    if (key.length < 32) throw new Error(`IDENTITY_LOOKUP_KEY: the key ${kid || '(without id)'} is ${key.length} bytes; it needs at least 32`);
    return { kid, key };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new Error('IDENTITY_LOOKUP_KEY: a kid appears twice');
  return keys;
}

/** The id of the look-up key a stored hash was made with ('' for a bare hex hash). */
export const hashKid = (hash: string): string => (hash.includes(':') ? hash.slice(0, hash.indexOf(':')) : '');

export function createIdentityVault(config: IdentityKeys): IdentityVault {
  const keys = parseIdentityKeys(config.keys);
  const current = keys[0]!;
  const byKid = new Map(keys.map((k) => [k.kid, k.key]));
  const lookupKeys = parseLookupKeys(config.lookupKey);
  const hashWith = (k: { kid: string; key: Buffer }, digits: string) => {
    const hex = createHmac('sha256', k.key).update(digits).digest('hex');
    return k.kid ? `${k.kid}:${hex}` : hex;
  };

  const parts = (sealed: string) => {
    const [version, kid, wrapped, number] = sealed.split(':');
    if (version !== 'v1' || !kid || !wrapped || !number) throw new Error('Not a sealed identity number');
    const kek = byKid.get(kid);
    if (!kek) throw new Error(`The identity number was sealed with the key ${kid}, which IDENTITY_KEYS no longer holds`);
    // The data key is bound to its kid, and the number to its data key: neither can be swapped for another row's.
    return { kid, dataKey: gcmOpen(kek, unb64(wrapped), `kundval-identity-key:${kid}`), wrapped, number };
  };

  return {
    seal(digits) {
      const dataKey = randomBytes(32);
      const number = gcmSeal(dataKey, Buffer.from(digits), 'kundval-identity-number');
      return `v1:${current.kid}:${b64(gcmSeal(current.key, dataKey, `kundval-identity-key:${current.kid}`))}:${b64(number)}`;
    },
    open(sealed) {
      const { dataKey, number } = parts(sealed);
      return gcmOpen(dataKey, unb64(number), 'kundval-identity-number').toString();
    },
    lookupHash: (digits) => hashWith(lookupKeys[0]!, digits),
    lookupHashes: (digits) => lookupKeys.map((k) => hashWith(k, digits)),
    isCurrentHash: (hash) => hashKid(hash) === lookupKeys[0]!.kid,
    lookupKid: lookupKeys[0]!.kid,
    rewrap(sealed) {
      const { kid, dataKey, number } = parts(sealed);
      if (kid === current.kid) return undefined;
      return `v1:${current.kid}:${b64(gcmSeal(current.key, dataKey, `kundval-identity-key:${current.kid}`))}:${number}`;
    },
  };
}
