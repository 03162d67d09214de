import { z } from 'zod';
import { loadConfig } from '@kundval/platform';
import { Bic, OrganisationNumber, SwedishIban } from './bank-accounts.js';

const Account = z.string().regex(/^\d{4}$/, 'a BAS account: four digits');

/**
 * The finance settings in the environment. Every default is a DEMO value — a fictitious account
 * and organisation, BAS accounts picked as plausible — for the local platform and tests; a
 * municipality sets its own (ADR 0005).
 */
export const FinanceConfig = z
  .object({
  FINANCE_PAYER_NAME: z.string().min(1).max(70).default('Demo kommun'),
  /** The municipality's account that provider payments are debited to (IBAN, and its bank's BIC). */
  FINANCE_PAYER_IBAN: SwedishIban.default('SE4550000000058398257466'),
  FINANCE_PAYER_BIC: Bic.default('ESSESESS'),
  /**
   * How the payment file names the municipality to its bank (InitgPty/Id, ADR 0031): by its
   * organisation number, or by the agreement id the bank gave it (FINANCE_INITIATOR_ID).
   */
  FINANCE_INITIATOR_ID_KIND: z.enum(['organisation-number', 'agreement-id']).default('organisation-number'),
  /** The bank's agreement id (Swedbank's `nnnnnnnnnnnnAnnn`, say); needed with FINANCE_INITIATOR_ID_KIND=agreement-id. */
  FINANCE_INITIATOR_ID: z.string().regex(/^[A-Za-z0-9]{1,35}$/, 'letters and digits, at most 35').optional(),
  /** The scheme code the bank asks for beside the id: BANK (an id the bank keys the customer by) or CUST. */
  FINANCE_INITIATOR_SCHEME: z.enum(['BANK', 'CUST']).default('BANK'),
  /** The municipality's organisation number (kommuner: 212000-NNNN), check digit verified. */
  FINANCE_ORGANISATION_NUMBER: OrganisationNumber.default('212000-0001'),
  /** The ledger's voucher series for vouchers from Kundval. */
  FINANCE_SIE_SERIES: z.string().regex(/^[A-Za-z0-9]{1,10}$/).default('KV'),
  /**
   * The chart of accounts the SIE file declares (#KPTYP). The SIE 4 format names BAS95, BAS96,
   * EUBAS97 and NE2007 (and BAS2008…BAS20xx in later revisions); the default BAS accounts below
   * follow EUBAS97's numbering. A municipality on Kommun-Bas sets what its ledger expects.
   */
  FINANCE_SIE_CHART: z.string().regex(/^[A-Z0-9]{1,20}$/, 'a chart type such as EUBAS97').default('EUBAS97'),
  /** Cost of provider payments (debit). */
  FINANCE_ACCOUNT_PROVIDER_PAYMENTS: Account.default('4510'),
  /** Revenue from customer fees (credit). */
  FINANCE_ACCOUNT_CUSTOMER_FEES: Account.default('3010'),
  /** Accounts payable to providers (credit until paid). */
  FINANCE_ACCOUNT_PAYABLE: Account.default('2440'),
  /** Customer receivables (debit until paid). */
  FINANCE_ACCOUNT_RECEIVABLE: Account.default('1510'),
  /**
   * Receivables from other municipalities for vouchers they recharge (debit until they pay; ADR 0014):
   * a sub-account of Kommun-Bas group 151 Kundfordringar kept apart from customers' fees.
   */
  FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_RECEIVABLE: Account.default('1511'),
  /**
   * What a recharge is credited to; left out, the provider payments' cost account, so the
   * municipality's own voucher cost is what remains there (set a revenue account to show it gross).
   */
  FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_CREDIT: Account.optional(),
  /** The bank account customers' payments arrive in (debit; BAS 1930). */
  FINANCE_ACCOUNT_BANK: Account.default('1930'),
  /** What customers paid beyond their invoice, owed back to them (credit; BAS 2420 advances from customers). */
  FINANCE_ACCOUNT_CUSTOMER_CREDITS: Account.default('2420'),
  /** Payments no invoice could be found for, until finance resolves them (credit; BAS 2999 suspense). */
  FINANCE_ACCOUNT_UNMATCHED_PAYMENTS: Account.default('2999'),
  /** Days after its invoice day a fee invoice is due (invoices carry no due date of their own). */
  FEE_PAYMENT_TERM_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  /** Days past the due date an unpaid fee invoice is reminded (once). */
  FEE_REMINDER_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  /** Days a fee credit waits for a next fee invoice to be set off against before it is paid back (ADR 0039). */
  FEE_CREDIT_SETOFF_DAYS: z.coerce.number().int().min(0).max(730).default(90),
  /** Days a credit against a provider waits for a payment to be set off against before the provider is invoiced (ADR 0039). */
  PROVIDER_CREDIT_INVOICE_DAYS: z.coerce.number().int().min(0).max(730).default(60),
  /** Days after its issue a provider invoice is due. */
  PROVIDER_INVOICE_PAYMENT_TERM_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  })
  .refine((c) => c.FINANCE_INITIATOR_ID_KIND !== 'agreement-id' || c.FINANCE_INITIATOR_ID !== undefined, {
    path: ['FINANCE_INITIATOR_ID'],
    message: 'required when FINANCE_INITIATOR_ID_KIND is agreement-id',
  });
export type FinanceConfig = z.infer<typeof FinanceConfig>;

export type FinanceSettings = {
  payer: { name: string; iban: string; bic: string; initiator: { id: string; scheme: 'BANK' | 'CUST' }; organisationNumber: string };
  sie: { series: string; chart: string; program: { name: string; version: string } };
  accounts: {
    providerPayments: string;
    customerFees: string;
    payable: string;
    receivable: string;
    rechargeReceivable: string;
    rechargeCredit: string;
    bank: string;
    customerCredits: string;
    unmatchedPayments: string;
  };
  reminders: { paymentTermDays: number; reminderDays: number };
  feeCredits: { setOffDays: number };
  providerInvoices: { afterDays: number; paymentTermDays: number };
};

export function financeSettings(config: FinanceConfig): FinanceSettings {
  return {
    payer: {
      name: config.FINANCE_PAYER_NAME,
      iban: config.FINANCE_PAYER_IBAN,
      bic: config.FINANCE_PAYER_BIC,
      initiator: {
        // The organisation number travels as its ten digits: the hyphen is not part of the id.
        id: config.FINANCE_INITIATOR_ID_KIND === 'agreement-id' && config.FINANCE_INITIATOR_ID ? config.FINANCE_INITIATOR_ID : config.FINANCE_ORGANISATION_NUMBER.replace('-', ''),
        scheme: config.FINANCE_INITIATOR_SCHEME,
      },
      organisationNumber: config.FINANCE_ORGANISATION_NUMBER,
    },
    sie: { series: config.FINANCE_SIE_SERIES, chart: config.FINANCE_SIE_CHART, program: { name: 'Kundval', version: '0.1.0' } },
    accounts: {
      providerPayments: config.FINANCE_ACCOUNT_PROVIDER_PAYMENTS,
      customerFees: config.FINANCE_ACCOUNT_CUSTOMER_FEES,
      payable: config.FINANCE_ACCOUNT_PAYABLE,
      receivable: config.FINANCE_ACCOUNT_RECEIVABLE,
      rechargeReceivable: config.FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_RECEIVABLE,
      rechargeCredit: config.FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_CREDIT ?? config.FINANCE_ACCOUNT_PROVIDER_PAYMENTS,
      bank: config.FINANCE_ACCOUNT_BANK,
      customerCredits: config.FINANCE_ACCOUNT_CUSTOMER_CREDITS,
      unmatchedPayments: config.FINANCE_ACCOUNT_UNMATCHED_PAYMENTS,
    },
    reminders: { paymentTermDays: config.FEE_PAYMENT_TERM_DAYS, reminderDays: config.FEE_REMINDER_DAYS },
    feeCredits: { setOffDays: config.FEE_CREDIT_SETOFF_DAYS },
    providerInvoices: { afterDays: config.PROVIDER_CREDIT_INVOICE_DAYS, paymentTermDays: config.PROVIDER_INVOICE_PAYMENT_TERM_DAYS },
  };
}

/**
 * The settings from the environment, with the demo defaults. Read where the routes are built
 * because the service's config.ts is shared; folding FinanceConfig into BillingConfig is the
 * tidier home once that file is free to change.
 */
export function loadFinanceSettings(env: Record<string, string | undefined> = process.env): FinanceSettings {
  return financeSettings(loadConfig(FinanceConfig, env));
}
