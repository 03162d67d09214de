import { describe, expect, it } from 'vitest';
import { loadFinanceSettings } from './config.js';

describe('finance settings: the accounts of inter-municipal recharges', () => {
  it('books a recharge to 1511 against the voucher cost account by default', () => {
    expect(loadFinanceSettings({}).accounts).toEqual({ providerPayments: '4510', customerFees: '3010', payable: '2440', receivable: '1510', rechargeReceivable: '1511', rechargeCredit: '4510' });
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
