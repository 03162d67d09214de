import getPort from 'get-port';

/**
 * A TCP port that is free on 127.0.0.1 right now. get-port also keeps it from being handed out
 * again by this process for a while, so two calls in a row give two different ports.
 * Pass `preferred` to get that port when it is free.
 */
export function freePort(preferred?: number): Promise<number> {
  return getPort({ host: '127.0.0.1', ...(preferred === undefined ? {} : { port: preferred }) });
}
