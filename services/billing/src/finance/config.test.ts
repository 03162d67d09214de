import { describe, expect, it } from 'vitest';
import { loadFinanceSettings } from './config.js';

describe('finance settings: the accounts of inter-municipal recharges', () => {
  it('books a recharge to 1511 against the voucher cost account by default', () => {
    expect(loadFinanceSettings({}).accounts).toEqual({ providerPayments: '4510', customerFees: '3010', payable: '2440', receivable: '1510', rechargeReceivable: '1511', rechargeCredit: '4510', bank: '1930', customerCredits: '2420', unmatchedPayments: '2999' });
  });

  it('credits the voucher cost account the municipality configured, unless it names a credit account of its own', () => {
    expect(loadFinanceSettings({ FINANCE_ACCOUNT_PROVIDER_PAYMENTS: '4520' }).accounts).toMatchObject({ providerPayments: '4520', rechargeCredit: '4520' });
    expect(loadFinanceSettings({ FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_RECEIVABLE: '1580', FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_CREDIT: '3490' }).accounts).toMatchObject({
      providerPayments: '4510',
      rechargeReceivable: '1580',
      rechargeCredit: '3490',
    });
  });

  it('refuses an account that is not four digits', () => {
    expect(() => loadFinanceSettings({ FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_RECEIVABLE: '151' })).toThrow(/FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_RECEIVABLE/);
    expect(() => loadFinanceSettings({ FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_CREDIT: 'kostnad' })).toThrow(/FINANCE_ACCOUNT_MUNICIPAL_RECHARGE_CREDIT/);
  });
});

describe('finance settings: reminders of unpaid fee invoices', () => {
  it('reminds 30 days past a due date 30 days after the invoice by default', () => {
    expect(loadFinanceSettings({}).reminders).toEqual({ paymentTermDays: 30, reminderDays: 30 });
  });

  it('reads FEE_REMINDER_DAYS and FEE_PAYMENT_TERM_DAYS as whole days and refuses anything else, naming the variable', () => {
    expect(loadFinanceSettings({ FEE_REMINDER_DAYS: '14', FEE_PAYMENT_TERM_DAYS: '0' }).reminders).toEqual({ paymentTermDays: 0, reminderDays: 14 });
    expect(() => loadFinanceSettings({ FEE_REMINDER_DAYS: 'thirty' })).toThrow(/FEE_REMINDER_DAYS/);
    expect(() => loadFinanceSettings({ FEE_REMINDER_DAYS: '-1' })).toThrow(/FEE_REMINDER_DAYS/);
    expect(() => loadFinanceSettings({ FEE_PAYMENT_TERM_DAYS: '1.5' })).toThrow(/FEE_PAYMENT_TERM_DAYS/);
  });
});

describe('finance settings: who the payment file says sends it', () => {
  it('names the municipality by its organisation number, ten digits under the scheme BANK, by default', () => {
    expect(loadFinanceSettings({}).payer.initiator).toEqual({ id: '2120000001', scheme: 'BANK' });
    expect(loadFinanceSettings({ FINANCE_ORGANISATION_NUMBER: '2120001355' }).payer).toMatchObject({ organisationNumber: '212000-1355', initiator: { id: '2120001355' } });
  });

  it("names it by the bank's agreement id when configured so, and refuses agreement-id without an id", () => {
    expect(loadFinanceSettings({ FINANCE_INITIATOR_ID_KIND: 'agreement-id', FINANCE_INITIATOR_ID: '123456789123B001', FINANCE_INITIATOR_SCHEME: 'CUST' }).payer.initiator).toEqual({ id: '123456789123B001', scheme: 'CUST' });
    expect(() => loadFinanceSettings({ FINANCE_INITIATOR_ID_KIND: 'agreement-id' })).toThrow(/FINANCE_INITIATOR_ID/);
  });

  it('refuses an organisation number whose check digit is wrong', () => {
    expect(() => loadFinanceSettings({ FINANCE_ORGANISATION_NUMBER: '212000-0002' })).toThrow(/FINANCE_ORGANISATION_NUMBER/);
  });
});
