import type { EventInput } from '@kundval/contracts';
import type { BillingDb } from '../store/db.js';
import type { FeeCreditCause } from '../store/schema.js';
import type { FeeComputation } from './fees.js';

/**
 * A fee charged too high is credited to the customer (ADR 0039): the month's fee recomputed lower
 * than its invoices charged makes an invoice with a negative `fee_ore` — a credit note, with its
 * cause — and a `fee_credits` row. The credit is set off against the customer's next fee invoices
 * (the customer then pays that invoice less the credit by its OCR reference); what no invoice has
 * taken after `FEE_CREDIT_SETOFF_DAYS` is released to be paid back to the customer.
 */

/** What the latest invoice of the month was computed from, to say why the fee is now lower. */
export type PriorCharge = { fee_room_ore: number | null; tariff_ore: number; approved_minutes: number; attendance_days: number };

/**
 * Why the month's fee is now lower than was charged: the fee room shrank (a new fee basis: lower
 * income or higher housing cost), fewer approved deliveries (a visit or day found not delivered),
 * or, failing both, the tariff itself (a changed hourly fee).
 */
export function creditCause(prior: PriorCharge | undefined, now: FeeComputation): FeeCreditCause {
  if (prior && now.fee.feeRoomOre !== null && (prior.fee_room_ore === null || now.fee.feeRoomOre < prior.fee_room_ore) && now.fee.appliedCap === 'fee-room') return 'fee-room-lowered';
  if (prior && (now.approvedMinutes < prior.approved_minutes || now.attendanceDays < prior.attendance_days)) return 'fewer-deliveries';
  return 'tariff-lowered';
}

/** The invoice's credit, owed back to the customer until set off or paid back. */
export async function recordFeeCredit(trx: BillingDb, c: { invoiceId: string; customerId: string; month: string; creditOre: number; cause: FeeCreditCause; today: string }): Promise<void> {
  await trx.updateTable('fee_invoices').set({ cause: c.cause }).where('invoice_id', '=', c.invoiceId).execute();
  await trx
    .insertInto('fee_credits')
    .values({ credit_id: c.invoiceId, customer_id: c.customerId, month: c.month, amount_ore: c.creditOre, remaining_ore: c.creditOre, cause: c.cause, status: 'open', created_on: c.today })
    .execute();
}

/**
 * Sets the customer's open credits, oldest first, off against a new invoice of `feeOre` (> 0), and
 * answers how much they settled. The credits' rows are locked, so two invoices made at once take a
 * credit once.
 */
export async function setOffOpenCredits(trx: BillingDb, inv: { invoiceId: string; customerId: string; feeOre: number; periodMonth: string }): Promise<number> {
  if (inv.feeOre <= 0) return 0;
  const open = await trx
    .selectFrom('fee_credits')
    .select(['credit_id', 'remaining_ore'])
    .where('customer_id', '=', inv.customerId)
    .where('status', '=', 'open')
    .orderBy('created_at')
    .orderBy('credit_id')
    .forUpdate()
    .execute();
  let left = inv.feeOre;
  for (const credit of open) {
    if (left === 0) break;
    const take = Math.min(left, credit.remaining_ore);
    if (take <= 0) continue;
    left -= take;
    const remaining = credit.remaining_ore - take;
    await trx.insertInto('fee_credit_set_offs').values({ credit_id: credit.credit_id, invoice_id: inv.invoiceId, amount_ore: take, period_month: inv.periodMonth }).execute();
    await trx
      .updateTable('fee_credits')
      .set({ remaining_ore: remaining, status: remaining === 0 ? 'set-off' : 'open' })
      .where('credit_id', '=', credit.credit_id)
      .execute();
  }
  const setOff = inv.feeOre - left;
  if (setOff > 0) await trx.updateTable('fee_invoices').set({ set_off_ore: setOff }).where('invoice_id', '=', inv.invoiceId).execute();
  return setOff;
}

export type ChargedFee = {
  invoiceId: string;
  applicationId: string;
  customerId: string;
  month: string;
  feeOre: number;
  appliedCap: 'tariff' | 'maxtaxa' | 'fee-room';
  ocrReference: string | null;
  setOffOre: number;
  cause: FeeCreditCause | null;
};

/**
 * The events that announce an invoice: `feeCharged` v2 always (signed), and v1 as before for an
 * invoice of 0 or more, so that v1's consumers, promised a non-negative amount, never see a credit.
 */
export function feeChargedEvents(fee: ChargedFee): Array<FeeChargedV1 | FeeChargedV2> {
  const { invoiceId, applicationId, customerId, month, feeOre, appliedCap, ocrReference, setOffOre, cause } = fee;
  const v2: FeeChargedV2 = { name: 'feeChargedV2', payload: { invoiceId, applicationId, customerId, month, feeOre, appliedCap, ocrReference, setOffOre, toPayOre: Math.max(0, feeOre - setOffOre), cause } };
  if (feeOre < 0) return [v2];
  return [{ name: 'feeCharged', payload: { invoiceId, applicationId, customerId, month, feeOre, appliedCap, ocrReference: ocrReference ?? '' } }, v2];
}
type FeeChargedV1 = { name: 'feeCharged'; payload: EventInput<'feeCharged'> };
type FeeChargedV2 = { name: 'feeChargedV2'; payload: EventInput<'feeChargedV2'> };

export type ReleasedCredit = { creditId: string; customerId: string; month: string; cause: FeeCreditCause; amountOre: number; returnedOre: number; createdOn: string };

/**
 * Releases for payback every open credit made on or before `asOf - setOffDays`: no invoice came to
 * set it off against in time, so what is left of it is to be paid back to the customer.
 */
export async function releaseCreditsForPayback(trx: BillingDb, args: { asOf: string; setOffDays: number; dryRun: boolean }): Promise<ReleasedCredit[]> {
  const lastCreatedOn = addDays(args.asOf, -args.setOffDays);
  const due = await trx
    .selectFrom('fee_credits')
    .select(['credit_id', 'customer_id', 'month', 'cause', 'amount_ore', 'remaining_ore', 'created_on'])
    .where('status', '=', 'open')
    .where('remaining_ore', '>', 0)
    .where('created_on', '<=', lastCreatedOn)
    .orderBy('created_on')
    .orderBy('credit_id')
    .forUpdate()
    .execute();
  if (!args.dryRun) {
    for (const c of due) {
      await trx.updateTable('fee_credits').set({ status: 'to-return', returned_ore: c.remaining_ore, remaining_ore: 0, return_decided_on: args.asOf }).where('credit_id', '=', c.credit_id).execute();
    }
  }
  return due.map((c) => ({ creditId: c.credit_id, customerId: c.customer_id, month: c.month, cause: c.cause, amountOre: c.amount_ore, returnedOre: c.remaining_ore, createdOn: dateText(c.created_on) }));
}

/** `YYYY-MM-DD` plus `days` (negative to go back), in calendar days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A `date` column as PGlite and node-postgres return it (a string or a Date at UTC midnight). */
export function dateText(value: string | Date): string {
  return typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10);
}
