import { Gauge } from 'prom-client';
import { guardCollect, type Metrics } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';

/** How far back a run's progress is kept on /metrics: the last year's runs, one series each. */
const RECENT_RUN_MONTHS = 13;

/**
 * A billing run's progress (ADR 0028): per run, by the month it bills, the orders it prices and how
 * many it has priced, read from the run's row at each scrape, so every replica reports the same and a
 * resumed run goes on from where it was. `priced / to_price` is the run's share done; `running` says
 * whether it is still going.
 */
export function registerBillingRunMetrics(metrics: Metrics, db: BillingDb): void {
  type Row = { month: string; status: string; orders_to_price: number | null; orders_priced: number };
  let last: Promise<Row[]> = Promise.resolve([]);
  const read = () => db.selectFrom('billing_runs').select(['month', 'status', 'orders_to_price', 'orders_priced']).orderBy('month', 'desc').limit(RECENT_RUN_MONTHS).execute();
  const fill = (gauge: Gauge<'month'>, value: (r: Row) => number | null) => async () => {
    const rows = await last;
    gauge.reset();
    for (const r of rows) {
      const v = value(r);
      if (v !== null) gauge.set({ month: r.month }, v);
    }
  };
  // One query per scrape: the first gauge's collect reads, the others take its result.
  new Gauge({
    name: 'kundval_billing_run_orders_to_price',
    help: 'Orders the billing run of a month prices (counted when it starts or resumes)',
    labelNames: ['month'] as const,
    registers: [metrics.registry],
    async collect() {
      last = read();
      await guardCollect(metrics, 'kundval_billing_run_orders_to_price', fill(this, (r) => r.orders_to_price));
    },
  });
  new Gauge({
    name: 'kundval_billing_run_orders_priced',
    help: 'Orders the billing run of a month has priced so far',
    labelNames: ['month'] as const,
    registers: [metrics.registry],
    async collect() {
      await guardCollect(metrics, 'kundval_billing_run_orders_priced', fill(this, (r) => (r.orders_to_price === null ? null : r.orders_priced)));
    },
  });
  new Gauge({
    name: 'kundval_billing_run_running',
    help: 'Whether the billing run of a month is running (1) or completed (0)',
    labelNames: ['month'] as const,
    registers: [metrics.registry],
    async collect() {
      await guardCollect(metrics, 'kundval_billing_run_running', fill(this, (r) => (r.status === 'running' ? 1 : 0)));
    },
  });
}
