/**
 * Tests that need a program from the machine (kubectl of a given minor version, etcd,
 * containerd): skipped where it is missing on a developer's machine, a failure in CI,
 * where `.ci/run` installs everything and nothing may skip.
 */
import { existsSync } from 'node:fs';

/**
 * The `skip` option of a describe that needs every path in `paths`: false when all exist;
 * outside CI, a reason naming what is missing; in CI (CI=true), an error thrown at load,
 * which fails the file.
 */
export function skipUnlessInstalled(paths: readonly string[]): string | false {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return false;
  const reason = `missing ${missing.join(', ')}`;
  if (process.env.CI === 'true')
    throw new Error(`${reason}: CI must run this test, so .ci/run must install it`);
  return reason;
}
