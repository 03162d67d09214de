import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { conflict, notFound } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import type { BillingTables } from '../store/schema.js';
import type { FinanceSettings } from './config.js';
import { createOcrReference } from '@kundval/domain';
import { payeeAccountOf, type PayeeAccount } from './bank-accounts.js';
import { buildPain001, type Pain001Remittance } from './pain001.js';

/**
 * Payment batches: which provider payments go to the bank in which pain.001 file, and what the
 * bank rejected. A payment is in at most one live batch (the database enforces it); a rejected
 * item is retried only through a retry batch of its own batch, to the provider's account as it is
 * at retry time — the usual cause of a rejection is a wrong account that finance has corrected.
 */

export type BatchRow = Selectable<BillingTables['payment_batches']>;
export type BatchItemRow = Selectable<BillingTables['payment_batch_items']>;
export type SkippedPayment = { paymentId: string; providerId: string; reason: string };

/** Payments of a batch the bank rejected, with its reason (`AC01 …`). */
export type Rejection = { paymentIds: readonly string[]; reason: string };

/**
 * The one path for the bank's rejections, whether finance types them in (`POST …/rejections`) or
 * a status report says so (`POST …/status-report`): each payment still included is marked
 * rejected with the reason, so it is owed to the provider again and a retry batch pays it to the
 * account registered then; already rejected ones are left as they are. The batch follows: every
 * item rejected is `rejected`, some `rejected-partly`. Answers the payments newly rejected.
 */
export async function recordRejections(trx: BillingDb, batch: BatchRow, rejections: readonly Rejection[]): Promise<{ newlyRejected: string[]; status: BatchRow['status'] }> {
  const newlyRejected: string[] = [];
  for (const r of rejections) {
    if (r.paymentIds.length === 0) continue;
    const rows = await trx
      .updateTable('payment_batch_items')
      .set({ status: 'rejected', rejection_reason: r.reason, bank_status: null })
      .where('batch_id', '=', batch.batch_id)
      .where('payment_id', 'in', [...r.paymentIds])
      .where('status', '=', 'included')
      .returning('payment_id')
      .execute();
    newlyRejected.push(...rows.map((row) => row.payment_id));
  }
  if (newlyRejected.length === 0) return { newlyRejected, status: batch.status };
  const left = await trx.selectFrom('payment_batch_items').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', batch.batch_id).where('status', '=', 'included').executeTakeFirstOrThrow();
  // A rejection implies the file reached the bank, whether or not someone marked it sent.
  const status = Number(left.n) === 0 ? 'rejected' : 'rejected-partly';
  await trx.updateTable('payment_batches').set({ status, sent_at: batch.sent_at ?? new Date() }).where('batch_id', '=', batch.batch_id).execute();
  return { newlyRejected, status };
}

/** The batch's items per credit transfer of its file, by the transfer's EndToEndId (what a status report quotes). */
export function itemsByTransfer(items: readonly BatchItemRow[]): Map<string, { transfer: BatchTransfer; items: BatchItemRow[] }> {
  const byKey = new Map<string, BatchItemRow[]>();
  for (const i of items) {
    const key = transferKey(i);
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  }
  const out = new Map<string, { transfer: BatchTransfer; items: BatchItemRow[] }>();
  for (const t of batchTransfers(items)) out.set(t.endToEndId, { transfer: t, items: byKey.get(`${t.providerId}|${accountKey(t.account)}|${t.creditorName}`) ?? [] });
  return out;
}

const accountKey = (a: PayeeAccount) => `${a.kind}:${a.number}:${a.kind === 'iban' ? a.bic : ''}`;
const transferKey = (i: BatchItemRow) => `${i.provider_id}|${accountKey(payeeAccountOf(i))}|${i.creditor_name}`;

/** The payee account columns a batch item copies from the provider's registered account. */
type AccountColumns = { account_kind: 'bankgiro' | 'plusgiro' | 'iban'; account_number: string; bic: string | null; bankgiro: string | null };
const accountColumns = (a: AccountColumns): AccountColumns => ({ account_kind: a.account_kind, account_number: a.account_number, bic: a.bic, bankgiro: a.bankgiro });

/**
 * A batch of the period's provider payments that are in no batch yet: the payments booked in
 * `month` (their `period_month`), which are the month's own and corrections of earlier months
 * booked after those were paid (ADR 0011), set off against the provider's credits (negative
 * payments, ADR 0034) of this period and of earlier ones not yet set off. A provider's transfer is the
 * net; a provider whose credits are as large as what is owed gets no transfer, and the credits wait
 * for a later batch (or finance invoices them back: GET /provider-credits). Throws a 409 when none
 * can be paid.
 */
export async function createMonthBatch(trx: BillingDb, args: { month: string; executionDate: string; createdBy: string }) {
  const candidates = await trx
    .selectFrom('provider_payments as p')
    .leftJoin('provider_accounts as a', 'a.provider_id', 'p.provider_id')
    .select(['p.payment_id', 'p.order_id', 'p.provider_id', 'p.amount_ore', 'a.name', 'a.bankgiro', 'a.account_kind', 'a.account_number', 'a.bic'])
    .where((eb) => eb.or([eb('p.period_month', '=', args.month), eb.and([eb('p.period_month', '<', args.month), eb('p.amount_ore', '<', 0)])]))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('payment_batch_items as i').select('i.payment_id').whereRef('i.payment_id', '=', 'p.payment_id'))))
    // A credit invoiced back to the provider (ADR 0039) is settled by its invoice, not set off here.
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('provider_invoice_items as x').select('x.payment_id').whereRef('x.payment_id', '=', 'p.payment_id'))))
    .orderBy('p.provider_id')
    .orderBy('p.payment_id')
    .execute();
  const skipped: SkippedPayment[] = [];
  const payable = [];
  for (const rows of byProvider(candidates)) {
    const providerId = rows[0]!.provider_id;
    const owed = rows.filter((c) => c.amount_ore > 0);
    const credits = rows.filter((c) => c.amount_ore < 0);
    for (const c of rows.filter((r) => r.amount_ore === 0)) skipped.push({ paymentId: c.payment_id, providerId, reason: 'nothing to pay: the amount is zero' });
    const first = rows[0]!;
    const account =
      first.account_number !== null && first.account_kind !== null && first.name !== null
        ? { name: first.name, account: accountColumns({ account_kind: first.account_kind, account_number: first.account_number, bic: first.bic, bankgiro: first.bankgiro }) }
        : null;
    // Left out, not refused: one provider without an account must not hold up everyone else's pay.
    if (!account) {
      for (const c of owed) skipped.push({ paymentId: c.payment_id, providerId, reason: 'no account is registered for the provider' });
      for (const c of credits) skipped.push({ paymentId: c.payment_id, providerId, reason: 'a credit: waits for a payment to the provider to be set against' });
      continue;
    }
    const owedOre = owed.reduce((sum, c) => sum + c.amount_ore, 0);
    const creditOre = credits.reduce((sum, c) => sum + c.amount_ore, 0);
    if (owedOre + creditOre <= 0) {
      const reason =
        owed.length === 0
          ? 'a credit: waits for a payment to the provider to be set against'
          : `the provider's credits (${-creditOre} öre) are as large as what is owed (${owedOre} öre): both wait for a later batch`;
      for (const c of [...owed, ...credits]) skipped.push({ paymentId: c.payment_id, providerId, reason });
      continue;
    }
    for (const c of [...owed, ...credits]) payable.push({ ...c, ...account });
  }
  if (payable.length === 0) {
    const why = skipped.length > 0 ? ` ${skipped.length} wait for an account, are credits or have nothing to pay.` : '';
    throw conflict('BILLING.NOTHING_TO_PAY', `No provider payment of ${args.month} is ready for a payment batch.${why}`);
  }
  const batchId = await insertBatch(trx, { month: args.month, executionDate: args.executionDate, createdBy: args.createdBy, retryOf: null });
  await trx
    .insertInto('payment_batch_items')
    .values(payable.map((p) => ({ ...itemValues(batchId), payment_id: p.payment_id, order_id: p.order_id, provider_id: p.provider_id, amount_ore: p.amount_ore, creditor_name: p.name, ...p.account })))
    .execute();
  return { batchId, skipped };
}

/** Rows ordered by provider, grouped per provider in that order. */
function byProvider<T extends { provider_id: string }>(rows: readonly T[]): T[][] {
  const groups: T[][] = [];
  for (const row of rows) {
    const last = groups.at(-1);
    if (last && last[0]!.provider_id === row.provider_id) last.push(row);
    else groups.push([row]);
  }
  return groups;
}

/**
 * Rejection reasons that mean the payee's account is wrong (ISO 20022 status reasons AC01 incorrect
 * account number, AC04 closed, AC06 blocked, …; BE… the beneficiary): paying the same account again
 * would be rejected again.
 */
const ACCOUNT_REASON = /^(AC|BE)\d\d\b/;

/**
 * A batch of the rejected, not yet retried items of `batch`, paid to the providers' current accounts.
 * An item rejected for its account while the provider's account is still the one the bank refused
 * is left out, listed as skipped, and taken by a later retry once finance has corrected the account.
 */
export async function createRetryBatch(trx: BillingDb, args: { batch: BatchRow; executionDate: string; createdBy: string }) {
  const rejected = await trx
    .selectFrom('payment_batch_items as i')
    .leftJoin('provider_accounts as a', 'a.provider_id', 'i.provider_id')
    .select(['i.payment_id', 'i.order_id', 'i.provider_id', 'i.amount_ore', 'i.rejection_reason', 'i.account_kind as rejected_kind', 'i.account_number as rejected_number', 'a.name', 'a.bankgiro', 'a.account_kind', 'a.account_number', 'a.bic'])
    .where('i.batch_id', '=', args.batch.batch_id)
    .where('i.status', '=', 'rejected')
    .where('i.retried_in', 'is', null)
    .orderBy('i.provider_id')
    .orderBy('i.payment_id')
    .execute();
  if (rejected.length === 0) throw conflict('BILLING.NOTHING_TO_RETRY', 'The batch has no rejected payment that is not retried already.');
  const skipped: SkippedPayment[] = [];
  const retried = rejected.filter((r) => {
    const uncorrected = ACCOUNT_REASON.test(r.rejection_reason ?? '') && r.account_kind === r.rejected_kind && r.account_number === r.rejected_number;
    if (uncorrected) skipped.push({ paymentId: r.payment_id, providerId: r.provider_id, reason: `rejected for its account (${r.rejection_reason ?? ''}); register the corrected account first` });
    return !uncorrected;
  });
  if (retried.length === 0) {
    throw conflict('BILLING.ACCOUNT_NOT_CORRECTED', `Every rejected payment was rejected for an account that is still registered unchanged: correct the account of ${[...new Set(skipped.map((s) => s.providerId))].join(', ')} first.`);
  }
  const batchId = await insertBatch(trx, { month: args.batch.month, executionDate: args.executionDate, createdBy: args.createdBy, retryOf: args.batch.batch_id });
  await trx
    .insertInto('payment_batch_items')
    .values(
      retried.map((r) => {
        // Accounts are never deleted, so a rejected item's provider still has one.
        if (r.account_number === null || r.account_kind === null || r.name === null) throw conflict('BILLING.PROVIDER_ACCOUNT_MISSING', `Provider ${r.provider_id} has no account.`);
        const account = accountColumns({ account_kind: r.account_kind, account_number: r.account_number, bic: r.bic, bankgiro: r.bankgiro });
        return { ...itemValues(batchId), payment_id: r.payment_id, order_id: r.order_id, provider_id: r.provider_id, amount_ore: r.amount_ore, creditor_name: r.name, ...account };
      }),
    )
    .execute();
  await trx
    .updateTable('payment_batch_items')
    .set({ retried_in: batchId })
    .where('batch_id', '=', args.batch.batch_id)
    .where('payment_id', 'in', retried.map((r) => r.payment_id))
    .execute();
  return { batchId, skipped };
}

export async function insertBatch(trx: BillingDb, b: { month: string; executionDate: string; createdBy: string; retryOf: string | null }) {
  const batchId = randomUUID();
  await trx
    .insertInto('payment_batches')
    .values({
      batch_id: batchId,
      // MsgId: the bank refuses a file whose MsgId it has seen, so each batch has its own; 30 characters leave room for PmtInfId suffixes.
      message_id: `KV${batchId.replaceAll('-', '').slice(0, 28)}`,
      month: b.month,
      execution_date: b.executionDate,
      status: 'created',
      retry_of: b.retryOf,
      created_by: b.createdBy,
    })
    .execute();
  return batchId;
}

export function itemValues(batchId: string) {
  // A new EndToEndId per attempt: the bank's status report for a retry must not be mistaken for the first try's.
  return { batch_id: batchId, end_to_end_id: randomUUID().replaceAll('-', ''), status: 'included' as const, rejection_reason: null, retried_in: null };
}

export async function findBatch(db: BillingDb, batchId: string): Promise<{ batch: BatchRow; items: BatchItemRow[] }> {
  const batch = await db.selectFrom('payment_batches').selectAll().where('batch_id', '=', batchId).executeTakeFirst();
  if (!batch) throw notFound('BILLING.BATCH_NOT_FOUND', 'No such payment batch.');
  const items = await db.selectFrom('payment_batch_items').selectAll().where('batch_id', '=', batchId).orderBy('provider_id').orderBy('payment_id').execute();
  return { batch, items };
}

/** One credit transfer of a batch file: a provider's payments in the batch, to one account. */
export type BatchTransfer = { endToEndId: string; providerId: string; creditorName: string; account: PayeeAccount; amountOre: number; payments: number; firstOrderId: string };

/**
 * A provider's items of a batch as one credit transfer each (per payee account): the bank pays, and
 * rejects, per payee, and a month of a thousand orders is one payment to the provider, not a
 * thousand. The transfer carries the EndToEndId of its first item, so the file stays the same.
 */
export function batchTransfers(items: readonly BatchItemRow[]): BatchTransfer[] {
  const groups = new Map<string, BatchTransfer>();
  for (const i of [...items].sort((a, b) => (a.provider_id < b.provider_id ? -1 : a.provider_id > b.provider_id ? 1 : a.end_to_end_id < b.end_to_end_id ? -1 : 1))) {
    const key = transferKey(i);
    const group = groups.get(key);
    if (group) {
      group.amountOre += i.amount_ore;
      group.payments++;
    } else {
      groups.set(key, { endToEndId: i.end_to_end_id, providerId: i.provider_id, creditorName: i.creditor_name, account: payeeAccountOf(i), amountOre: i.amount_ore, payments: 1, firstOrderId: i.order_id });
    }
  }
  return [...groups.values()];
}

/** The same transfers, summed in the database: for a batch of a whole municipality's month. */
export async function loadBatchTransfers(db: BillingDb, batchId: string): Promise<BatchTransfer[]> {
  const rows = await db
    .selectFrom('payment_batch_items')
    .select((eb) => [
      'provider_id',
      'account_kind',
      'account_number',
      'bic',
      'creditor_name',
      eb.fn.min('end_to_end_id').as('end_to_end_id'),
      eb.fn.sum<number>('amount_ore').as('amount_ore'),
      eb.fn.countAll<number>().as('payments'),
      eb.fn.min(sql<string>`order_id::text`).as('first_order_id'),
    ])
    .where('batch_id', '=', batchId)
    .groupBy(['provider_id', 'account_kind', 'account_number', 'bic', 'creditor_name'])
    .orderBy('provider_id')
    .orderBy('end_to_end_id')
    .execute();
  return rows.map((r) => ({
    endToEndId: r.end_to_end_id,
    providerId: r.provider_id,
    creditorName: r.creditor_name,
    account: payeeAccountOf(r),
    amountOre: Number(r.amount_ore),
    payments: Number(r.payments),
    firstOrderId: r.first_order_id,
  }));
}

/**
 * The batch's pain.001 file. Built from what the batch stored, so a second download is the same
 * message with the same MsgId, which the bank refuses as a duplicate rather than paying twice.
 */
export function batchPain001(batch: BatchRow, items: readonly BatchItemRow[], settings: FinanceSettings): string {
  return transfersPain001(batch, batchTransfers(items), settings);
}

export function transfersPain001(batch: BatchRow, transfers: readonly BatchTransfer[], settings: FinanceSettings): string {
  const debtor = { name: settings.payer.name, iban: settings.payer.iban, bic: settings.payer.bic };
  return buildPain001({
    messageId: batch.message_id,
    createdAt: batch.created_at,
    initiatingParty: { name: settings.payer.name, id: settings.payer.initiator.id, idScheme: settings.payer.initiator.scheme },
    // Every item, rejected ones too: the file is the record of what was sent, and rejections live beside it.
    payments: transfers.map((t) => ({
      endToEndId: t.endToEndId,
      debtor,
      executionDate: batch.execution_date,
      amountOre: t.amountOre,
      creditor: { name: t.creditorName, account: t.account },
      remittance: transferRemittance(batch.month, t),
    })),
  });
}

/**
 * The reference a provider finds on its statement of a month and on the payment of it: an OCR
 * number (Bankgirot's variable length with length and check digit) over the month's digits,
 * `2025-01` → `20250189`. One statement per provider and month, so it is unique for each payee.
 */
export function statementReference(month: string): string {
  return createOcrReference(month.replace('-', ''));
}

/**
 * A giro payee gets the statement's reference as a structured SCOR reference, which Bankgirot and
 * PlusGirot pass on to the payee's own file; an account payee by IBAN gets it in the free text,
 * the one remittance an account deposit carries (ADR 0031).
 */
function transferRemittance(month: string, t: BatchTransfer): Pain001Remittance {
  const reference = statementReference(month);
  if (t.account.kind !== 'iban') return { kind: 'ocr', reference };
  return { kind: 'text', text: t.payments === 1 ? `Kundval ${month} ref ${reference} order ${t.firstOrderId}` : `Kundval ${month} ref ${reference} ersättning ${t.payments} beställningar` };
}

export function toBatch(batch: BatchRow, items: readonly BatchItemRow[]) {
  const included = items.filter((i) => i.status === 'included');
  return {
    batchId: batch.batch_id,
    messageId: batch.message_id,
    month: batch.month,
    executionDate: batch.execution_date,
    status: batch.status,
    retryOf: batch.retry_of,
    createdAt: batch.created_at.toISOString(),
    sentAt: batch.sent_at?.toISOString() ?? null,
    includedPayments: included.length,
    includedOre: included.reduce((s, i) => s + i.amount_ore, 0),
    items: items.map((i) => ({
      paymentId: i.payment_id,
      orderId: i.order_id,
      providerId: i.provider_id,
      creditorName: i.creditor_name,
      bankgiro: i.bankgiro,
      account: payeeAccountOf(i),
      amountOre: i.amount_ore,
      endToEndId: i.end_to_end_id,
      status: i.status,
      rejectionReason: i.rejection_reason,
      retriedIn: i.retried_in,
      bankStatus: i.bank_status,
    })),
  };
}
