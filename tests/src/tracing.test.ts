import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { findRepoRoot, type LocalPlatform } from '@kundval/infra';
import { eventCatalog } from '@kundval/contracts';
import { eventually, homeCareSteps, journeyState, nextIdentityNumber } from './driver/index.js';
import { startTestPlatform } from './support/platform.js';

/**
 * One trace from an HTTP command to the journey's command back into a service (ADR 0038), read
 * from what every process exports over OTLP to a receiver in this test: the case handler's
 * `POST decisions /applications`, the outbox relay's publish of the event, the bridge's handling
 * and its signal-with-start, the worker's `assignDefaultProvider` activity and the orders service's
 * `POST /decisions/:decisionId/default-choice` it sends all carry one trace id; and the decisions
 * service's log lines of that request carry it too.
 */

/** OTLP/JSON as the SDK's HTTP exporter sends it (opentelemetry-proto's JSON mapping, ids in hex). */
const AnyValue = z.object({ stringValue: z.string().optional(), intValue: z.union([z.string(), z.number()]).optional() }).loose();
const KeyValue = z.object({ key: z.string(), value: AnyValue });
const OtlpSpan = z.object({ traceId: z.string(), spanId: z.string(), parentSpanId: z.string().optional(), name: z.string(), kind: z.number(), attributes: z.array(KeyValue).default([]) });
const ExportTraceServiceRequest = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: z.array(KeyValue).default([]) }),
      scopeSpans: z.array(z.object({ spans: z.array(OtlpSpan).default([]) })),
    }),
  ),
});

type Span = { service: string; traceId: string; spanId: string; parentSpanId: string | undefined; name: string; attributes: Record<string, string> };

function attributes(list: z.infer<typeof KeyValue>[]): Record<string, string> {
  return Object.fromEntries(list.map((a) => [a.key, String(a.value.stringValue ?? a.value.intValue ?? '')]));
}

/** An OTLP/HTTP traces receiver: every span any process exported, with the service that exported it. */
async function otlpReceiver(): Promise<{ url: string; spans: Span[]; requests: () => number; close(): Promise<void> }> {
  const spans: Span[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      requests += 1;
      const body = ExportTraceServiceRequest.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      for (const rs of body.resourceSpans) {
        const service = attributes(rs.resource.attributes)['service.name'] ?? '?';
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, attributes: attributes(s.attributes) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, requests: () => requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('one trace from an HTTP command through the outbox, NATS, the bridge and the journey back to a service', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let platform: LocalPlatform;
  const lines: Array<{ source: string; line: string }> = [];

  beforeAll(async () => {
    receiver = await otlpReceiver();
    const logDir = join(findRepoRoot(), '.data', 'test-logs');
    mkdirSync(logDir, { recursive: true });
    const file = createWriteStream(join(logDir, 'tracing.log'), { flags: 'w' });
    platform = await startTestPlatform('tracing', {
      logLevel: 'info',
      log: (source, line) => {
        lines.push({ source, line });
        file.write(`[${source}] ${line}\n`);
      },
      // The SDK's own settings: where to export, and a short batch delay so the test need not wait 5 s.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
  });
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  it('carries one trace id from the application to the default provider the journey assigns, and into the log lines of the request', async () => {
    const steps = homeCareSteps(platform);
    const { applicationId } = await steps.apply(nextIdentityNumber(1941));
    await steps.assess(applicationId);
    const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
    // No choice within the (test's 4 s) deadline: the journey's activity assigns the default provider through orders.
    await eventually(async () => ((await journeyState(platform, applicationId))?.stage === 'awaiting-acceptance' ? true : undefined), 'the journey to place the default order', 60_000);

    const application = receiver.spans.find((s) => s.service === 'decisions' && s.name === 'request' && s.attributes['http.route'] === '/applications' && s.attributes['http.request.method'] === 'POST');
    expect(application, 'the HTTP span of POST decisions /applications').toBeDefined();
    const traceId = application!.traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const received = eventCatalog.applicationReceived.subject;
    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    // The worker's and orders' spans arrive with their processes' next batch.
    await eventually(
      async () => (inTrace().some((s) => s.service === 'orders' && s.attributes['http.route'] === '/decisions/:decisionId/default-choice') ? true : undefined),
      "the orders service's span of the default choice in the application's trace",
      30_000,
    );
    const spans = inTrace();
    const one = (service: string, name: string) => {
      const found = spans.filter((s) => s.service === service && s.name === name);
      expect(found.map((s) => `${s.service} ${s.name}`), `${service}: ${name}`).toEqual([`${service} ${name}`]);
      return found[0]!;
    };
    const publish = one('decisions', `${received} publish`);
    expect(publish.attributes['messaging.destination.name']).toBe(received);
    const handled = one('workflows', `${received} process`);
    expect(handled.attributes['messaging.consumer.group.name']).toBe('workflows-journeys');
    // The bridge handled the message the relay published: its span's parent is the publish span.
    expect(handled.parentSpanId).toBe(publish.spanId);
    const signal = one('workflows', 'SignalWithStartWorkflow:voucherJourneyWorkflow');
    expect(signal.parentSpanId).toBe(handled.spanId);
    const activity = one('worker', 'RunActivity:assignDefaultProvider');
    const defaultChoice = spans.find((s) => s.service === 'orders' && s.name === 'request' && s.attributes['http.route'] === '/decisions/:decisionId/default-choice');
    expect(defaultChoice?.attributes['url.path']).toBe(`/decisions/${decisionId}/default-choice`);
    // The service's request span is the activity's child: the traceparent went with the command.
    expect(defaultChoice?.parentSpanId).toBe(activity.spanId);

    // Every log line of that request names the trace, from "incoming request" to "request completed".
    type Line = { trace_id?: string; msg?: string; reqId?: string; req?: { method?: string; url?: string } };
    const decisionsLines = lines
      .filter((l) => l.source === 'decisions')
      .flatMap((l): Line[] => {
        try {
          return [JSON.parse(l.line) as Line];
        } catch {
          return [];
        }
      });
    const incoming = decisionsLines.filter((l) => l.msg === 'incoming request' && l.req?.method === 'POST' && l.req.url === '/applications');
    expect(incoming).toHaveLength(1);
    const ofRequest = decisionsLines.filter((l) => l.reqId === incoming[0]!.reqId);
    expect(ofRequest.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    expect(ofRequest.map((l) => l.trace_id)).toEqual(ofRequest.map(() => traceId));
  }, 180_000);
});
