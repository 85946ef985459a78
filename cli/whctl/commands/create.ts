/** `whctl create -f`: create every object of the manifests; existing ones are errors. */
import type { Command } from '../command.js';
import { dryRunOf, parseFlags } from '../flags.js';
import { readManifests } from '../manifests.js';
import { placeObject } from '../namespaces.js';
import { formatError } from '../report-error.js';
import { objectLabel } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { dryRunSuffix, manifestFlags } from './apply.js';
import { clusterRoleGenerator } from './create/cluster-role.js';
import { configMapGenerator } from './create/config-map.js';
import { cronJobGenerator } from './create/cron-job.js';
import { deploymentGenerator } from './create/deployment.js';
import { generatorCommand } from './create/generator.js';
import { jobGenerator } from './create/job.js';
import { namespaceGenerator } from './create/namespace.js';
import { priorityClassGenerator } from './create/priority-class.js';
import { roleGenerator } from './create/role.js';
import { clusterRoleBindingGenerator, roleBindingGenerator } from './create/role-binding.js';
import { createSecretCommand } from './create/secret.js';
import { createServiceCommand } from './create/service.js';
import { serviceAccountGenerator } from './create/service-account.js';
import { createTokenCommand } from './create-token.js';

/** `whctl create <what> ...` forms besides `-f`, each a command of its own, by kubectl's names and aliases. */
const subcommands: Readonly<Record<string, Command>> = (() => {
  const deployment = generatorCommand(deploymentGenerator);
  const namespace = generatorCommand(namespaceGenerator);
  const configMap = generatorCommand(configMapGenerator);
  const serviceAccount = generatorCommand(serviceAccountGenerator);
  const cronJob = generatorCommand(cronJobGenerator);
  const priorityClass = generatorCommand(priorityClassGenerator);
  return {
    token: createTokenCommand,
    deployment,
    deploy: deployment,
    namespace,
    ns: namespace,
    configmap: configMap,
    cm: configMap,
    secret: createSecretCommand,
    service: createServiceCommand,
    svc: createServiceCommand,
    serviceaccount: serviceAccount,
    sa: serviceAccount,
    role: generatorCommand(roleGenerator),
    clusterrole: generatorCommand(clusterRoleGenerator),
    rolebinding: generatorCommand(roleBindingGenerator),
    clusterrolebinding: generatorCommand(clusterRoleBindingGenerator),
    job: generatorCommand(jobGenerator),
    cronjob: cronJob,
    cj: cronJob,
    priorityclass: priorityClass,
    pc: priorityClass,
  };
})();

export const createCommand: Command = {
  summary: 'Create resources from files or standard input',
  help: `Create resources from manifests; an object that already exists is an error (see apply).

Usage:
  whctl create -f FILENAME [-f FILENAME...] [flags]
  whctl create KIND NAME [flags]      an object built from flags, as kubectl's generators:
      deployment, namespace, configmap, secret (generic|tls|docker-registry),
      service (clusterip|nodeport|loadbalancer|externalname), serviceaccount, role,
      clusterrole, rolebinding, clusterrolebinding, job, cronjob, priorityclass
      ("whctl create KIND --help" for each one's flags)
  whctl create token SERVICE_ACCOUNT [-n NS] [--duration 1h] [--audience AUD]
                                      print a token of the ServiceAccount

Flags:
  -f, --filename PATH     file, folder (its .yaml/.yml/.json files) or - for standard input
  -R, --recursive         also read the sub-folders of folders given with -f
  -n, --namespace NS      namespace for objects that name none (default "default")
      --dry-run[=MODE]    server (default when given) or client
      --config FILE       client config file
`,
  helpFor(args) {
    const sub = args[0] === undefined ? undefined : subcommands[args[0]];
    return sub && (sub.helpFor?.(args.slice(1)) ?? sub.help);
  },
  async run(args, ctx) {
    const sub = args[0] === undefined ? undefined : subcommands[args[0]];
    if (sub) return sub.run(args.slice(1), ctx);
    const { values, positionals } = parseFlags(args, manifestFlags);
    if (positionals.length > 0) {
      throw new UsageError(`unexpected arguments: ${positionals.join(' ')} (only "create -f" is supported)`);
    }
    const dryRun = dryRunOf(values['dry-run']);
    const objects = await readManifests(values.filename ?? [], ctx.io, { recursive: values.recursive });
    const client = ctx.client(values.config);
    let failed = false;
    for (const { info, object } of objects) {
      try {
        placeObject(info, object, values.namespace);
        // With generateName the server picks the name: print the one it chose.
        const created =
          dryRun === 'client' ? object : await client.create(info, object, { dryRun: dryRun === 'server' });
        ctx.io.write(`${objectLabel(info, created.metadata?.name ?? '')} created${dryRunSuffix(dryRun)}\n`);
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
