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
};
