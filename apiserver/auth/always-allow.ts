/** `--authorization-mode=AlwaysAllow`: every authenticated request is allowed. For tests and local play only. */
import type { Authorizer } from './types.js';

export const alwaysAllow: Authorizer = {
  authorize: () => ({ allowed: true, reason: 'authorization mode AlwaysAllow' }),
};
