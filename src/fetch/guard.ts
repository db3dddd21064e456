import { BlockList, isIP } from 'node:net';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { parseCidr } from '../config/cidr';

/**
 * Addresses a feed URL may not reach unless fetch.allowPrivateNetworks says so:
 * "this network" (0.0.0.0/8), RFC 1918, CGNAT, loopback, link-local (with the
 * cloud metadata address 169.254.169.254), benchmarking, multicast/reserved;
 * IPv6 unspecified, loopback, unique-local (fd00:ec2::254 is in it), link-local,
 * multicast, NAT64, and IPv4-mapped forms of all the IPv4 ones.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::', 96], // IPv4-compatible (deprecated) ::a.b.c.d
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = mappedIpv4(address);
    if (v4 !== null) return v4 === '' || blocked.check(v4, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
}

/** ::ffff:a.b.c.d or ::ffff:7f00:1 → "a.b.c.d"; "" when mapped but unreadable; null when not mapped. */
function mappedIpv4(address: string): string | null {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address);
  if (!m) return null;
  const tail = m[1]!;
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return '';
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * The guard as configured: null when it is off (allowPrivateNetworks: true);
 * otherwise a test that refuses private addresses outside the allow-list.
 */
export function addressGuard(allowPrivateNetworks: boolean | readonly string[]): ((address: string) => boolean) | null {
  if (allowPrivateNetworks === true) return null;
  const allowed = new BlockList();
  if (Array.isArray(allowPrivateNetworks)) {
    for (const text of allowPrivateNetworks) {
      const c = parseCidr(text);
      if (c) allowed.addSubnet(c.address, c.prefix, c.family);
    }
  }
  return (address) => {
    if (!isPrivateAddress(address)) return false;
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const v4 = family === 'ipv6' ? mappedIpv4(address) : null;
    if (v4) return !allowed.check(v4, 'ipv4');
    return !allowed.check(address, family);
  };
}

export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATE';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a private or reserved address`);
  }
}

/** Name → every address it resolves to (dns.lookup with all: true, or a test's fake DNS). */
export type Resolve = (hostname: string, family: number, callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

export const systemResolve: Resolve = (hostname, family, callback) =>
  dns.lookup(hostname, { all: true, family }, (err, addresses) => callback(err, err ? [] : addresses));

/**
 * A dns.lookup replacement for undici's connector (it hands connect options
 * to net/tls.connect, which call this for every new socket). It checks every
 * address the name resolves to, so the check happens after DNS, at connect
 * time, on every hop: DNS rebinding and redirects to private hosts are
 * refused before a byte is sent. IP literals skip lookup in net.connect, so
 * the fetcher checks those itself.
 */
export function guardedLookup(refused: ((address: string) => boolean) | null, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options.family === 4 || options.family === 6 ? options.family : 0, (err, list) => {
      if (err) return callback(err, '', 0);
      const bad = refused ? list.find((a) => refused(a.address)) : undefined;
      if (bad) return callback(new PrivateAddressError(hostname, bad.address) as NodeJS.ErrnoException, '', 0);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, first.address, first.family);
    });
  };
}
