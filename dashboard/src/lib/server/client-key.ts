/**
 * The key a client's login attempts are counted under: the chat server's own grouping (an IPv6 client by its /64,
 * an IPv4-mapped address as its IPv4 client), imported so that both count a client the same way. The module is pure
 * (it imports only `node:net`), so no other server code comes with it.
 */
export { clientKey } from '../../../../server/src/security/client-ip.ts';
