import { fileURLToPath } from 'node:url';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, OpenTelemetryWorkflowClientInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, WorkerInterceptors } from '@temporalio/worker';
import type { Tracing } from '@kundval/platform';

/**
 * Temporal's own OpenTelemetry interceptors (ADR 0038), so a journey's trace runs from the bridge's
 * signal through the workflow to each activity and its command to a service:
 * - the client's (bridge and routes) opens a span per start, signal, query and update and carries
 *   its context in the call's Temporal headers;
 * - the workflow's (`workflows/tracing-interceptors.ts`) continue it in the sandbox and put it in
 *   each activity's headers; their spans leave through the `exporter` sink, never while replaying;
 * - the activity's runs each activity in a span whose context the service client sends on as
 *   `traceparent`.
 * Wired by hand rather than through the package's plugin so that the workflow module is ours (one
 * change, explained there).
 */
export function withJourneyTracing(tracing: Tracing, own: WorkerInterceptors) {
  const activity: ActivityInterceptorsFactory = (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) });
  return {
    interceptors: {
      ...own,
      // After the journey's own, as the package's plugin orders them (the recorded histories replay so).
      workflowModules: [...(own.workflowModules ?? []), fileURLToPath(new URL(`./workflows/tracing-interceptors.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url))],
      // First, so the activity's span covers the others' work.
      activity: [activity, ...(own.activity ?? [])],
    } satisfies WorkerInterceptors,
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}

/** The client interceptors of a process that starts, signals or queries journeys. */
export function journeyClientInterceptors(): { workflow: WorkflowClientInterceptor[] } {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
