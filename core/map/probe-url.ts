// crossdeploy's bake probe runs in a Lambda function attached to no VPC, which reaches the internet and
// nothing private (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html). A probe of a private
// address therefore fails on every bake in AWS, and every deployment rolls back: the map refuses it instead.
// The local runtime obeys the same rule, so a map that passes here passes in AWS.

/** Names that resolve only inside a network: RFC 6761 localhost, mDNS `.local`, RFC 8375 `home.arpa`, `.internal`. */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa'];

/**
 * An internal Application or Network Load Balancer's DNS name starts with `internal-`; it resolves publicly,
 * but to the private addresses of its nodes
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html).
 */
const INTERNAL_ELB = /^internal-[^.]+\.[a-z0-9-]+\.elb\.amazonaws\.com(?:\.cn)?$/;

/** IPv4 ranges that no Lambda outside a VPC reaches. */
const PRIVATE_V4: ReadonlyArray<readonly [string, number, string]> = [
  ['0.0.0.0', 8, '"this network" (RFC 1122)'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
];

/** Why the probe cannot reach `url` from outside a VPC; undefined when it is a public address or name. */
export function privateProbeReason(url: string): string | undefined {
  let host: string;
  try {
    // WHATWG URL parsing lowercases names and normalises IPv4 spellings (0x7f.1, 2130706433) to dotted quads.
    host = new URL(url).hostname.replace(/\.$/, '');
  } catch {
    return undefined; // not a URL at all: the schema says so
  }
  if (host.startsWith('[')) return privateV6Reason(host.slice(1, -1));
  const v4 = v4Reason(host);
  if (v4 !== undefined) return v4;
  if (INTERNAL_ELB.test(host)) return `${host} is an internal load balancer, which has private addresses only`;
  const suffix = PRIVATE_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix) return `${host} is a name that resolves only inside a private network (.${suffix})`;
  return undefined;
}

function v4Reason(host: string): string | undefined {
  const value = v4Value(host);
  if (value === undefined) return undefined;
  const range = PRIVATE_V4.find(([base, bits]) => sameNetwork(value, v4Value(base) as number, bits));
  return range && `${host} is a ${range[2]} address`;
}

function privateV6Reason(address: string): string | undefined {
  const lower = address.toLowerCase();
  if (lower === '::1') return `[${address}] is the loopback address`;
  if (lower === '::') return `[${address}] is the unspecified address`;
  // IPv4-mapped (::ffff:10.0.0.1, which URL parsing writes as ::ffff:a00:1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mapped) {
    const value = Number.parseInt(mapped[1] as string, 16) * 65536 + Number.parseInt(mapped[2] as string, 16);
    const dotted = [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
    return v4Reason(dotted) && `[${address}] maps ${v4Reason(dotted)}`;
  }
  const first = Number.parseInt(lower.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return `[${address}] is a unique local (private) IPv6 address`;
  if ((first & 0xffc0) === 0xfe80) return `[${address}] is a link-local IPv6 address`;
  return undefined;
}

function v4Value(host: string): number | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function sameNetwork(a: number, b: number, bits: number): boolean {
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** The map's message for a private probe: why it cannot work, and what to probe instead. */
export function privateProbeMessage(reason: string): string {
  return (
    `the probe cannot reach it: ${reason}, and crossdeploy probes from a Lambda function outside any VPC, ` +
    'so every bake would fail and roll back. Probe a public health endpoint of the service (for example ' +
    "through its internet-facing load balancer), or leave probe out and rely on the environment's alarms"
  );
}
