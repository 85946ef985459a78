/**
 * `whctl scale --replicas N TYPE NAME`: sets a workload's desired replicas through
 * its scale subresource (`Get<Kind>Scale`/`Update<Kind>Scale`), so that only the
 * replica count is written, or through spec.replicas for kinds without one.
 * `--current-replicas` and `--resource-version` are preconditions checked against what
 * the server holds.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { Code, isApiError } from '../../../sdk/errors.js';
import type { Scale } from '../../../sdk/gen/wheelhouse/apps/v1/scale.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { Command } from '../command.js';
import { commonFlags, parseFlags } from '../flags.js';
import { readManifests } from '../manifests.js';
import { DEFAULT_NAMESPACE, placeObject } from '../namespaces.js';
import { formatError } from '../report-error.js';
import { objectLabel, parseResourceArgs } from '../resources.js';
import { UsageError } from '../usage-error.js';

const flags = {
  ...commonFlags,
  replicas: { type: 'string' },
  'current-replicas': { type: 'string' },
  'resource-version': { type: 'string' },
  filename: { type: 'string', short: 'f', multiple: true },
} as const;

interface Target {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
}

/** How many times a precondition is checked again after someone else wrote in between. */
const MAX_SCALE_RETRIES = 5;

/** A kind without a scale subresource, scaled through its spec. */
type Replicated = KindObject & { spec?: { replicas?: number } };

function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new UsageError(`--${flag} must be a whole number, not ${JSON.stringify(value)}`);
  }
  return n;
}

function checkPrecondition(expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) {
    throw new Error(`Expected replicas to be ${expected}, was ${actual}`);
  }
}

/** What the command asks for: the new size, and the preconditions on the object as it is. */
interface ScaleRequest {
  readonly replicas: number;
  /** `--current-replicas`: the size the object must have now. */
  readonly current: number | undefined;
  /** `--resource-version`: the revision the object must be at now. */
  readonly resourceVersion: string | undefined;
}

/**
 * Through the scale subresource: read the scale, check the preconditions, write it back
 * with the resourceVersion read; a conflict means someone wrote in between, so read and
 * check again, unless --resource-version pinned the revision.
 */
async function scaleSubresource(client: ApiClient, target: Target, request: ScaleRequest): Promise<void> {
  const { info, namespace, name } = target;
  for (let attempt = 0; ; attempt++) {
    const { scale } = (await client.call(info, `get${info.kind}Scale`, { namespace, name })) as {
      scale?: Scale;
    };
    if (!scale?.spec) throw new Error(`the server answered without the scale of ${objectLabel(info, name)}`);
    checkPrecondition(request.current, scale.spec.replicas);
    scale.spec.replicas = request.replicas;
    if (request.resourceVersion !== undefined && scale.metadata) {
      scale.metadata.resourceVersion = request.resourceVersion;
    }
    try {
      await client.call(info, `update${info.kind}Scale`, { scale });
      return;
    } catch (err) {
      const retry = request.resourceVersion === undefined && attempt < MAX_SCALE_RETRIES;
      if (!isApiError(err, Code.ABORTED) || !retry) throw err;
    }
  }
}

/**
 * Through spec.replicas, for kinds without a scale subresource: a merge patch of the
 * replica count. With --current-replicas the patch carries the resourceVersion the check
 * was made against, so the server refuses it if the object changed since (then read and
 * check again); --resource-version is sent as given and not retried.
 */
async function scaleSpec(client: ApiClient, target: Target, request: ScaleRequest): Promise<void> {
  const { info, namespace, name } = target;
  for (let attempt = 0; ; attempt++) {
    let resourceVersion = request.resourceVersion;
    if (request.current !== undefined || attempt === 0) {
      const object = (await client.get(info, namespace, name)) as Replicated;
      if (!object.spec || !('replicas' in object.spec)) {
        throw new Error(`${objectLabel(info, name)} has no replicas to scale`);
      }
      checkPrecondition(request.current, object.spec.replicas ?? 1);
      if (request.current !== undefined) resourceVersion ??= object.metadata?.resourceVersion;
    }
    const patch = {
      ...(resourceVersion !== undefined ? { metadata: { resourceVersion } } : {}),
      spec: { replicas: request.replicas },
    };
    try {
      await client.patch(info, namespace, name, PatchType.PATCH_TYPE_MERGE, patch);
      return;
    } catch (err) {
      const retry = request.resourceVersion === undefined && attempt < MAX_SCALE_RETRIES;
      if (!isApiError(err, Code.ABORTED) || !retry) throw err;
    }
  }
}

export const scaleCommand: Command = {
  summary: 'Set a new size for a deployment, replica set or stateful set',
  help: `Set a new size for a deployment, replica set or stateful set.

Usage:
  whctl scale --replicas=COUNT TYPE NAME [NAME...] [flags]
  whctl scale --replicas=COUNT TYPE/NAME [TYPE/NAME...] [flags]
  whctl scale --replicas=COUNT -f FILENAME [flags]

Flags:
      --replicas COUNT          the new desired number of replicas (required)
      --current-replicas COUNT  precondition: scale only if the current size is this
      --resource-version RV     precondition: scale only if the object is still at this resourceVersion
  -f, --filename PATH           scale the objects of these manifests
  -n, --namespace NS            namespace (default "default")
      --config FILE             client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const replicas = count('replicas', values.replicas);
    if (replicas === undefined) throw new UsageError('required flag(s) "replicas" not set');
    if (replicas < 0) throw new UsageError('The --replicas=COUNT flag is required, and COUNT must be >= 0');
    const current = count('current-replicas', values['current-replicas']);
    const request: ScaleRequest = { replicas, current, resourceVersion: values['resource-version'] };

    const targets: Target[] = [];
    if (values.filename) {
      if (positionals.length > 0) throw new UsageError('give either -f or resource names, not both');
      for (const { info, object } of await readManifests(values.filename, ctx.io)) {
        const namespace = placeObject(info, object, values.namespace);
        targets.push({ info, namespace, name: object.metadata?.name ?? '' });
      }
    } else {
      const namespace = values.namespace ?? DEFAULT_NAMESPACE;
      for (const request of parseResourceArgs(positionals)) {
        if (request.names.length === 0) {
          throw new UsageError('resource(s) were provided, but no name was specified');
        }
        for (const name of request.names) {
          targets.push({ info: request.info, namespace: request.info.namespaced ? namespace : '', name });
        }
      }
    }

    const client = ctx.client(values.config);
    let failed = false;
    for (const target of targets) {
      try {
        if (target.info.scale) await scaleSubresource(client, target, request);
        else await scaleSpec(client, target, request);
        ctx.io.write(`${objectLabel(target.info, target.name)} scaled\n`);
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
