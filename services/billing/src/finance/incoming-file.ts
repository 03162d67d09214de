/**
 * A bank file of incoming payments to the municipality's Bankgiro or account, as both readers
 * (BgMax, camt.054) give it to the import: what the bank says was paid, not yet matched to invoices.
 */
export type IncomingPaymentFile = {
  format: 'bgmax' | 'camt054';
  /** The file's own identity at the bank: BgMax's TK01 timestamp, camt.054's GrpHdr/MsgId. */
  fileReference: string;
  payments: IncomingPaymentRecord[];
};

export type IncomingPaymentRecord = {
  /** Where in the file: `line 3` (BgMax) or the element path (camt.054), for finance to look it up. */
  position: string;
  kind: 'payment' | 'deduction';
  /** The bank's own id of the payment (BgMax's Bankgirot serial number, camt's AcctSvcrRef), when it has one. */
  bankReference: string | null;
  /** The reference the payer gave (an OCR number for our invoices), spaces removed; null when none. */
  reference: string | null;
  amountOre: number;
  /** The day the money reached the account (YYYY-MM-DD). */
  paymentDate: string;
  payerName: string | null;
  /** Free text the payer or bank added (BgMax TK25, camt's Ustrd). */
  information: string | null;
};
