import { createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findRepoRoot } from '@kundval/infra';
import { issueToken } from '@kundval/platform';

/** Where `npm start` keeps its data, and the file through which `npm run demo` finds the running platform. */
export const LOCAL_DATA_DIR = join(findRepoRoot(), '.data', 'local');
export const PLATFORM_FILE = join(LOCAL_DATA_DIR, 'platform.json');
/** Where `npm run start:cluster` keeps its data, apart from `npm start`'s (other engines, other files), and its platform file. */
export const CLUSTER_DATA_DIR = join(findRepoRoot(), '.data', 'cluster');
export const CLUSTER_PLATFORM_FILE = join(CLUSTER_DATA_DIR, 'platform.json');

/** How long a customer has to choose locally before the default provider is assigned: short, so the demo shows it. Production: 14 days. */
export const LOCAL_CHOICE_DEADLINE_MS = 30_000;

type ServiceUrls = { decisions: string; orders: string; billing: string; workflows: string };

/**
 * What `npm start` and `npm run start:cluster` print once the platform is up: where each service
 * and its docs are, the engines, how to sign in, and how to stop. One table for both topologies;
 * each adds its own lines (`notes` after a service, `rows` for the engines and processes).
 */
export function printPlatform(p: {
  title: string;
  /** Lines before the services (the console). */
  lead?: string[];
  urls: ServiceUrls;
  /** Text after a service's docs (the cluster's replicas). */
  notes?: Partial<Record<keyof ServiceUrls, string>>;
  /** The engines and other processes, label and text. */
  rows: Array<[label: string, text: string]>;
  /** How to get a token: `developmentTokens(auth)` or the identity provider's instructions. */
  tokens: string;
  footer: string;
}): void {
  const note = (name: keyof ServiceUrls) => (p.notes?.[name] ? `   ${p.notes[name]}` : '');
  const service = (name: keyof ServiceUrls, extra = '') => `  ${name.padEnd(11)} ${p.urls[name]}    OpenAPI docs: ${p.urls[name]}/docs${extra}${note(name)}`;
  console.log(
    [
      '',
      p.title,
      '',
      ...(p.lead ? [...p.lead.map((l) => `  ${l}`), ''] : []),
      service('decisions'),
      service('orders'),
      service('billing'),
      service('workflows', "  (operators' view: GET /journeys)"),
      ...p.rows.map(([label, text]) => `  ${label.padEnd(11)} ${text}`),
      '',
      p.tokens,
      '',
      p.footer,
      '',
    ].join('\n'),
  );
}

/** Tokens signed with the development secret for the docs' "Authorize", one per role, valid 7 days. */
export async function developmentTokens(auth: { secret: string; issuer: string }): Promise<string> {
  const token = (role: 'case-handler' | 'operator' | 'administrator' | 'finance' | 'provider', extra: Record<string, string> = {}) =>
    issueToken(auth, { sub: `local-${role}`, role, ...extra }, 7 * 24 * 3600);
  return `Development tokens (paste into "Authorize" in the docs; valid 7 days):
  case handler   ${await token('case-handler')}
  operator       ${await token('operator')}
  finance        ${await token('finance')}
  administrator  ${await token('administrator')}
  provider (nacka-hemtjanst)  ${await token('provider', { providerId: 'nacka-hemtjanst' })}`;
}

/** One log file per process under `logDir`, appended to across starts. */
export function processLogs(logDir: string) {
  mkdirSync(logDir, { recursive: true });
  const streams = new Map<string, ReturnType<typeof createWriteStream>>();
  return {
    write(source: string, line: string): void {
      let stream = streams.get(source);
      if (!stream) streams.set(source, (stream = createWriteStream(join(logDir, `${source}.log`), { flags: 'a' })));
      stream.write(`${line}\n`);
    },
    end(): void {
      for (const stream of streams.values()) stream.end();
    },
  };
}

/**
 * Stops the platform once on Ctrl-C or SIGTERM: the platform file goes (so `npm run demo` no longer
 * finds it), the logs are closed, the data stays for `command`'s next start.
 */
export function stopOnSignal(platform: { stop(): Promise<void> }, options: { platformFile: string; logs: { end(): void }; command: string }): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log('\nStopping…');
      void (async () => {
        await platform.stop();
        await rm(options.platformFile, { force: true });
        options.logs.end();
        console.log(`Stopped. Data is kept for the next ${options.command}.`);
        process.exit(0);
      })();
    });
  }
}
