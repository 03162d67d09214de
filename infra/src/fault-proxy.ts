import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { seededRandom } from './random.js';

/**
 * What to do to a matching request:
 * - `lose-response`: forward it, let the service answer in full (so it has committed), then close
 *   the client's connection without a byte of the answer — the caller cannot know it succeeded;
 * - `refuse-request`: close the client's connection before anything reaches the service.
 */
export type FaultKind = 'lose-response' | 'refuse-request';

export interface FaultRule {
  /** HTTP method to match; any when omitted. */
  method?: string;
  /** Matched against the path without its query string, e.g. `/^\/orders\/[^/]+\/end$/`. */
  path: RegExp;
  fault?: FaultKind;
  /** Acts on the first `times` matches, then lets everything through. */
  times?: number;
  /** Acts on each match with this probability, drawn from the proxy's seeded generator. */
  probability?: number;
  /**
   * Which answers count as a match for `lose-response`: by default only 2xx, i.e. a command the
   * service carried out. Losing a refusal would prove nothing and use up `times`.
   */
  statuses?: (status: number) => boolean;
}

/** One fault the proxy injected. */
export interface InjectedFault {
  proxy: string;
  fault: FaultKind;
  method: string;
  path: string;
  /** The status the service answered and the caller never saw (`lose-response`). */
  status: number | null;
  at: Date;
}

export interface FaultRuleHandle {
  /** How many times the rule has acted so far. */
  readonly fired: number;
  /** Resolves once the rule has acted `count` times. */
  firedTimes(count?: number): Promise<void>;
  remove(): void;
}

export interface FaultProxy {
  name: string;
  /** Where the caller should send its requests instead of the service. */
  url: string;
  target: string;
  addRule(rule: FaultRule): FaultRuleHandle;
  clearRules(): void;
  /** Every fault injected since start, oldest first. */
  readonly injected: readonly InjectedFault[];
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Names the proxy in logs and in injected faults, e.g. `orders`. */
  name: string;
  /** The service's base URL, `http://127.0.0.1:4102`. */
  target: string;
  /** Port to listen on (127.0.0.1); a free one when omitted. */
  port?: number;
  /** Seed of the generator behind `probability` rules. */
  seed?: number;
  log?: (line: string) => void;
}

/** Headers that describe one hop's connection, not the message; the proxy sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);

type LiveRule = FaultRule & { fired: number; waiters: Array<{ count: number; resolve: () => void }> };

/**
 * An HTTP reverse proxy on loopback between a caller (the journey worker) and one service, that
 * loses answers or refuses requests matching its rules. It buffers each request and answer whole,
 * which is fine for the JSON commands it stands in front of, and is what makes "the service
 * committed, the caller never heard" exact: the decision to lose an answer is taken after the
 * service has finished it.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const agent = new Agent({ keepAlive: true });
  let rules: LiveRule[] = [];
  const injected: InjectedFault[] = [];
  const sockets = new Set<Socket>();

  /** The rule that acts on this request now, if any; counts it as fired. */
  function decide(method: string, path: string, fault: FaultKind, status: number | null): LiveRule | undefined {
    for (const rule of rules) {
      if ((rule.fault ?? 'lose-response') !== fault) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (!rule.path.test(path)) continue;
      if (status !== null && !(rule.statuses ?? ((s: number) => s >= 200 && s < 300))(status)) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      rule.fired += 1;
      for (const waiter of rule.waiters.filter((w) => rule.fired >= w.count)) {
        rule.waiters.splice(rule.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      return rule;
    }
    return undefined;
  }

  function inject(req: IncomingMessage, fault: FaultKind, path: string, status: number | null): void {
    injected.push({ proxy: options.name, fault, method: req.method ?? 'GET', path, status, at: new Date() });
    options.log?.(`${options.name}: ${fault === 'lose-response' ? `lost the ${status} answer to` : 'refused'} ${req.method} ${path}`);
    // No answer at all: the caller sees its connection closed, as after a network failure.
    req.socket.destroy();
  }

  const server = createServer((req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = (req.url ?? '/').split('?')[0]!;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (decide(method, path, 'refuse-request', null)) return inject(req, 'refuse-request', path, null);
      const body = Buffer.concat(chunks);
      const upstream = request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method,
          path: req.url,
          headers: { ...forwardable(req.headers), host: target.host, 'content-length': String(body.length) },
          agent,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const status = answer.statusCode ?? 502;
            if (decide(method, path, 'lose-response', status)) return inject(req, 'lose-response', path, status);
            const payload = Buffer.concat(parts);
            res.writeHead(status, { ...forwardable(answer.headers), 'content-length': String(payload.length) });
            res.end(payload);
          });
          answer.on('error', () => unreachable(res));
        },
      );
      upstream.on('error', () => unreachable(res));
      upstream.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    target: options.target,
    injected,
    addRule(rule) {
      const live: LiveRule = { ...rule, fired: 0, waiters: [] };
      rules.push(live);
      return {
        get fired() {
          return live.fired;
        },
        firedTimes: (count = 1) => (live.fired >= count ? Promise.resolve() : new Promise<void>((resolve) => live.waiters.push({ count, resolve }))),
        remove: () => {
          rules = rules.filter((r) => r !== live);
        },
      };
    },
    clearRules() {
      rules = [];
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase()) && name.toLowerCase() !== 'content-length') out[name] = value;
  }
  return out;
}

/** The service is down (killed, restarting): say so as a gateway would, which callers retry. */
function unreachable(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: 'PROXY.UPSTREAM_UNREACHABLE', message: 'The service behind the fault proxy did not answer.' });
  res.writeHead(502, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** The services the journey worker sends commands to: the ones a fault proxy can stand before. */
export type CommandTarget = 'decisions' | 'orders' | 'billing';
export const COMMAND_TARGETS: readonly CommandTarget[] = ['decisions', 'orders', 'billing'];

/**
 * A fault proxy before each service the worker commands (a platform's `faultProxies` option), each
 * seeded from `seed` on: the worker is pointed at `commandUrls`, while people and the bridge keep
 * reaching the services directly.
 */
export async function startCommandProxies(targets: Record<CommandTarget, string>, setting: true | { seed?: number }, log: (line: string) => void) {
  const seed = typeof setting === 'object' ? setting.seed : undefined;
  const entries = await Promise.all(
    COMMAND_TARGETS.map(async (name, i) => [name, await startFaultProxy({ name, target: targets[name], ...(seed === undefined ? {} : { seed: seed + i }), log })] as const),
  );
  const proxies = Object.fromEntries(entries) as Record<CommandTarget, FaultProxy>;
  return {
    proxies,
    commandUrls: { DECISIONS_URL: proxies.decisions.url, ORDERS_URL: proxies.orders.url, BILLING_URL: proxies.billing.url },
    stop: async () => void (await Promise.all(Object.values(proxies).map((p) => p.stop()))),
  };
}
