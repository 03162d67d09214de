/**
 * The operators' console (ADR 0027): server-rendered pages over the services' APIs.
 *
 * @packageDocumentation
 */
export { buildConsole } from './app.js';
export { ConsoleConfig } from './config.js';
export { TEXTS, LANGUAGES } from './texts.js';
export type { Language, TextKey } from './texts.js';
export { oidcSignIn, SignInError, SESSION_TTL_MS, REFRESH_CLAIM_MS } from './sign-in.js';
export { memorySessionStore, SIGN_IN_TTL_MS } from './session-store.js';
export type { SessionStore, StoredEntry } from './session-store.js';
export { natsSessionStore, openSessionBucket, sessionBucket, SESSION_BUCKET, SIGN_IN_BUCKET } from './nats-session-store.js';
export { sealer, sealingKeys, newSealingKey, UnsealError } from './sealing.js';
export type { Sealer, SealingKey } from './sealing.js';
export type { OidcSettings, OidcSignIn, PersonSession } from './sign-in.js';
