/**
 * How the process runtime reads an image reference: the image names an
 * executable on the node's PATH. `docker.io/library/busybox:1.36`,
 * `busybox@sha256:…` and `busybox` all name `busybox`: the registry (a first
 * component with a dot or a port, or `localhost`), the repository path, the tag
 * and the digest are dropped.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export function executableName(image: string): string {
  let ref = image.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const parts = ref.split('/');
  let last = parts[parts.length - 1] ?? '';
  const colon = last.indexOf(':');
  if (colon >= 0) last = last.slice(0, colon);
  return last;
}

/** The absolute path `name` resolves to on `path` (a PATH string), or undefined. */
export function resolveExecutable(name: string, path: string): string | undefined {
  if (name === '') return undefined;
  if (isAbsolute(name)) return isExecutableFile(name) ? name : undefined;
  if (name.includes('/')) return undefined;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
