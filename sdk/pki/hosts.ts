import { isIP } from 'node:net';
import { canonicalIp } from './ip.js';

/** Sorts host names and IP addresses into the two kinds of subject alternative name, without repeats. */
export function splitHosts(hosts: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = new Set<string>();
  const ipAddresses = new Set<string>();
  for (const raw of hosts) {
    const host = raw.trim().replace(/^\[(.*)\]$/, '$1'); // [::1] as written in URLs
    if (host === '') continue;
    if (isIP(host)) ipAddresses.add(canonicalIp(host));
    else dnsNames.add(host.toLowerCase());
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}
