import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { Next, UpdateInput, WorkflowInboundCallsInterceptor, WorkflowInterceptors } from '@temporalio/workflow';

/**
 * Temporal's OpenTelemetry workflow interceptors (ADR 0038), with one change: an update's handler
 * is passed through as it is, with no span. The SDK's interceptor wraps each update handler in one
 * more `async` layer; on top of the person-request interceptor's (`on-behalf-of.ts`), that finishes
 * an update a few microtasks later than when its history was recorded, and the replay of a journey
 * retried by an update (`voucher-home-care-command-failed-retried.json`) then fails. People's
 * requests are signals since ADR 0033, which are traced; the updates stay for journeys in flight.
 * This module runs in the workflow sandbox.
 */
class JourneyTracingInbound extends OpenTelemetryInboundInterceptor {
  override handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new JourneyTracingInbound()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
