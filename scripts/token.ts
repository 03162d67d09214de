/**
 * Prints a person's token for one service from the identity provider `KUNDVAL_IDP=1 npm start` runs
 * (ADR 0032), signing in through the console's client (authorization code + PKCE):
 *   npm run token -- <person> <decisions|orders|billing|workflows>
 */
import { readFile } from 'node:fs/promises';
import { signInThroughConsole } from '@kundval/infra';
import { PLATFORM_FILE } from './local-settings.js';

const [person, service] = process.argv.slice(2);
const SERVICES = ['decisions', 'orders', 'billing', 'workflows'];
if (!person || !service || !SERVICES.includes(service)) {
  console.error(`usage: npm run token -- <person> <${SERVICES.join('|')}>`);
  process.exit(2);
}
const running = JSON.parse(await readFile(PLATFORM_FILE, 'utf8').catch(() => '{}')) as { identity?: { issuer: string } };
if (!running.identity) {
  console.error('No identity provider is running: start the platform with KUNDVAL_IDP=1 npm start.');
  process.exit(1);
}
console.log(await signInThroughConsole(running.identity.issuer, person, service));
