/**
 * What the controller manager knows of a controller: its name for `--controllers`,
 * whether it runs by default, its own flags, and how to start it. Each controller is
 * a folder that exports one descriptor; `controllers.ts` lists them.
 */
import type { ComponentContext, FlagSpec } from '../sdk/component/index.js';
import { serviceAccountClients } from './service-account-credentials.js';

export interface ControllerDescriptor {
  /** As kube-controller-manager names it: `deployment`, `replicaset`, `garbage-collector`, ... */
  readonly name: string;
  /** Started unless `--controllers` leaves it out (`*` = every default one, `-name` disables). */
  readonly enabledByDefault: boolean;
  /**
   * The source its Events name (`From` in `describe`), as Kubernetes names it:
   * `deployment-controller`, `node-controller`, ... (default: the controller manager's).
   */
  readonly eventSource?: string;
  /**
   * The ServiceAccount in kube-system it runs as under `--use-service-account-credentials`,
   * as Kubernetes names it (`replicaset-controller`, `generic-garbage-collector`, ...);
   * its role is `system:controller:<name>`.
   */
  readonly serviceAccount: string;
  /** Flags this controller adds to the controller manager (`concurrent-deployment-syncs`, ...). */
  readonly flags?: Readonly<Record<string, FlagSpec>>;
  /**
   * Builds its informers and work queue from the context and runs until `ctx.signal`
   * aborts. Informers come from the shared `ctx.informers`, so controllers that watch
   * the same kind share one watch.
   */
  run(ctx: ComponentContext): Promise<void>;
}

/**
 * The context a controller runs with: the manager's, its Events under its own source, and
 * with `serviceAccountCredentials` clients acting as its own ServiceAccount (resolves once
 * it has a token).
 */
export async function controllerContext(
  c: ControllerDescriptor,
  ctx: ComponentContext,
  opts: { readonly serviceAccountCredentials?: boolean } = {},
): Promise<ComponentContext> {
  const own = c.eventSource === undefined ? ctx : { ...ctx, events: ctx.events.withComponent(c.eventSource) };
  if (!opts.serviceAccountCredentials) return own;
  return { ...own, clients: await serviceAccountClients(ctx, c.serviceAccount) };
}
