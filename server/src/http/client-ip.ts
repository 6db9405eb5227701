/**
 * Derives `clientIp` for every request (the socket address, or X-Forwarded-For from trusted proxies only). A named
 * plugin, so each gate can `.use()` it for the type and it still runs once per request.
 */
import { Elysia } from 'elysia';
import type { AppConfig } from '../config.ts';
import { resolveClientIp } from '../security/client-ip.ts';

export function clientIpPlugin(config: Pick<AppConfig, 'trustProxy'>) {
  return new Elysia({ name: 'client-ip', seed: config.trustProxy }).derive({ as: 'global' }, ({ request, server }) => ({
    clientIp: resolveClientIp(server?.requestIP(request)?.address ?? null, request.headers.get('x-forwarded-for'), config.trustProxy),
  }));
}
