import { sql } from 'kysely';
import { addDays, stockholmDate } from '@kundval/domain';
import type { BillingDb } from '../store/db.js';
import { invoiceSettlement } from './incoming-payments.js';

/**
 * Reminders of fee invoices left unpaid (ADR 0021). Fee invoices carry no due date of their own:
 * an invoice is due `paymentTermDays` after the day it was made (Stockholm), and is reminded once,
 * when it still has a balance `reminderDays` after that. Part-paid invoices are reminded of what is
 * left; paid and overpaid ones never.
 */
export type ReminderRules = { paymentTermDays: number; reminderDays: number };

export async function remindUnpaidInvoices(trx: BillingDb, args: { asOf: string; rules: ReminderRules; remindedBy: string; dryRun: boolean }) {
  const { asOf, rules } = args;
  // Made on or before this day (Stockholm) means due long enough ago; a day's margin covers the time zone.
  const lastMadeOn = addDays(asOf, -(rules.paymentTermDays + rules.reminderDays));
  const candidates = await trx
    .selectFrom('fee_invoices as i')
    .select((eb) => [
      'i.invoice_id',
      'i.invoice_number',
      'i.customer_id',
      'i.month',
      'i.ocr_reference',
      // What the customer owes by the OCR: the fee less what their fee credits settled (ADR 0039).
      sql<number>`i.fee_ore - i.set_off_ore`.as('fee_ore'),
      'i.created_at',
      eb.fn.coalesce(eb.selectFrom('incoming_payments as p').select((s) => s.fn.sum<number>('p.amount_ore').as('s')).whereRef('p.invoice_id', '=', 'i.invoice_id').where('p.status', '=', 'matched'), eb.lit(0)).as('paid_ore'),
    ])
    .where('i.fee_ore', '>', 0)
    .where('i.ocr_reference', 'is not', null)
    .where('i.created_at', '<', new Date(`${addDays(lastMadeOn, 2)}T00:00:00Z`))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('fee_reminders as r').select('r.invoice_id').whereRef('r.invoice_id', '=', 'i.invoice_id'))))
    .orderBy('i.invoice_number')
    .execute();
  const due = candidates
    .map((c) => {
      const dueDate = addDays(stockholmDate(c.created_at), rules.paymentTermDays);
      const feeOre = Number(c.fee_ore);
      const paidOre = Number(c.paid_ore);
      return { invoiceId: c.invoice_id, invoiceNumber: Number(c.invoice_number), customerId: c.customer_id, month: c.month, ocrReference: c.ocr_reference!, dueDate, feeOre, paidOre, ...invoiceSettlement(feeOre, paidOre) };
    })
    .filter((c) => c.balanceOre > 0 && addDays(c.dueDate, rules.reminderDays) <= asOf)
    .map(({ surplusOre: _s, ...c }) => c);
  if (!args.dryRun && due.length > 0) {
    await trx
      .insertInto('fee_reminders')
      .values(due.map((d) => ({ invoice_id: d.invoiceId, due_date: d.dueDate, balance_ore: d.balanceOre, reminded_on: asOf, reminded_by: args.remindedBy })))
      .execute();
  }
  return due;
}
