import type { ColumnType, Generated } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

/** The billing service's tables. */
export type BillingTables = {
  /** Orders as billing knows them (from `orderPlaced`): who delivers to whom, at which provider kind's rates. */
  orders: {
    order_id: string;
    application_id: string;
    customer_id: string;
    provider_id: string;
    provider_kind: 'municipal' | 'private';
    area_id: string;
    municipality: string;
    valid_from: string;
    valid_to: string;
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
    status: 'reported' | 'approved' | 'disputed';
    reported_at: Generated<Date>;
  };
  month_approvals: {
    order_id: string;
    month: string;
    approved_by: string;
    approved_at: Generated<Date>;
    approved_visits: number;
    disputed_visits: number;
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
    ocr_reference: string;
    created_at: Generated<Date>;
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
  };
  /** Where a provider is paid: a Bankgiro number and the payee name the bank shows (finance keeps it). */
  provider_accounts: {
    provider_id: string;
    name: string;
    bankgiro: string;
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
    status: 'created' | 'sent' | 'rejected-partly';
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
    bankgiro: string;
    amount_ore: number;
    status: 'included' | 'rejected';
    rejection_reason: string | null;
    retried_in: string | null;
  };
};
