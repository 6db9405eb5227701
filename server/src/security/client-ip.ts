/**
 * Which address is the client. The socket peer is the truth unless the owner says a proxy sits in front:
 * `TRUST_PROXY=1` (hops to trust) or a list of proxy addresses/CIDRs. Only then is `X-Forwarded-For` read, from the
 * right, skipping trusted hops, so a client cannot forge its way past the rate limits by sending the header itself.
 */
import { isIP } from 'node:net';

export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'list'; ranges: IpRange[] };

interface IpRange {
  bytes: Uint8Array;
  prefix: number;
}

function ipToBytes(ip: string): Uint8Array | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const version = isIP(ip);
  if (version === 4) return new Uint8Array(ip.split('.').map(Number));
  if (version !== 6) return null;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const groups = [...headParts, ...Array(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const n = parseInt(group, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  return bytes;
}

function parseRange(entry: string): IpRange | null {
  const [address, prefixRaw] = entry.split('/');
  const bytes = ipToBytes(address ?? '');
  if (!bytes) return null;
  const max = bytes.length * 8;
  const prefix = prefixRaw === undefined ? max : Number(prefixRaw);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { bytes, prefix };
}

function inRange(ip: string, range: IpRange): boolean {
  const bytes = ipToBytes(ip);
  if (!bytes || bytes.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

export function parseTrustProxy(raw: string | null): { value: TrustProxy; problem?: string } {
  if (raw === null || raw === '' || raw === '0' || raw.toLowerCase() === 'false') return { value: { kind: 'none' } };
  if (/^\d+$/.test(raw)) return { value: { kind: 'hops', hops: Number(raw) } };
  const ranges: IpRange[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    for (const item of NAMED_RANGES[entry.toLowerCase()] ?? [entry]) {
      const range = parseRange(item);
      if (!range) return { value: { kind: 'none' }, problem: `"${entry}" is not a hop count, an IP address, a CIDR range, "loopback" or "private".` };
      ranges.push(range);
    }
  }
  return { value: { kind: 'list', ranges } };
}

/**
 * The key a client's rate limits and budgets are counted under. An IPv6 host is usually given a whole /64, so every
 * address in it is one client (otherwise a single machine could rotate through 2^64 fresh buckets); an IPv4 address
 * written as IPv6 (`::ffff:1.2.3.4`) is the IPv4 client it stands for.
 */
export function clientKey(ip: string): string {
  const bytes = ipToBytes(ip);
  if (!bytes) return ip;
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(':')}::/64`;
}

/** The client address for rate limits and budgets. `peer` is the socket's remote address (null in unit tests). */
export function resolveClientIp(peer: string | null, forwardedFor: string | null, trust: TrustProxy): string {
  const socketIp = peer ?? 'unknown';
  if (trust.kind === 'none' || !forwardedFor) return socketIp;
  const chain = forwardedFor
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // The full path, nearest hop last: [client?, proxy1, ..., proxyN-1] then the socket peer.
  const path = [...chain, socketIp];
  if (trust.kind === 'hops') {
    // Trust exactly `hops` proxies: the socket peer and hops-1 entries before it are proxies.
    const index = path.length - 1 - trust.hops;
    const candidate = path[Math.max(index, 0)]!;
    return isIP(candidate) ? candidate : socketIp;
  }
  for (let i = path.length - 1; i >= 0; i--) {
    const hop = path[i]!;
    if (!isIP(hop)) return socketIp;
    if (i === 0 || !trust.ranges.some((range) => inRange(hop, range))) return hop;
  }
  return socketIp;
}
