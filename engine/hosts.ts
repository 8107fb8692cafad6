// k6's `hosts` option: names the transport connects to somewhere else, like /etc/hosts, while the
// request keeps its URL, Host header and TLS server name (grafana/k6 lib/types/hosts.go and
// lib/netext/dialer.go). Keys are a host, a host:port, or a wildcard ("*.example.com"); values an
// IP address, optionally with a port. "host:port" wins over "host"; of the wildcards, the longest.
import { isIP } from 'node:net';
import { OptionsError } from './scenario.ts';

export interface HostTarget {
  ip: string;
  /** null: the request's own port. */
  port: number | null;
}

// k6's validHostPattern.
const KEY = /^(\*\.?)?((([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))?(:[0-9]{1,5})?$/;

export class HostsMap {
  private readonly exact = new Map<string, HostTarget>();
  /** Wildcard keys without their "*", longest first. */
  private readonly wildcards: Array<[string, HostTarget]> = [];

  constructor(source: Record<string, unknown>) {
    for (const [rawKey, value] of Object.entries(source)) {
      const key = rawKey.toLowerCase();
      if (!KEY.test(key)) throw new OptionsError(`hosts: invalid host pattern '${rawKey}'`);
      const target = parseTarget(value);
      if (target === null) throw new OptionsError(`hosts['${rawKey}']: expected an IP address or IP:port, got ${JSON.stringify(value)}`);
      if (key.startsWith('*')) this.wildcards.push([key.slice(1), target]);
      else this.exact.set(key, target);
    }
    this.wildcards.sort((a, b) => b[0].length - a[0].length);
  }

  /** Where to connect for `hostname`:`port`, or null to resolve it as usual. */
  match(hostname: string, port: string): HostTarget | null {
    const host = hostname.toLowerCase();
    const withPort = this.find(`${host}:${port}`);
    if (withPort !== null) return withPort;
    return this.find(host);
  }

  private find(name: string): HostTarget | null {
    const hit = this.exact.get(name);
    if (hit !== undefined) return hit;
    for (const [suffix, target] of this.wildcards) if (name.endsWith(suffix) && name.length > suffix.length) return target;
    return null;
  }
}

function parseTarget(value: unknown): HostTarget | null {
  if (typeof value !== 'string') return null;
  if (isIP(value) !== 0) return { ip: value, port: null };
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:]+):(\d{1,5})$/.exec(value);
  if (m === null || isIP(m[1]) === 0) return null;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { ip: m[1], port } : null;
}

/** options.hosts as a map (null when absent or empty). */
export function hostsOption(value: unknown): HostsMap | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new OptionsError('hosts: expected an object of host names to IP addresses');
  return Object.keys(value).length === 0 ? null : new HostsMap(value as Record<string, unknown>);
}
