import { context, propagation, trace, SpanKind, SpanStatusCode, type Context, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import FastifyOtel from '@fastify/otel';
import type { FastifyPluginCallback } from 'fastify';

/**
 * Traces (ADR 0038): one trace from an HTTP command through the outbox, the NATS headers, the
 * bridge, the journey and its activities back to the services. Every process starts the SDK's
 * tracer provider with W3C trace context, so trace ids exist and propagate (and reach every log
 * line) whether or not a collector listens; spans leave the process over OTLP only when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the SDK's own exporter reads it and the other
 * `OTEL_EXPORTER_OTLP_*` and `OTEL_BSP_*` settings).
 */
export type Tracing = {
  /** The process's service name on every span. */
  resource: Resource;
  /** Where ended spans go: the OTLP batch processor, or nowhere when no endpoint is set. The Temporal plugin exports workflow spans through it. */
  spanProcessor: SpanProcessor;
  /** Whether spans are exported (an endpoint is set). */
  exporting: boolean;
  /** Sends what is buffered and stops; call it last when the process closes. */
  shutdown(): Promise<void>;
};

let started: Tracing | undefined;

/** Starts tracing for this process, once: a second call answers the first one's handle. */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (started) return started;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: '0.1.0' });
  const exporting = Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  const spanProcessor: SpanProcessor = exporting ? new BatchSpanProcessor(new OTLPTraceExporter()) : new NoopSpanProcessor();
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The default propagator is W3C trace context and baggage; the context manager is AsyncLocalStorage.
  provider.register();
  started = { resource, spanProcessor, exporting, shutdown: () => provider.shutdown() };
  return started;
}

/** The platform's tracer: spans for the outbox relay and the consumers. */
export function tracer(): Tracer {
  return trace.getTracer('@kundval/platform');
}

/** The active trace as W3C headers (`traceparent`, `tracestate`), or null outside any trace: what the outbox row keeps. */
export function currentTraceContext(active: Context = context.active()): Record<string, string> | null {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  return carrier['traceparent'] ? carrier : null;
}

/** Adds the active trace's headers to an outgoing request's headers (the worker's commands to the services). */
export function withTraceHeaders(headers: Record<string, string>): Record<string, string> {
  return { ...headers, ...currentTraceContext() };
}

/** The trace id of the active span, for a log line; undefined outside any trace. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : undefined;
}

/** Reads NATS message headers (or a stored carrier) for the propagator. */
type HeaderSource = { get(key: string): string | undefined } | Record<string, string> | null | undefined;
const headerGetter: TextMapGetter<HeaderSource> = {
  keys: (carrier) => (carrier && !isHeaderLookup(carrier) ? Object.keys(carrier) : ['traceparent', 'tracestate']),
  get: (carrier, key) => {
    if (!carrier) return undefined;
    const value = isHeaderLookup(carrier) ? carrier.get(key) : carrier[key];
    return value === '' ? undefined : value;
  },
};
function isHeaderLookup(carrier: NonNullable<HeaderSource>): carrier is { get(key: string): string | undefined } {
  return typeof (carrier as { get?: unknown }).get === 'function';
}

/**
 * Runs `work` in a span whose parent is the trace carried by `carrier` (a stored outbox row's
 * context, a NATS message's headers), ending it with the outcome. Without a carrier the span
 * starts a trace of its own.
 */
export async function inSpanFrom<T>(
  carrier: HeaderSource,
  name: string,
  options: { kind: SpanKind; attributes?: Record<string, string | number> },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), carrier, headerGetter);
  return tracer().startActiveSpan(name, { kind: options.kind, attributes: options.attributes ?? {} }, parent, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * The Fastify plugin that opens a server span per request (continuing the caller's `traceparent`)
 * with a child span for the route's handler, which runs inside it: @fastify/otel, the Fastify
 * team's instrumentation, which patches nothing. Probes and scrapes are not traced.
 */
export function httpTracingPlugin(): FastifyPluginCallback {
  const instrumentation = new FastifyOtel.FastifyOtelInstrumentation({
    ignorePaths: (route) => ['/health', '/ready', '/metrics'].includes(route.url.split('?')[0] ?? ''),
    // The request's span and its handler's, not one more per lifecycle hook (authentication, rate
    // limit, headers, logging, …): those were ten spans a request and 7 % of the visit report's CPU,
    // and said nothing the request span's duration and the handler's do not (ADR 0048).
    instrumentHooks: false,
  });
  return instrumentation.plugin() as FastifyPluginCallback;
}

export { SpanKind };
