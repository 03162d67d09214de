import { audit } from '@kundval/platform';
import type { PayeeAccount } from '../../finance/bank-accounts.js';
import { providerAccountOf, upsertProviderAccount } from '../../store/provider-accounts.js';
import type { Outcome, UseCaseContext } from '../context.js';

// The checked account numbers this use case accepts (check digits, mod 97, the BIC's form): the adapter's body is built of them.
export { Bankgiro, Bic, Iban, Plusgiro } from '../../finance/bank-accounts.js';
export type { PayeeAccount };

export type RegisterProviderAccount = { providerId: string; name: string; account: PayeeAccount };
export type RegisteredAccount = { providerId: string; name: string; bankgiro: string | null; account: PayeeAccount };

/** Finance registers (or replaces) where a provider is paid: a Bankgiro, Plusgiro or IBAN account, with the payee name the bank shows. */
export async function registerProviderAccount(ctx: UseCaseContext, input: RegisterProviderAccount): Promise<Outcome<RegisteredAccount>> {
  const { providerId, name, account } = input;
  const values = {
    name,
    account_kind: account.kind,
    account_number: account.number,
    bic: account.kind === 'iban' ? account.bic : null,
    bankgiro: account.kind === 'bankgiro' ? account.number : null,
    updated_by: ctx.principal.sub,
  };
  const before = await providerAccountOf(ctx.db, providerId);
  await upsertProviderAccount(ctx.db, providerId, values, ctx.now);
  await audit(ctx.db, ctx.principal, { action: 'provider-account.registered', entity: 'provider', entityId: providerId, before: before ?? null, after: { name, account }, correlationId: ctx.correlationId });
  return { result: { providerId, name, bankgiro: values.bankgiro, account }, created: false, events: [] };
}
