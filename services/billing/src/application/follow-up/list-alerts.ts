import { latestAlerts } from '../../store/follow-up.js';
import type { QueryContext } from '../context.js';
import { toAlert } from './alert-view.js';

/** The follow-up alerts raised, newest first, of one month or all. */
export async function listAlerts(ctx: QueryContext, input: { month?: string | undefined; limit: number }) {
  return (await latestAlerts(ctx.db, input)).map(toAlert);
}
