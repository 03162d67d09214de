import { z } from 'zod';
import { ErrorBody, conflict, isUniqueViolation, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { useCaseRunner } from '../use-case.js';
import { recordOccupancy } from '../../application/deliveries/record-occupancy.js';
import { reportAttendance } from '../../application/deliveries/report-attendance.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const OrderParams = z.object({ orderId: z.uuid() });
const IsoDate = z.iso.date();

const OccupancyBody = z.object({
  kind: z.enum(['moved-in', 'hospital-stay', 'moved-out']),
  from: IsoDate.describe('Move-in day (first occupied day), the first day in hospital, or the move-out day (not occupied)'),
  to: IsoDate.optional().describe('A hospital stay only: the day back (exclusive); left out while the resident is still in hospital'),
});
const Placement = z.object({
  moveIn: z.string().nullable(),
  moveOut: z.string().nullable(),
  hospitalStays: z.array(z.object({ from: z.string(), to: z.string().nullable() })),
});
const OccupancyAnswer = z.object({
  periodId: z.uuid(),
  orderId: z.uuid(),
  kind: z.enum(['moved-in', 'hospital-stay', 'moved-out']),
  from: z.string(),
  to: z.string().nullable(),
  placement: Placement,
});

const AttendanceBody = z.object({
  days: z.array(IsoDate).min(1).max(62).describe('Days the customer attended (local dates); a day reported again is recorded once'),
});
const AttendanceDay = z.object({ attendanceId: z.uuid(), date: z.string(), month: z.string(), status: z.enum(['reported', 'approved', 'disputed', 'rejected']) });
const AttendanceAnswer = z.object({ orderId: z.uuid(), recorded: z.number(), unchanged: z.number(), days: z.array(AttendanceDay) });

/**
 * Deliveries of unit-priced areas: a nursing home's occupancy (move-in, hospital stays, move-out;
 * DOMAIN.md §4) and a day activity's attendance days (DOMAIN.md §5). Each report is recorded once,
 * inside the order's validity, and announced as `deliveryPeriodRecorded`.
 */
export function deliveryRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  return async (app) => {
    app.post(
      '/orders/:orderId/occupancy',
      {
        config: { roles: ['provider', 'case-handler'] },
        schema: {
          summary: "Record a nursing-home resident's move-in, hospital stay or move-out",
          description:
            "The place is paid per occupied day, from the move-in day (inclusive) to the move-out day (exclusive) or the end of the order, at the voucher of the level in force that day (as placed, then as each amendment of the order sets it); a hospital stay keeps the place occupied and paid. The order's validity is its last day as amended: a renewed decision moves it later, an `orderEnded` ends it early. Re-sending a record is safe (200); a hospital stay sent again with its `to` closes it.",
          tags: ['deliveries'],
          params: OrderParams,
          body: OccupancyBody,
          response: { 200: OccupancyAnswer, 201: OccupancyAnswer, ...errors },
        },
      },
      async (req, reply) => uniqueAsConflict(() => run(req, reply, (ctx) => recordOccupancy(ctx, { orderId: req.params.orderId, ...req.body }))),
    );

    app.post(
      '/orders/:orderId/attendance',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: "Report a day activity's attendance days",
          description:
            "Each day the customer attended, inside the order's validity (its last day as amended: a renewed decision moves it later) and not in a month already approved; a day reported again is recorded once. The customer's approval of the month approves its attendance days; each is paid at the voucher of the level in force that day (as placed, then as each amendment of the order sets it) and charged the day fee under the shared maxtaxa.",
          tags: ['deliveries'],
          params: OrderParams,
          body: AttendanceBody,
          response: { 201: AttendanceAnswer, ...errors },
        },
      },
      async (req, reply) => uniqueAsConflict(() => run(req, reply, (ctx) => reportAttendance(ctx, { orderId: req.params.orderId, days: req.body.days }))),
    );
  };
}

/** Two reports of the same day or move racing: the database lets one win; the other is asked to send again (and then finds it recorded). */
async function uniqueAsConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('BILLING.CONCURRENT_REPORT', 'The same delivery was reported at the same moment by another request; send it again.');
    throw err;
  }
}

