import { stockholmDate } from '@kundval/domain';
import { audit } from '@kundval/platform';
import type { FinanceSettings } from '../../finance/config.js';
import { chartAccounts, monthVouchers, numberVouchers } from '../../finance/accounting-export.js';
import { buildSie4i } from '../../finance/sie.js';
import type { QueryContext } from '../context.js';

/**
 * The month's vouchers for the ledger as an SIE 4I file. Each voucher keeps the number its first
 * export gave it, so numbering writes (audited) and the export is one transaction of its own.
 */
export async function exportSie(ctx: QueryContext & { correlationId: string }, input: { month: string }, settings: FinanceSettings): Promise<ReturnType<typeof buildSie4i>> {
  return ctx.db.transaction().execute(async (trx) => {
    const { vouchers, numbered } = await numberVouchers(trx, settings.sie.series, await monthVouchers(trx, input.month, settings));
    if (numbered) {
      await audit(trx, ctx.principal, { action: 'sie-vouchers.numbered', entity: 'sie-series', entityId: settings.sie.series, after: { month: input.month, ...numbered }, correlationId: ctx.correlationId });
    }
    return buildSie4i({
      program: settings.sie.program,
      generatedOn: stockholmDate(ctx.now),
      companyName: settings.payer.name,
      organisationNumber: settings.payer.organisationNumber,
      chartType: settings.sie.chart,
      accounts: chartAccounts(settings),
      vouchers,
    });
  });
}
