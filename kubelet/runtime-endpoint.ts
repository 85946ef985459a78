/**
 * `--container-runtime-endpoint`: empty for the embedded process runtime (its state under
 * `<root-dir>/runtime`), `unix:///…` for a CRI runtime such as containerd.
 */
import { join } from 'node:path';
import { createCriRuntime } from './runtime/cri/cri-runtime.js';
import { createProcessRuntime } from './runtime/process/process-runtime.js';
import type { ContainerRuntime } from './runtime/runtime.js';

export async function openRuntime(
  endpoint: string,
  opts: { rootDir: string; nodeIP: string },
): Promise<ContainerRuntime> {
  if (endpoint === '' || endpoint === 'process') {
    return createProcessRuntime({ root: join(opts.rootDir, 'runtime'), nodeIp: opts.nodeIP });
  }
  if (endpoint.startsWith('unix://')) {
    return createCriRuntime({ endpoint });
  }
  throw new Error(
    `--container-runtime-endpoint ${JSON.stringify(endpoint)} is not supported: use unix:///path/to/cri.sock, or leave it unset for the embedded process runtime`,
  );
}
