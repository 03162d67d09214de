import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeSupervisorEvent, startLocalPlatform, type IdpPerson } from '@kundval/infra';
import { SEARCH_ATTRIBUTE_TYPES } from '@kundval/workflows';
import { loadDemoData, type Tokens } from '@kundval/tests/driver';
import { LOCAL_CHOICE_DEADLINE_MS, LOCAL_DATA_DIR, PLATFORM_FILE, developmentTokens, printPlatform, processLogs, stopOnSignal } from './local-settings.js';

const logDir = join(LOCAL_DATA_DIR, 'logs');
const logs = processLogs(logDir);
const log = logs.write;

/**
 * With KUNDVAL_IDP=1 the platform runs its own OpenID Connect provider (ADR 0032) instead of the
 * development secret: these people can sign in, and `npm run token -- <person> <service>` gets a token.
 */
const useIdentityProvider = process.env['KUNDVAL_IDP'] === '1';
const LOCAL_PEOPLE: IdpPerson[] = [
  { sub: 'local-case-handler', role: 'case-handler' },
  { sub: 'local-operator', role: 'operator' },
  { sub: 'local-finance', role: 'finance' },
  { sub: 'local-administrator', role: 'administrator' },
  { sub: 'local-provider', role: 'provider', providerId: 'nacka-hemtjanst' },
  { sub: 'demo-admin', role: 'administrator' },
];

console.log(`Starting Temporal, NATS, ${useIdentityProvider ? 'the identity provider, ' : ''}the services and the worker…`);
const platform = await startLocalPlatform({
  ...(useIdentityProvider ? { identityProvider: { people: LOCAL_PEOPLE } } : {}),
  dataDir: LOCAL_DATA_DIR,
  preferWellKnownPorts: true,
  searchAttributes: SEARCH_ATTRIBUTE_TYPES,
  env: { CHOICE_DEADLINE_MS: String(LOCAL_CHOICE_DEADLINE_MS) },
  log,
  // A crashed service, worker or server is started again (0.5 s, doubling to 30 s while it keeps
  // crashing); each crash and restart is printed here, with the process's own output in its log file.
  onSupervisorEvent: (event) => {
    const line = describeSupervisorEvent(event);
    console.log(`${new Date().toISOString().slice(11, 19)} ${line}${event.kind === 'restarted' ? '' : ` (log: ${join(logDir, `${event.name}.log`)})`}`);
  },
});
const idp = platform.identity?.provider;
const serviceOf = (url: string) => Object.entries(platform.urls).find(([, base]) => url.startsWith(base))![0];
const demoTokens: Tokens = idp ? (principal, url) => idp.personToken(principal.sub, serviceOf(url)) : platform.auth;
await loadDemoData(platform.urls, demoTokens);
await writeFile(
  PLATFORM_FILE,
  JSON.stringify({ urls: platform.urls, consoleUrl: platform.consoleUrl, auth: platform.auth, temporal: platform.temporal, ...(idp ? { identity: { issuer: idp.issuer, directoryKey: platform.identity!.directoryKey } } : {}) }, null, 2),
  { mode: 0o600 },
);

printPlatform({
  title: `Kundval is running (data in ${LOCAL_DATA_DIR}, logs in ${logDir}).`,
  lead: [`Operators' console  ${platform.consoleUrl}   (${idp ? 'sign in through the identity provider, e.g. as local-operator' : 'sign in with "Development sign-in", or paste a token below'})`],
  urls: platform.urls,
  rows: [
    ['Temporal', `${platform.temporal.address}   Web UI: ${platform.temporal.uiUrl}`],
    ['NATS', `${platform.nats.url}   monitoring: ${platform.nats.monitorUrl}`],
    ['worker', `${platform.workerUrl}/metrics   (every service: /health, /ready, /metrics)`],
  ],
  tokens: idp
    ? `Identity provider ${idp.issuer} (discovery: ${idp.issuer}/.well-known/openid-configuration); people: ${LOCAL_PEOPLE.map((p) => p.sub).join(', ')}.
A token for the docs' "Authorize" (one service each): npm run token -- local-case-handler decisions
The console signs people in through it; \`npm run demo\` enrols its people and signs each in through it too.`
    : await developmentTokens(platform.auth),
  footer: `Run \`npm run demo\` in another terminal to drive a few journeys. A process that crashes is restarted
(and said so here). Ctrl-C stops everything.`,
});

stopOnSignal(platform, { platformFile: PLATFORM_FILE, logs, command: 'npm start' });
