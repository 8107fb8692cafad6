// Whether Grafana Cloud's load zones can reach a target: loopback, private, link-local and
// shared (CGNAT) addresses, `.local`/`.localhost`/`.internal` names and single-label host names
// only resolve or route inside the user's own network.
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
PRIVATE.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network", 0.0.0.0
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('169.254.0.0', 16, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addAddress('::', 'ipv6');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6'); // unique local
PRIVATE.addSubnet('fe80::', 10, 'ipv6'); // link-local

/** Why a cloud load zone cannot reach `target`, or null when it looks public. */
export function unreachableFromCloud(target: string): string | null {
  let host: string;
  try {
    host = new URL(target).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return `'${target}' is not a URL`;
  }
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    if (mapped) return PRIVATE.check(mapped[1], 'ipv4') ? `${bare} is a loopback or private address` : null;
    // URL normalises IPv4-mapped addresses to hex groups (::ffff:7f00:1); check those as IPv6 too.
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(bare);
    if (hexMapped) {
      const n = (parseInt(hexMapped[1], 16) << 16) | parseInt(hexMapped[2], 16);
      const v4 = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
      return PRIVATE.check(v4, 'ipv4') ? `${bare} (${v4}) is a loopback or private address` : null;
    }
    return PRIVATE.check(bare, 'ipv6') ? `${bare} is a loopback, link-local or private address` : null;
  }
  if (family === 4) return PRIVATE.check(bare, 'ipv4') ? `${bare} is a loopback or private address` : null;
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this machine`;
  if (host.endsWith('.local') || host.endsWith('.internal') || host.endsWith('.lan') || host.endsWith('.home.arpa')) {
    return `${host} is a local-network name`;
  }
  if (!host.includes('.')) return `${host} is a single-label host name that only resolves inside your network`;
  return null;
}

/** True for localhost names and loopback addresses (in a pod, those are the pod itself). */
export function isLoopbackTarget(target: string): boolean {
  let host: string;
  try {
    host = new URL(target).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(bare) || bare === '::1' || /^::ffff:(127\.|7f)/.test(bare);
}
