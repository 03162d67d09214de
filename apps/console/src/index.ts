/**
 * The operators' console (ADR 0027): server-rendered pages over the services' APIs.
 *
 * @packageDocumentation
 */
export { buildConsole } from './app.js';
export { ConsoleConfig } from './config.js';
export { TEXTS, LANGUAGES } from './texts.js';
export type { Language, TextKey } from './texts.js';
export { oidcSignIn, SignInError } from './sign-in.js';
export type { OidcSettings, OidcSignIn, PersonSession } from './sign-in.js';
