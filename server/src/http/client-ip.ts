/**
 * Derives `clientIp` for every request (the socket address, or X-Forwarded-For from trusted proxies only). A named
 * plugin, so each gate can `.use()` it for the type and it still runs once per request.
 */
import { Elysia } from 'elysia';
import type { Server } from 'bun';
import type { AppConfig } from '../config.ts';
import { resolveClientIp, type TrustProxy } from '../security/client-ip.ts';

/** The client's address from the request alone: usable in `onRequest`, before any derive has run. */
export function clientIpOf(request: Request, server: Pick<Server<unknown>, 'requestIP'> | null, trustProxy: TrustProxy): string {
  return resolveClientIp(server?.requestIP(request)?.address ?? null, request.headers.get('x-forwarded-for'), trustProxy);
}

export function clientIpPlugin(config: Pick<AppConfig, 'trustProxy'>) {
  return new Elysia({ name: 'client-ip', seed: config.trustProxy }).derive({ as: 'global' }, ({ request, server }) => ({
    clientIp: clientIpOf(request, server, config.trustProxy),
  }));
}
