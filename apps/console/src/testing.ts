/**
 * What the console's tests share (`@kundval/console/testing`): its own unit tests and the
 * end-to-end tests in `tests/src/console` sign people in through the same walk of the identity
 * provider's pages, here once.
 *
 * @packageDocumentation
 */

/** Redirects a sign-in may take at the provider before it is taken as lost (it takes three). */
const MAX_HOPS = 10;

/**
 * The identity provider's pages answered as a browser would, from the console's authorization
 * request to the provider's redirect back: follow its redirects with its cookies, choose the person
 * on its development sign-in page (the local provider's form, field `sub`), and return the address
 * the provider sends the browser back to, the console's callback (the request's `redirect_uri`)
 * with the code and state. The console's own cookies are the caller's: this walks the provider only.
 */
export async function signInAtProvider(authorization: URL, sub: string): Promise<URL> {
  const callback = authorization.searchParams.get('redirect_uri');
  if (!callback) throw new Error(`The authorization request names no redirect_uri: ${authorization.href}`);
  const cookies = new Map<string, string>();
  const go = async (to: URL, init: RequestInit = {}): Promise<URL> => {
    const res = await fetch(to, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const [k, v] of cookiesSetBy(res)) cookies.set(k, v);
    const location = res.headers.get('location');
    if (!location) throw new Error(`The provider answered ${to.href} with ${res.status} and no redirect: ${(await res.text()).slice(0, 300)}`);
    // A relative location is relative to the page that answered it, as in a browser.
    return new URL(location, to);
  };
  // The authorization request sends the browser to the sign-in page, whose form names the person.
  let at = await go(authorization);
  at = await go(at, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sub }).toString() });
  for (let hops = 0; !at.href.startsWith(callback); hops++) {
    if (hops >= MAX_HOPS) throw new Error(`The provider did not send ${sub} back to ${callback} within ${MAX_HOPS} redirects; last at ${at.href}`);
    at = await go(at);
  }
  return at;
}

/** The value of the cookie `name` that an answer sets; an answer that sets none fails the test here. */
export function cookieSetBy(res: Response, name: string): string {
  const value = cookiesSetBy(res).find(([k]) => k === name)?.[1];
  if (value === undefined) throw new Error(`${res.url || 'The answer'} (${res.status}) set no cookie ${name}`);
  return value;
}

/** The name and value of each cookie an answer sets, without their attributes. */
function cookiesSetBy(res: Response): [string, string][] {
  return res.headers.getSetCookie().map((c) => {
    const [pair = ''] = c.split(';');
    const at = pair.indexOf('=');
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}
