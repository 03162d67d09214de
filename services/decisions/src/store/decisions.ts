import { randomUUID } from 'node:crypto';
import { sql, type Expression, type Insertable, type Selectable, type SqlBool, type Updateable } from 'kysely';
import { notFound, type Actor } from '@kundval/platform';
import type { DecisionsDb } from '../store/db.js';
import type { DecisionsTables } from './schema.js';
import { DEVELOPMENT_IDENTITY_KEYS, createIdentityVault, type IdentityVault } from './identity-vault.js';

export type DecisionRow = Selectable<DecisionsTables['decisions']>;
export type VersionRow = Selectable<DecisionsTables['decision_versions']>;

/** How a customer appeals a denial, whole or partial (Social Services Act ch. 16 §3, via the administrative court). */
export const APPEAL_INFORMATION =
  'You may appeal this decision to the administrative court (förvaltningsrätten). Send your appeal to the municipality within three weeks of receiving the decision.';

/** Who acts and under which correlation id: every write below audits and traces with it. */
export type CommandContext = { actor: Actor; correlationId: string };

/** A decision as the API shows it: the current version's terms, its end, and every version. */
export type DecisionView = ReturnType<typeof toDecisionView>;

export function toDecisionView(row: DecisionRow, versions: readonly VersionRow[]) {
  return {
    decisionId: row.decision_id,
    applicationId: row.application_id,
    customerId: row.customer_id,
    areaId: row.area_id,
    outcome: row.outcome,
    careHoursPerMonth: Number(row.care_hours_per_month),
    serviceHoursPerMonth: Number(row.service_hours_per_month),
    level: row.level,
    careNeedPoints: row.care_need_points,
    daysPerWeek: row.days_per_week,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    decidedOn: row.decided_on,
    decidingMunicipality: row.deciding_municipality,
    deniedPart: row.denied_part,
    denialReason: row.denial_reason,
    appealInformation: row.outcome === 'granted' ? null : APPEAL_INFORMATION,
    version: row.version,
    effectiveFrom: row.effective_from,
    ended: row.end_date && row.end_reason ? { endDate: row.end_date, reason: row.end_reason } : null,
    history: versions.map((v) => ({
      version: v.version,
      changeId: v.change_id,
      kind: v.kind,
      effectiveFrom: v.effective_from,
      careHoursPerMonth: Number(v.care_hours_per_month),
      serviceHoursPerMonth: Number(v.service_hours_per_month),
      level: v.level,
      careNeedPoints: v.care_need_points,
      daysPerWeek: v.days_per_week,
      validTo: v.valid_to,
      reason: v.reason,
      changedAt: v.changed_at.toISOString(),
    })),
  };
}

/** Reads a decision for a command, locked until the transaction ends; 404 when there is none, or none within `scope` (`decisionScope`). */
export async function lockDecision(trx: DecisionsDb, decisionId: string, scope?: Expression<SqlBool>): Promise<DecisionRow> {
  let query = trx.selectFrom('decisions').selectAll().where('decision_id', '=', decisionId);
  if (scope) query = query.where(scope);
  const row = await query.forUpdate().executeTakeFirst();
  if (!row) throw notFound('DECISIONS.DECISION_NOT_FOUND', 'No such decision.');
  return row;
}

export async function readDecisionView(db: DecisionsDb, row: DecisionRow): Promise<DecisionView> {
  const versions = await db.selectFrom('decision_versions').selectAll().where('decision_id', '=', row.decision_id).orderBy('version').execute();
  return toDecisionView(row, versions);
}


/**
 * The customer of a first contact, created on it with a pseudonymous id; the same person always gets
 * the same id, found by the number's keyed hash. The number itself is stored sealed (identity-vault.ts).
 */
export async function customerIdFor(trx: DecisionsDb, identityDigits: string, vault: IdentityVault = developmentVault()): Promise<string> {
  // Found under any configured look-up key first: a row hashed with an older key, not yet re-hashed, is this person.
  const known = await findCustomerByIdentity(trx, identityDigits, vault);
  if (known) return known.customer_id;
  const customer = await trx
    .insertInto('customers')
    .values({ customer_id: randomUUID(), identity_number: null, identity_hash: vault.lookupHash(identityDigits), identity_sealed: vault.seal(identityDigits) })
    .onConflict((oc) => oc.column('identity_hash').doUpdateSet((eb) => ({ identity_hash: eb.ref('excluded.identity_hash') })))
    .returning('customer_id')
    .executeTakeFirstOrThrow();
  return customer.customer_id;
}

/** The customer whose identity number this is, found by its keyed hash under any configured look-up key; undefined when there is none. */
export async function findCustomerByIdentity(db: DecisionsDb, identityDigits: string, vault: IdentityVault = developmentVault()): Promise<{ customer_id: string } | undefined> {
  return db.selectFrom('customers').select('customer_id').where('identity_hash', 'in', vault.lookupHashes(identityDigits)).executeTakeFirst();
}

/**
 * Moves rows hashed with an older look-up key to the current one (the re-hash job of a look-up key
 * rotation): opens each such row's sealed number and writes its hash under the current key, `batch`
 * rows per transaction. Idempotent (a row already current is not selected) and resumable (each batch
 * commits; stopped anywhere, the next run takes the rows still old). A row changed meanwhile (its
 * hash no longer the one read) is left for the next run. Answers how many rows it moved and how many
 * are left on an older key.
 */
export async function rehashIdentityNumbers(db: DecisionsDb, vault: IdentityVault, options: { batch?: number; maxBatches?: number } = {}): Promise<{ rehashed: number; remaining: number }> {
  const batch = options.batch ?? 500;
  /** Rows whose hash was made with another look-up key than the current one. */
  function oldHashes() {
    const kid = vault.lookupKid;
    return db
      .selectFrom('customers')
      .where('identity_sealed', 'is not', null)
      .where('identity_hash', 'is not', null)
      .where(kid === '' ? sql<boolean>`position(':' in identity_hash) > 0` : sql<boolean>`(position(':' in identity_hash) = 0 or split_part(identity_hash, ':', 1) <> ${kid})`);
  }
  let rehashed = 0;
  for (let round = 0; options.maxBatches === undefined || round < options.maxBatches; round++) {
    const rows = await oldHashes().select(['customer_id', 'identity_hash', 'identity_sealed']).orderBy('customer_id').limit(batch).execute();
    if (rows.length === 0) break;
    const moved = await db.transaction().execute(async (trx) => {
      let n = 0;
      for (const row of rows) {
        const result = await trx
          .updateTable('customers')
          .set({ identity_hash: vault.lookupHash(vault.open(row.identity_sealed!)) })
          .where('customer_id', '=', row.customer_id)
          .where('identity_hash', '=', row.identity_hash)
          .executeTakeFirst();
        n += Number(result.numUpdatedRows);
      }
      return n;
    });
    rehashed += moved;
    if (moved === 0) break;
  }
  const left = await oldHashes().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return { rehashed, remaining: Number(left.n) };
}

/**
 * Seals the numbers of rows written before migration 0005 (and re-seals under the current key the
 * data keys of rows sealed with an older one): run at every start, it changes nothing once done.
 * Answers how many rows it sealed and re-wrapped.
 */
export async function sealPlainIdentityNumbers(db: DecisionsDb, vault: IdentityVault): Promise<{ sealed: number; rewrapped: number }> {
  let sealed = 0;
  let rewrapped = 0;
  const plain = await db.selectFrom('customers').select(['customer_id', 'identity_number']).where('identity_number', 'is not', null).execute();
  for (const row of plain) {
    await db
      .updateTable('customers')
      .set({ identity_hash: vault.lookupHash(row.identity_number!.trim()), identity_sealed: vault.seal(row.identity_number!.trim()), identity_number: null })
      .where('customer_id', '=', row.customer_id)
      .execute();
    sealed++;
  }
  const all = await db.selectFrom('customers').select(['customer_id', 'identity_sealed']).where('identity_sealed', 'is not', null).execute();
  for (const row of all) {
    const again = vault.rewrap(row.identity_sealed!);
    if (again === undefined) continue;
    await db.updateTable('customers').set({ identity_sealed: again }).where('customer_id', '=', row.customer_id).execute();
    rewrapped++;
  }
  return { sealed, rewrapped };
}

let development: IdentityVault | undefined;
/** The vault with the development keys, for callers (tests, tools) that configure none. */
export const developmentVault = () => (development ??= createIdentityVault(DEVELOPMENT_IDENTITY_KEYS));

/** Records the decision's current terms as its version `row.version`. */
export async function insertVersion(trx: DecisionsDb, row: DecisionRow, v: { kind: VersionRow['kind']; reason: string | null }, changedBy: Actor): Promise<VersionRow> {
  return trx
    .insertInto('decision_versions')
    .values({
      decision_id: row.decision_id,
      version: row.version,
      change_id: randomUUID(),
      kind: v.kind,
      effective_from: row.effective_from,
      care_hours_per_month: row.care_hours_per_month,
      service_hours_per_month: row.service_hours_per_month,
      level: row.level,
      care_need_points: row.care_need_points,
      days_per_week: row.days_per_week,
      valid_to: row.valid_to,
      reason: v.reason,
      changed_by: changedBy.sub,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertDecisionRow(trx: DecisionsDb, row: Insertable<DecisionsTables['decisions']>): Promise<DecisionRow> {
  return trx.insertInto('decisions').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateDecision(trx: DecisionsDb, decisionId: string, set: Updateable<DecisionsTables['decisions']>): Promise<DecisionRow> {
  return trx.updateTable('decisions').set(set).where('decision_id', '=', decisionId).returningAll().executeTakeFirstOrThrow();
}

export async function findDecision(db: DecisionsDb, decisionId: string, scope?: Expression<SqlBool>): Promise<DecisionRow | undefined> {
  let query = db.selectFrom('decisions').selectAll().where('decision_id', '=', decisionId);
  if (scope) query = query.where(scope);
  return query.executeTakeFirst();
}
