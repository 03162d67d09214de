/**
 * The journey against a real Temporal dev server and the real workflows, activities and service
 * client, with the services' answers scripted at the HTTP seam: for the answers the running services
 * cannot be made to give on demand, and to see exactly what the worker sent and as whom. Each test
 * file scripts its own answers; the end-to-end tests (tests/src) run the same against the real services.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { startTemporalDevServer, type TemporalDevServer } from '@kundval/infra';
import { verifyToken } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';
import { createServiceClient } from '../activities/service-client.js';
import { createOrdersActivities } from '../activities/orders.activities.js';
import { createBillingActivities } from '../activities/billing.activities.js';
import { createDecisionsActivities } from '../activities/decisions.activities.js';
import { SEARCH_ATTRIBUTE_TYPES, journeyStateQuery, type JourneyState, type VoucherJourneyInput } from '../contracts.js';
import type { voucherJourneyWorkflow } from '../workflows/voucher-journey.workflow.js';

/** The settings the worker's tokens are minted with, and the scripted services verify them by. */
export const TEST_AUTH = { secret: 'a-test-secret-of-at-least-32-characters', issuer: 'kundval-test' };
/** The journey's workflows, as the worker bundles them and a replay reads them. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** A service's scripted answer. */
export type Reply = { status: number; body: unknown };
/** The answer to one request: given its parsed body and its concrete path (`/decisions/8f…/choice`). */
export type Answer = (body: unknown, path: string) => Reply;
/** The answers per `METHOD /path`, ids replaced by `:id` (`POST /decisions/:id/choice`); anything else answers 500 UNSCRIPTED. */
export type Script = Record<string, Answer>;
/** A request the worker sent: where, its headers, the principal its token names, and its parsed body. */
export type Sent = { method: string; url: string; headers: Record<string, string>; principal: Principal; body: unknown };

export type ScriptedServices = {
  client: Client;
  namespace: string;
  taskQueue: string;
  /** Every request the worker sent, in order. */
  sent: Sent[];
  /** What the services answer now: a test may replace it, or an answer in it, at any time. */
  script: Script;
  /** Starts a journey (`journey-<applicationId>`) on the worker's task queue. */
  startJourney(input: VoucherJourneyInput): Promise<WorkflowHandle<typeof voucherJourneyWorkflow>>;
  /** The journey's state once `done` holds, polled for up to 30 s; else fails naming `what`. */
  until(handle: WorkflowHandle, what: string, done: (s: JourneyState) => boolean): Promise<JourneyState>;
  /** Stops the worker, then the client and the dev server. */
  stop(): Promise<void>;
};

/**
 * Starts a Temporal dev server and a worker on a task queue of its own (`<name>-<uuid>`), whose
 * orders, billing and decisions activities call services that answer from `script`.
 */
export async function startScriptedServices(options: { name: string; script?: Script; interceptors?: WorkerOptions['interceptors'] }): Promise<ScriptedServices> {
  // The scripted refusals are expected: keep the worker's warnings about them out of the test output.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const sent: Sent[] = [];
  const taskQueue = `${options.name}-${randomUUID()}`;
  const temporal: TemporalDevServer = await startTemporalDevServer({ searchAttributes: SEARCH_ATTRIBUTE_TYPES });
  try {
    return await serve(temporal, sent, taskQueue, options);
  } catch (err) {
    await temporal.stop();
    throw err;
  }
}

async function serve(temporal: TemporalDevServer, sent: Sent[], taskQueue: string, options: { script?: Script; interceptors?: WorkerOptions['interceptors'] }): Promise<ScriptedServices> {
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }), namespace: temporal.namespace });

  const services = { script: options.script ?? {} };
  const scripted: typeof fetch = async (url, init) => {
    const { pathname } = new URL(String(url));
    const method = init?.method ?? 'GET';
    const headers = init?.headers as Record<string, string>;
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : undefined;
    const principal = await verifyToken(TEST_AUTH, headers.authorization!.slice('Bearer '.length));
    sent.push({ method, url: pathname, headers, principal, body });
    const route = `${method} ${pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id')}`;
    const reply = services.script[route]?.(body, pathname) ?? { status: 500, body: { error: 'UNSCRIPTED', message: route } };
    return new Response(JSON.stringify(reply.body), { status: reply.status });
  };
  const call = (service: string) => createServiceClient(`http://${service}.test`, TEST_AUTH, { fetch: scripted });
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: temporal.address }),
    namespace: temporal.namespace,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: { ...createOrdersActivities(call('orders')), ...createBillingActivities(call('billing')), ...createDecisionsActivities(call('decisions')) },
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
  });
  const running = worker.run();

  return Object.assign(services, {
    client,
    namespace: temporal.namespace,
    taskQueue,
    sent,
    startJourney: (input: VoucherJourneyInput) =>
      client.workflow.start<typeof voucherJourneyWorkflow>('voucherJourneyWorkflow', { taskQueue, workflowId: `journey-${input.applicationId}`, args: [input] }),
    async until(handle: WorkflowHandle, what: string, done: (s: JourneyState) => boolean): Promise<JourneyState> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const state = await handle.query(journeyStateQuery);
        if (done(state)) return state;
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(state)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      worker.shutdown();
      await running;
      await client.connection.close();
      await temporal.stop();
    },
  });
}
