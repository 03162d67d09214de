import type { BillingDb } from './db.js';

export type ProviderAccountValues = { name: string; account_kind: 'bankgiro' | 'plusgiro' | 'iban'; account_number: string; bic: string | null; bankgiro: string | null; updated_by: string };

/** Where the provider is paid now, if registered. */
export function providerAccountOf(db: BillingDb, providerId: string) {
  return db.selectFrom('provider_accounts').select(['name', 'account_kind', 'account_number', 'bic']).where('provider_id', '=', providerId).executeTakeFirst();
}

/** Registers the provider's account, or replaces it (stamped `updatedAt`). */
export async function upsertProviderAccount(db: BillingDb, providerId: string, values: ProviderAccountValues, updatedAt: Date): Promise<void> {
  await db
    .insertInto('provider_accounts')
    .values({ provider_id: providerId, ...values })
    .onConflict((oc) => oc.column('provider_id').doUpdateSet({ ...values, updated_at: updatedAt }))
    .execute();
}
