import type { Backend, BackendOptions } from './types.js';

/** Opens a backend from the part of the URL after `scheme://`. */
export type DriverFactory = (location: string, options: BackendOptions) => Promise<Backend>;

const drivers = new Map<string, DriverFactory>();

/** Drivers call this when their module loads; see drivers/index.ts. */
export function registerDriver(scheme: string, factory: DriverFactory): void {
  if (drivers.has(scheme)) throw new Error(`store driver ${scheme}:// is registered twice`);
  drivers.set(scheme, factory);
}

/** Opens `level:///var/lib/wheelhouse/store`, `memory://`, … */
export async function openBackend(url: string, options: BackendOptions = {}): Promise<Backend> {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/.exec(url);
  if (!match) throw new Error(`store URL ${url} is not of the form scheme://location`);
  const factory = drivers.get(match[1]!);
  if (!factory) {
    throw new Error(`no store driver for ${match[1]}:// (known: ${[...drivers.keys()].join(', ')})`);
  }
  return factory(match[2]!, options);
}
