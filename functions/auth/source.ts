// The key a source IP is counted under: an IPv4 address as it is, an IPv6 address by its /64
// (one subscriber usually holds a whole /64, so counting single addresses would let one client
// take 2^64 slots), anything else under one shared key.
import { isIPv4, isIPv6 } from 'node:net';

/** What the resolver could not read as an address: counted together, so garbage buys nothing. */
export const UNKNOWN_SOURCE = 'unknown';

function hextets(ipv6: string): number[] {
  // A trailing dotted quad (::ffff:1.2.3.4) is two hextets.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(ipv6);
  let text = ipv6;
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = ipv6.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

export function sourceKey(ip: string | null | undefined): string {
  const raw = (ip ?? '').trim();
  if (isIPv4(raw)) return raw;
  // Zone ids (fe80::1%eth0) never reach AppSync from the internet; drop them before parsing.
  const bare = raw.split('%')[0]!;
  if (!isIPv6(bare)) return UNKNOWN_SOURCE;
  const h = hextets(bare.toLowerCase());
  // An IPv4-mapped address is the IPv4 client it maps.
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) return `${h[6]! >> 8}.${h[6]! & 255}.${h[7]! >> 8}.${h[7]! & 255}`;
  return `${h.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}
