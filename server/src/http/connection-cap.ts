/**
 * A cap on the requests one client may have open at once (MAX_CONNECTIONS_PER_IP, per IPv4 address or IPv6 /64).
 * Rate limits count requests over a minute; they do not stop a client from opening hundreds of slow ones at the same
 * moment and holding them. Counted from `onRequest` (headers in, nothing read yet) until the response has gone out.
 */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { clientKey } from '../security/client-ip.ts';
import { clientIpOf } from './client-ip.ts';
import { HttpError } from './http-error.ts';

export function connectionCap(config: Pick<AppConfig, 'connections' | 'trustProxy'>) {
  const max = config.connections.maxPerIp;
  const open = new Map<string, number>();
  // Which client each open request is counted under; a request is released exactly once.
  const counted = new WeakMap<Request, string>();

  const release = (request: Request) => {
    const key = counted.get(request);
    if (key === undefined) return;
    counted.delete(request);
    const left = (open.get(key) ?? 1) - 1;
    if (left > 0) open.set(key, left);
    else open.delete(key); // the map holds only clients with requests open: bounded by the open requests themselves
  };

  const plugin = new Elysia({ name: 'connection-cap', seed: config.connections });
  if (max === 0) return plugin;
  return plugin
    .onRequest(({ request, server }) => {
      const key = clientKey(clientIpOf(request, server, config.trustProxy));
      const current = open.get(key) ?? 0;
      if (current >= max) {
        throw new HttpError(429, 'too_many_connections', `Too many requests open at once from your network (at most ${max}); wait for one to finish.`, {
          'retry-after': '1',
          connection: 'close',
        });
      }
      open.set(key, current + 1);
      counted.set(request, key);
      // A client that goes away mid-request may never get a response: its slot is given back all the same.
      request.signal.addEventListener('abort', () => release(request), { once: true });
    })
    .onAfterResponse({ as: 'global' }, ({ request }) => release(request));
}
