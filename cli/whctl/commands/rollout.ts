/**
 * `whctl rollout status|history|undo|pause|resume|restart deployment/NAME`, as kubectl's:
 * status follows the Deployment until its rollout completes (or its progress deadline
 * passes); undo copies an earlier revision's pod template back into the Deployment,
 * which the Deployment controller then rolls out as the newest revision. pause, resume,
 * restart and undo send patches of only what they change, as kubectl does.
 */
import { stringify } from 'yaml';
import { typedClient } from '../../../sdk/client/typed-client.js';
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { PodTemplateSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Json } from '../../../sdk/manifest/decode.js';
import { encodeObject } from '../../../sdk/manifest/encode.js';
import type { Command } from '../command.js';
import { commonFlags, parseFlags } from '../flags.js';
import { DEFAULT_NAMESPACE } from '../namespaces.js';
import { resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';

const flags = {
  ...commonFlags,
  'to-revision': { type: 'string' },
  revision: { type: 'string' },
  watch: { type: 'string', short: 'w' },
  timeout: { type: 'string' },
} as const;

const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';
const HASH_LABEL = 'pod-template-hash';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

const subcommands = ['status', 'history', 'undo', 'pause', 'resume', 'restart'] as const;
type Subcommand = (typeof subcommands)[number];

/** `deployment/NAME` or `deployment NAME`: the name, refusing other kinds. */
function deploymentName(args: readonly string[]): string {
  const [first, second] = args;
  if (first === undefined) throw new UsageError('give the deployment: deployment/NAME');
  const [type, name] = first.includes('/') ? first.split('/', 2) : [first, second];
  if (resolveKind(type ?? '').kind !== 'Deployment') {
    throw new UsageError(`rollout works on deployments, not "${type}"`);
  }
  if (!name) throw new UsageError('give the deployment name: deployment/NAME');
  return name;
}

const revisionOf = (rs: ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? '0');

function templateKey(t: PodTemplateSpec | undefined): string {
  const copy = PodTemplateSpec.fromPartial(structuredClone(t ?? {}));
  if (copy.metadata) delete copy.metadata.labels[HASH_LABEL];
  return JSON.stringify(PodTemplateSpec.toJSON(copy));
}

/** What `rollout status` says of a Deployment, and whether it is finished (kubectl's DeploymentStatusViewer). */
export function rolloutStatus(d: Deployment): { message: string; done: boolean; failed: boolean } {
  const name = d.metadata?.name ?? '';
  const s = d.status;
  if (!s || BigInt(d.metadata?.generation ?? '0') > BigInt(s.observedGeneration)) {
    return { message: 'Waiting for deployment spec update to be observed...', done: false, failed: false };
  }
  const progressing = s.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { message: `deployment "${name}" exceeded its progress deadline`, done: false, failed: true };
  }
  const want = d.spec?.replicas ?? 1;
  if (s.updatedReplicas < want) {
    return {
      message: `Waiting for deployment "${name}" rollout to finish: ${s.updatedReplicas} out of ${want} new replicas have been updated...`,
      done: false,
      failed: false,
    };
  }
  if (s.replicas > s.updatedReplicas) {
    return {
      message: `Waiting for deployment "${name}" rollout to finish: ${s.replicas - s.updatedReplicas} old replicas are pending termination...`,
      done: false,
      failed: false,
    };
  }
  if (s.availableReplicas < s.updatedReplicas) {
    return {
      message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas} of ${s.updatedReplicas} updated replicas are available...`,
      done: false,
      failed: false,
    };
  }
  return { message: `deployment "${name}" successfully rolled out`, done: true, failed: false };
}

export const rolloutCommand: Command = {
  summary: 'Manage the rollout of a deployment (status, history, undo, pause, resume, restart)',
  help: `Manage the rollout of a deployment.

Usage:
  whctl rollout status deployment/NAME [--watch=false] [--timeout=DURATION]
  whctl rollout history deployment/NAME [--revision=N]
  whctl rollout undo deployment/NAME [--to-revision=N]
  whctl rollout pause deployment/NAME
  whctl rollout resume deployment/NAME
  whctl rollout restart deployment/NAME

Flags:
  -n, --namespace NS       namespace (default "default")
      --to-revision N      undo: the revision to go back to (default: the one before the current)
      --revision N         history: show the pod template of this revision
  -w, --watch BOOL         status: follow the rollout until it ends (default true)
      --timeout SECONDS    status: give up after this long (default: never)
      --config FILE        client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const [sub, ...rest] = positionals;
    if (!subcommands.includes(sub as Subcommand)) {
      throw new UsageError(`give one of ${subcommands.join(', ')}`);
    }
    const name = deploymentName(rest);
    const namespace = values.namespace ?? DEFAULT_NAMESPACE;
    const api = ctx.client(values.config);
    const deployments = typedClient<Deployment>(api, 'Deployment');
    const replicaSets = typedClient<ReplicaSet>(api, 'ReplicaSet');
    const label = `deployment.apps/${name}`;
    const info = resolveKind('deployments');
    /** Changes only what the subcommand is about, so that nobody else's concurrent change is lost. */
    const patch = (type: PatchType, document: object) => api.patch(info, namespace, name, type, document);
    const owned = async (d: Deployment) =>
      (await replicaSets.list(namespace)).items
        .filter((rs) => rs.metadata?.ownerReferences.some((r) => r.controller && r.uid === d.metadata?.uid))
        .sort((a, b) => revisionOf(a) - revisionOf(b));

    switch (sub as Subcommand) {
      case 'pause':
      case 'resume': {
        const d = await deployments.get(namespace, name);
        const paused = sub === 'pause';
        if (d.spec && (d.spec.paused ?? false) === paused) {
          ctx.io.write(`${label} already ${paused ? 'paused' : 'resumed'}\n`);
          return 0;
        }
        await patch(PatchType.PATCH_TYPE_STRATEGIC_MERGE, { spec: { paused } });
        ctx.io.write(`${label} ${paused ? 'paused' : 'resumed'}\n`);
        return 0;
      }
      case 'restart': {
        const d = await deployments.get(namespace, name);
        if (d.spec?.paused) throw new Error(`can't restart paused deployment (run rollout resume first)`);
        if (!d.spec?.template) throw new Error(`deployment "${name}" has no pod template`);
        const annotations = { [RESTARTED_AT]: ctx.io.now().toISOString() };
        await patch(PatchType.PATCH_TYPE_STRATEGIC_MERGE, {
          spec: { template: { metadata: { annotations } } },
        });
        ctx.io.write(`${label} restarted\n`);
        return 0;
      }
      case 'history': {
        const d = await deployments.get(namespace, name);
        const rss = await owned(d);
        if (values.revision !== undefined) {
          const rs = rss.find((r) => String(revisionOf(r)) === values.revision);
          if (!rs) throw new Error(`unable to find the specified revision ${values.revision}`);
          ctx.io.write(
            `${label} with revision #${values.revision}\nPod Template:\n${stringify(PodTemplateSpec.toJSON(rs.spec?.template ?? PodTemplateSpec.fromPartial({})))}`,
          );
          return 0;
        }
        const lines = rss.map(
          (rs) =>
            `${String(revisionOf(rs)).padEnd(9)} ${rs.metadata?.annotations?.[CHANGE_CAUSE] ?? '<none>'}`,
        );
        ctx.io.write(`${label}\nREVISION  CHANGE-CAUSE\n${lines.join('\n')}${lines.length ? '\n' : ''}`);
        return 0;
      }
      case 'undo': {
        const d = await deployments.get(namespace, name);
        if (d.spec?.paused) {
          throw new Error(
            `you cannot rollback a paused deployment; resume it first with 'whctl rollout resume ${label}' and try again`,
          );
        }
        const rss = await owned(d);
        const current = Number(d.metadata?.annotations?.[REVISION] ?? '0');
        const wanted = values['to-revision'] === undefined ? 0 : Number(values['to-revision']);
        if (!Number.isInteger(wanted) || wanted < 0)
          throw new UsageError('--to-revision must be a revision number');
        const target =
          wanted === 0
            ? rss.filter((rs) => revisionOf(rs) !== current).at(-1)
            : rss.find((rs) => revisionOf(rs) === wanted);
        if (!target) {
          throw new Error(
            wanted === 0
              ? 'no rollout history found for this deployment'
              : `unable to find the specified revision ${wanted}`,
          );
        }
        if (templateKey(target.spec?.template) === templateKey(d.spec?.template)) {
          ctx.io.write(
            `${label} skipped rollback (current template already matches revision ${revisionOf(target)})\n`,
          );
          return 0;
        }
        const template = structuredClone(target.spec?.template);
        if (template?.metadata) delete template.metadata.labels[HASH_LABEL];
        if (d.spec && template) d.spec.template = template;
        // The whole template is replaced, as kubectl's JSON patch does: merging would keep
        // containers and fields that the earlier revision did not have.
        const manifest = encodeObject(info, d) as { spec?: { template?: Json } };
        const value = manifest.spec?.template ?? {};
        await patch(PatchType.PATCH_TYPE_JSON, [{ op: 'replace', path: '/spec/template', value }]);
        ctx.io.write(`${label} rolled back\n`);
        return 0;
      }
      case 'status': {
        const watch = values.watch === undefined || values.watch === 'true';
        const timeoutMs = values.timeout === undefined ? 0 : Number.parseFloat(values.timeout) * 1000;
        const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
        let last = '';
        for (;;) {
          const view = rolloutStatus(await deployments.get(namespace, name));
          if (view.message !== last) ctx.io.write(`${view.message}\n`);
          last = view.message;
          if (view.failed) throw new Error(view.message);
          if (view.done || !watch) return 0;
          if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
          if (ctx.io.signal.aborted) return 1;
          // Wait for the next change of the Deployment (or a second, whichever first).
          const wait = new AbortController();
          const stop = () => wait.abort();
          ctx.io.signal.addEventListener('abort', stop, { once: true });
          const timer = setTimeout(stop, 1000);
          try {
            for await (const _event of deployments.watch(
              namespace,
              { fieldSelector: `metadata.name=${name}`, resourceVersion: '' },
              wait.signal,
            )) {
              break;
            }
          } catch {
            // Timed out or interrupted: look again.
          } finally {
            clearTimeout(timer);
            ctx.io.signal.removeEventListener('abort', stop);
            wait.abort();
          }
        }
      }
    }
    return 1;
  },
};
