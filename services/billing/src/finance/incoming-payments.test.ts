import { describe, expect, it } from 'vitest';
import { invoiceSettlement, splitPayment } from './incoming-payments.js';

describe('settling a fee invoice with payments', () => {
  it('is unpaid, part-paid, paid or overpaid by what was paid against its amount', () => {
    expect(invoiceSettlement(125_000, 0)).toEqual({ status: 'unpaid', balanceOre: 125_000, surplusOre: 0 });
    expect(invoiceSettlement(125_000, 50_000)).toEqual({ status: 'part-paid', balanceOre: 75_000, surplusOre: 0 });
    expect(invoiceSettlement(125_000, 125_000)).toEqual({ status: 'paid', balanceOre: 0, surplusOre: 0 });
    expect(invoiceSettlement(125_000, 130_000)).toEqual({ status: 'overpaid', balanceOre: 0, surplusOre: 5_000 });
  });

  it('credits back only what a payment adds beyond the invoice, however the payments fall', () => {
    expect(splitPayment(125_000, 0, 100_000)).toEqual({ appliedOre: 100_000, creditOre: 0 });
    expect(splitPayment(125_000, 100_000, 50_000)).toEqual({ appliedOre: 25_000, creditOre: 25_000 });
    expect(splitPayment(125_000, 150_000, 10_000)).toEqual({ appliedOre: 0, creditOre: 10_000 });
  });
});
