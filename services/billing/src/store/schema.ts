import type { ColumnType, Generated } from 'kysely';
import type { IdempotencyTables } from '@kundval/platform';

type Json<T> = ColumnType<T, string, string>;

/** The billing service's tables. */
export type BillingTables = {
  /** Orders as billing knows them (from `orderPlaced`, amended by `orderChanged`, ended by `orderEnded`): who delivers to whom, at which provider kind's rates. */
  orders: {
    order_id: string;
    application_id: string;
    customer_id: string;
    provider_id: string;
    provider_kind: 'municipal' | 'private';
    area_id: string;
    municipality: string;
    valid_from: string;
    /**
     * The voucher level (nursing home 1–8, day activities 1–3) of the order's latest terms: as placed,
     * or as the amendment with the latest effective date set it; null where the area has none.
     */
    level: ColumnType<number | null, number | null | undefined, number | null>;
    /** The level the order was placed with: what its days before the first amendment are paid at. */
    placed_level: ColumnType<number | null, number | null | undefined, number | null>;
    /** Granted hours of the order's latest terms; null for an order copied before billing kept them. */
    care_hours_per_month: ColumnType<number | null, number | null | undefined, number | null>;
    service_hours_per_month: ColumnType<number | null, number | null | undefined, number | null>;
    /** The order's last day: as placed, or as the amendment with the latest effective date (`orderChanged`) moved it. */
    valid_to: string;
    /** The last day in force when an `orderEnded` event ended the order early; validity ends at the earlier of this and valid_to. */
    end_date: ColumnType<string | null, string | null | undefined, string | null>;
    end_reason: ColumnType<string | null, string | null | undefined, string | null>;
    /** Another municipality whose decision placed the customer here and who pays the voucher back (ADR 0014); null for our own decisions. */
    deciding_municipality: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /**
   * An amendment of an order (`orderChanged`): from `effective_from` the order has these terms and
   * its last day is `valid_to`. One row per order and first day; a later amendment from the same day
   * replaces the terms. Which rows are in force is decided by when orders made them (`occurred_at`).
   */
  order_changes: {
    order_id: string;
    effective_from: string;
    valid_to: string;
    level: number | null;
    care_hours_per_month: number;
    service_hours_per_month: number;
    /** The event whose terms the row holds, and when orders made that amendment. */
    event_id: string;
    occurred_at: Date;
    recorded_at: Generated<Date>;
  };
  visits: {
    visit_id: string;
    order_id: string;
    customer_id: string;
    provider_id: string;
    /** The provider's own id for the visit: a re-sent report is recognised, not doubled. */
    external_id: string;
    kind: 'care' | 'service';
    start_at: Date;
    end_at: Date;
    /** The visit's month in Europe/Stockholm, where it is billed. */
    local_month: string;
    /** `rejected`: disputed and found not delivered when the dispute was resolved; never paid. */
    status: 'reported' | 'approved' | 'disputed' | 'rejected';
    reported_at: Generated<Date>;
  };
  month_approvals: {
    order_id: string;
    month: string;
    approved_by: string;
    approved_at: Generated<Date>;
    approved_visits: number;
    disputed_visits: number;
    /** Closed by a case handler because nothing was delivered: settled at zero, not approved by the customer. */
    nothing_delivered: ColumnType<boolean, boolean | undefined, boolean>;
    /** Why the case handler closed the month as nothing delivered; null for the customer's approval. */
    nothing_delivered_reason: ColumnType<string | null, string | null | undefined, string | null>;
  };
  rate_tables: {
    rate_table_id: string;
    municipality: string;
    area_id: string;
    valid_from: string;
    valid_to: string | null;
    rates: Json<Array<{ kind: 'care' | 'service'; band: string; providerKind: 'municipal' | 'private'; orePerHour: number }>>;
  };
  fee_bases: {
    customer_id: string;
    net_income_ore: number;
    housing_cost_ore: number;
    household: 'single' | 'couple';
    minimum_amount_raise_ore: number;
    declared_at: Generated<Date>;
  };
  fee_invoices: {
    invoice_id: string;
    invoice_number: Generated<number>;
    customer_id: string;
    application_id: string;
    month: string;
    approved_minutes: number;
    tariff_ore: number;
    maxtaxa_ore: number;
    fee_room_ore: number | null;
    fee_ore: number;
    applied_cap: 'tariff' | 'maxtaxa' | 'fee-room';
    /** Null for an invoice that charges nothing (a zero delta): there is nothing to pay. */
    ocr_reference: string | null;
    created_at: Generated<Date>;
    /** Why this invoice was made; one invoice per customer, month and basis. */
    basis: ColumnType<string, string | undefined, string>;
    /** The period the invoice is charged in: the service month, or a later open period for a correction (ADR 0011). */
    period_month: string;
    /** The month's fee across all areas as computed for this invoice; `fee_ore` is what this invoice adds. */
    total_fee_ore: number;
    previously_charged_ore: ColumnType<number, number | undefined, number>;
    attendance_days: ColumnType<number, number | undefined, number>;
    per_area: ColumnType<Array<{ areaId: string; tariffOre: number; feeOre: number }>, string | undefined, string>;
    run_id: ColumnType<string | null, string | null | undefined, string | null>;
    /** What the customer's open credits settled of this invoice when it was made (ADR 0039). */
    set_off_ore: ColumnType<number, number | undefined, number>;
    /** Why a credit note (`fee_ore` < 0) was made; null for a charge. */
    cause: ColumnType<FeeCreditCause | null, FeeCreditCause | null | undefined, FeeCreditCause | null>;
  };
  provider_payments: {
    payment_id: string;
    order_id: string;
    provider_id: string;
    month: string;
    amount_ore: number;
    unpriced_minutes: number;
    lines: Json<unknown>;
    created_at: Generated<Date>;
    /** Why this payment was made; one payment per order, month and basis. */
    basis: ColumnType<string, string | undefined, string>;
    /** The period the payment is booked and batched in: the service month, or a later open period (ADR 0011). */
    period_month: string;
    /** What the order's month is worth after this payment; `amount_ore` is what this payment adds. */
    payable_ore: number;
    previously_paid_ore: ColumnType<number, number | undefined, number>;
    unit_lines: ColumnType<unknown, string | undefined, string>;
    run_id: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /** The case handler's resolution of a month's disputed deliveries: each one approved (paid) or rejected (never paid). */
  dispute_resolutions: {
    order_id: string;
    month: string;
    resolved_by: string;
    resolved_at: Generated<Date>;
    approved_ids: Json<string[]>;
    rejected_ids: Json<string[]>;
  };
  /** A day a customer attended a day activity (DOMAIN.md §5), approved with the month. */
  attendance_days: {
    attendance_id: string;
    order_id: string;
    customer_id: string;
    provider_id: string;
    date: string;
    local_month: string;
    status: 'reported' | 'approved' | 'disputed' | 'rejected';
    reported_at: Generated<Date>;
  };
  /**
   * A session of an area paid per session (family counselling, adult education; ADR 0019), reported by
   * the provider under its own id and approved or disputed with the customer's month.
   */
  sessions: {
    session_id: string;
    order_id: string;
    customer_id: string;
    provider_id: string;
    external_id: string;
    date: string;
    local_month: string;
    status: 'reported' | 'approved' | 'disputed' | 'rejected';
    reported_at: Generated<Date>;
  };
  /** A nursing-home placement's move-in, hospital stays and move-out (DOMAIN.md §4). `to_date` is exclusive. */
  occupancy_periods: {
    period_id: string;
    order_id: string;
    kind: 'moved-in' | 'hospital-stay' | 'moved-out';
    from_date: string;
    to_date: string | null;
    recorded_by: string;
    recorded_at: Generated<Date>;
  };
  /** Per-unit voucher tables of unit-priced areas (the domain's UnitRateTable). */
  unit_rate_tables: {
    unit_rate_table_id: string;
    municipality: string;
    area_id: string;
    valid_from: string;
    valid_to: string | null;
    rates: Json<Array<{ level: string; providerKind: 'municipal' | 'private'; orePerUnit: number }>>;
  };
  /** A monthly billing run for the whole municipality; one per month. */
  billing_runs: {
    run_id: string;
    month: string;
    period_month: string;
    status: 'running' | 'completed';
    started_by: string;
    started_at: Date;
    heartbeat_at: Date;
    finished_at: Date | null;
    /** The payment batch the run made, once made (a resumed run does not make a second). */
    batch_id: string | null;
    /** Orders the run prices (its progress metric's whole); set when the run starts, null for runs before it was kept. */
    orders_to_price: ColumnType<number | null, number | null | undefined, number | null>;
    /** Orders priced so far: each provider's transaction adds its statement's orders. */
    orders_priced: ColumnType<number, number | undefined, number>;
    result: ColumnType<unknown, string | null, string | null>;
    /** Whether the run's provider pass tallies the fee phase's deliveries (`billing_run_deliveries`); false for runs started before it did. */
    tallies_deliveries: ColumnType<boolean, boolean | undefined, boolean>;
  };
  /**
   * A billing run's approved deliveries per customer, area and provider, tallied as the provider pass
   * reads them and written with the provider's statement: what the run's fee phase charges from.
   */
  billing_run_deliveries: {
    run_id: string;
    customer_id: string;
    area_id: string;
    provider_id: string;
    visits: number;
    /** The approved visits' summed length, exact to the microsecond as the database stores visit times. */
    visit_microseconds: ColumnType<number, number, number>;
    attendance_days: number;
    sessions: number;
  };
  /** A provider's statement of a month as a billing run priced it. */
  provider_statements: {
    run_id: string;
    provider_id: string;
    month: string;
    provider_kind: string | null;
    lines: Json<unknown>;
    unit_lines: Json<unknown>;
    total_ore: number;
    unpriced_minutes: number;
    visit_count: number;
    excluded: Json<unknown>;
    previously_paid_ore: number;
    paid_ore: number;
    refused: Json<unknown>;
  };
  /**
   * What a municipality that placed a customer here owes back for a provider payment of the
   * customer's order (ADR 0014): one per payment, the same amount, booked in the payment's period.
   */
  municipal_recharges: {
    recharge_id: string;
    payment_id: string;
    order_id: string;
    customer_id: string;
    provider_id: string;
    month: string;
    period_month: string;
    deciding_municipality: string;
    amount_ore: number;
    created_at: Generated<Date>;
  };
  /** Where a provider is paid: a Bankgiro number and the payee name the bank shows (finance keeps it). */
  provider_accounts: {
    provider_id: string;
    name: string;
    /** The Bankgiro number of a Bankgiro payee (also in account_number); null for the others. */
    bankgiro: string | null;
    /** How the provider is paid (ADR 0031). */
    account_kind: ColumnType<'bankgiro' | 'plusgiro' | 'iban', 'bankgiro' | 'plusgiro' | 'iban' | undefined, 'bankgiro' | 'plusgiro' | 'iban'>;
    /** The Bankgiro or Plusgiro digits, or the IBAN. */
    account_number: string;
    /** The payee's bank, for an IBAN payee. */
    bic: string | null;
    updated_by: string;
    updated_at: Generated<Date>;
  };
  /** A payment file (pain.001): provider payments of a month, or the rejected ones of an earlier batch. */
  payment_batches: {
    batch_id: string;
    /** The file's MsgId; the bank refuses a second file with the same one. */
    message_id: string;
    month: string;
    execution_date: string;
    /** Follows the bank: `accepted`, `rejected-partly` or `rejected` once its answer is in (ADR 0021). */
    status: 'created' | 'sent' | 'accepted' | 'rejected-partly' | 'rejected';
    retry_of: string | null;
    created_by: string;
    created_at: Generated<Date>;
    sent_at: Date | null;
  };
  /** A provider payment in a batch, with the payee as it was when the file was made. */
  payment_batch_items: {
    batch_id: string;
    payment_id: string;
    end_to_end_id: string;
    provider_id: string;
    order_id: string;
    creditor_name: string;
    bankgiro: string | null;
    /** The payee account the item was batched to, as registered then (ADR 0031). */
    account_kind: ColumnType<'bankgiro' | 'plusgiro' | 'iban', 'bankgiro' | 'plusgiro' | 'iban' | undefined, 'bankgiro' | 'plusgiro' | 'iban'>;
    account_number: string;
    bic: string | null;
    amount_ore: number;
    status: 'included' | 'rejected';
    rejection_reason: string | null;
    retried_in: string | null;
    /** `accepted` once a status report accepted it; rejections set `status` instead. */
    bank_status: ColumnType<'accepted' | null, 'accepted' | null | undefined, 'accepted' | null>;
  };
  /** A pain.002 status report imported for a batch, by its MsgId. */
  payment_status_reports: {
    message_id: string;
    batch_id: string;
    group_status: string | null;
    report: Json<unknown>;
    imported_by: string;
    imported_at: Generated<Date>;
  };
  /** A BgMax or camt.054 file of incoming payments, by its identity at the bank. */
  incoming_payment_files: {
    file_id: string;
    format: 'bgmax' | 'camt054';
    file_reference: string;
    imported_by: string;
    imported_at: Generated<Date>;
  };
  /** A payment to the municipality, matched to a fee invoice by its OCR reference or kept unmatched. */
  incoming_payments: {
    payment_id: string;
    file_id: string;
    seq: number;
    position: string;
    kind: 'payment' | 'deduction';
    format: 'bgmax' | 'camt054';
    bank_reference: string | null;
    reference: string | null;
    amount_ore: number;
    payment_date: string;
    payer_name: string | null;
    information: string | null;
    status: 'matched' | 'unmatched';
    unmatched_reason: string | null;
    invoice_id: string | null;
    /** What settled the invoice; `credit_ore` is what it paid beyond the invoice. */
    applied_ore: number;
    credit_ore: number;
    period_month: string;
    created_at: Generated<Date>;
    /** A provider's payment of an invoice for its credits (ADR 0039); `invoice_id` is then null. */
    provider_invoice_id: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /** An overpayment to return to the customer. */
  customer_credits: {
    credit_id: string;
    customer_id: string;
    invoice_id: string;
    incoming_payment_id: string;
    amount_ore: number;
    status: 'to-return';
    created_at: Generated<Date>;
  };
  /** The one reminder of an invoice left unpaid past its due date. */
  fee_reminders: {
    invoice_id: string;
    due_date: string;
    balance_ore: number;
    reminded_on: string;
    reminded_by: string;
    created_at: Generated<Date>;
  };
  /** A case-handler alert: delivery kept below or above what the order asked for (ADR 0036). */
  follow_up_alerts: {
    alert_id: string;
    order_id: string;
    customer_id: string;
    provider_id: string;
    area_id: string;
    kind: 'under-delivery' | 'over-delivery';
    first_month: string;
    raised_month: string;
    shares: Json<number[]>;
    raised_by: string;
    raised_at: Generated<Date>;
  };
  /** The last voucher number given in each SIE series (ADR 0031). */
  sie_series: { series: string; last_number: number };
  /** The number a voucher was given at its first export, kept for every later one. */
  /** A fee charged too high, owed back to the customer: set off against their next invoices, else paid back (ADR 0039). */
  fee_credits: {
    credit_id: string;
    customer_id: string;
    month: string;
    amount_ore: number;
    remaining_ore: number;
    cause: FeeCreditCause;
    status: 'open' | 'set-off' | 'to-return';
    returned_ore: ColumnType<number, number | undefined, number>;
    return_decided_on: ColumnType<string | null, string | null | undefined, string | null>;
    created_on: string;
    created_at: Generated<Date>;
  };
  /** A provider invoiced back for credits no payment came to set off against (ADR 0039). */
  provider_invoices: {
    invoice_id: string;
    invoice_number: Generated<number>;
    provider_id: string;
    amount_ore: number;
    ocr_reference: string;
    issued_on: string;
    due_date: string;
    period_month: string;
    issued_by: string;
    created_at: Generated<Date>;
  };
  provider_invoice_items: { payment_id: string; invoice_id: string; amount_ore: number };
  /** What of a credit settled which later invoice. */
  fee_credit_set_offs: { credit_id: string; invoice_id: string; amount_ore: number; period_month: string; created_at: Generated<Date> };
  sie_voucher_numbers: { source: 'payment' | 'recharge' | 'invoice' | 'incoming' | 'netting' | 'set-off' | 'provider-invoice'; source_id: string; series: string; number: number; numbered_at: Generated<Date> };
} & IdempotencyTables;

/** Why a fee is now lower than was charged (ADR 0039). */
export type FeeCreditCause = 'fee-room-lowered' | 'fewer-deliveries' | 'tariff-lowered';
