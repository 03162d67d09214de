import { z } from 'zod';

/** Where a provider is paid (ADR 0031). */
export const PayeeAccountView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bankgiro'), number: z.string() }),
  z.object({ kind: z.literal('plusgiro'), number: z.string() }),
  z.object({ kind: z.literal('iban'), number: z.string(), bic: z.string() }),
]);

/** A payment batch as the finance routes answer it. */
const BatchItem = z.object({
  paymentId: z.uuid(),
  orderId: z.uuid(),
  providerId: z.string(),
  creditorName: z.string(),
  bankgiro: z.string().nullable().describe('The Bankgiro number of a Bankgiro payee; see `account` for every kind'),
  account: PayeeAccountView,
  amountOre: z.number(),
  endToEndId: z.string(),
  status: z.enum(['included', 'rejected']),
  rejectionReason: z.string().nullable(),
  retriedIn: z.uuid().nullable(),
  bankStatus: z.enum(['accepted']).nullable().describe('Accepted by the bank’s status report'),
});
export const PaymentBatch = z.object({
  batchId: z.uuid(),
  messageId: z.string(),
  month: z.string(),
  executionDate: z.string(),
  status: z.enum(['created', 'sent', 'accepted', 'rejected-partly', 'rejected']),
  retryOf: z.uuid().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  includedPayments: z.number(),
  includedOre: z.number(),
  items: z.array(BatchItem),
});
