import type { Actor } from '@kundval/platform';
import type { OrdersDb } from '../store/db.js';

/** What a command's work sees: its transaction, the day and instant it runs on, and who runs it. */
export type Tx = {
  db: OrdersDb;
  /** Today in Europe/Stockholm, `YYYY-MM-DD`. */
  today: string;
  now: Date;
  actor: Actor;
  correlationId: string;
};
