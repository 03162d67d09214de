import type { Logger } from '@kundval/platform';
import type { DecisionsDb } from '../../store/db.js';
import { rehashIdentityNumbers } from '../../store/decisions.js';
import type { IdentityVault } from '../../store/identity-vault.js';

/**
 * The re-hash job of a look-up key rotation (docs/security.md): moves every customer whose look-up
 * hash was made with an older key to the current one, a batch per transaction. Idempotent and
 * resumable: it takes only rows still on an older key, so running it again, or after a stop midway,
 * finishes the work and then does nothing. The service runs it after every start, beside its
 * requests (look-ups find old rows under the older keys meanwhile); it says when nothing is left,
 * which is when the old key may be removed from `IDENTITY_LOOKUP_KEY`.
 */
export async function rehashLookupHashes(db: DecisionsDb, vault: IdentityVault, log: Pick<Logger, 'info'>, options: { batch?: number } = {}): Promise<{ rehashed: number; remaining: number }> {
  const outcome = await rehashIdentityNumbers(db, vault, options);
  if (outcome.rehashed > 0 || outcome.remaining > 0) log.info({ ...outcome, lookupKey: vault.lookupKid || '(without id)' }, 'identity look-up hashes moved to the current look-up key');
  return outcome;
}
