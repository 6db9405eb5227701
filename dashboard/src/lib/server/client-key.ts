/**
 * The key a client's login attempts are counted under: an IPv4 address as is, an IPv6 address by its /64 (one
 * host is usually given a whole /64, so counting each address would hand a single machine 2^64 fresh limits), and
 * an IPv4 address written as IPv6 (`::ffff:1.2.3.4`) as the IPv4 client it is. The chat server groups clients the
 * same way (server/src/security/client-ip.ts); this is the dashboard's own copy so that it runs no server code.
 */
import { isIP } from 'node:net';

export function clientKey(address: string): string {
  // A zone id (`fe80::1%eth0`) names an interface, not another client.
  const ip = address.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return address;
  return `${ipv6Groups(ip).slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 part included). */
function ipv6Groups(ip: string): number[] {
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const parse = (part: string) =>
    part
      ? part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [parseInt(piece, 16)];
          const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        })
      : [];
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
}
