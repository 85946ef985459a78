/**
 * `whctl diff -f`: what `whctl apply -f` would change. Each object's apply is
 * run by the server as a dry run (the same three-way patch, or a dry-run create
 * for an object that does not exist), so defaulting, admission and validation
 * show in the result. The live and the resulting objects are written as YAML
 * into two folders and compared by `diff -u -N`, or by the program in
 * KUBECTL_EXTERNAL_DIFF, as kubectl does. Exit code: 0 no differences, 1
 * differences, more than 1 an error.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo } from '../../../sdk/kinds.js';
import { decodeObject, type Json, type JsonObject } from '../../../sdk/manifest/decode.js';
import { encodeObject } from '../../../sdk/manifest/encode.js';
import type { Command } from '../command.js';
import type { CommandIo } from '../context.js';
import { commonFlags, parseFlags } from '../flags.js';
import { LAST_APPLIED_ANNOTATION } from '../last-applied.js';
import { readManifests } from '../manifests.js';
import { placeObject } from '../namespaces.js';
import { formatError } from '../report-error.js';
import { UsageError } from '../usage-error.js';
import { appliedManifest, identity, isEmptyPatch, planApply } from './apply.js';

const flags = {
  ...commonFlags,
  filename: { type: 'string', short: 'f', multiple: true },
  recursive: { type: 'boolean', short: 'R' },
} as const;

/** Exit code for a failure of whctl itself, above diff's 0 and 1. */
const FAILED = 2;

export const diffCommand: Command = {
  summary: 'Diff the live objects against what apply would make of them',
  help: `Show the differences between the live objects and what "whctl apply" of the manifests
would make of them, as the server computes it (a dry run: nothing is changed).

The output is that of "diff -u -N LIVE MERGED" over two folders of YAML files, one per
object; set KUBECTL_EXTERNAL_DIFF to use another program (given the two folders).

Exit status: 0 no differences, 1 differences found, >1 whctl or diff failed.

Usage:
  whctl diff -f FILENAME [flags]

Flags:
  -f, --filename PATH     file, folder (its .yaml/.yml/.json files) or - for standard input
  -R, --recursive         also read the sub-folders of folders given with -f
  -n, --namespace NS      namespace for objects that name none (default "default")
      --config FILE       client config file
`,
  async run(args, ctx) {
    let live: string | undefined;
    let merged: string | undefined;
    try {
      const { values, positionals } = parseFlags(args, flags);
      if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
      const objects = await readManifests(values.filename ?? [], ctx.io, { recursive: values.recursive });
      const client = ctx.client(values.config);
      live = mkdtempSync(join(tmpdir(), 'LIVE-'));
      merged = mkdtempSync(join(tmpdir(), 'MERGED-'));
      let failed = false;
      for (const parsed of objects) {
        try {
          const { info } = parsed;
          placeObject(info, parsed.object, values.namespace);
          const { namespace, name } = identity(parsed);
          const modified = appliedManifest(parsed);
          const plan = await planApply(client, info, namespace, name, modified);
          let result: KindObject;
          if (plan.live === undefined) {
            result = await client.create(info, decodeObject(info, modified), { dryRun: true });
          } else if (isEmptyPatch(plan.patch)) {
            result = plan.live;
          } else {
            result = await client.patch(
              info,
              namespace,
              name,
              PatchType.PATCH_TYPE_STRATEGIC_MERGE,
              plan.patch,
              {
                dryRun: true,
              },
            );
          }
          const before = plan.live === undefined ? undefined : comparable(info, plan.live);
          const after = comparable(info, result);
          if (info.kind === 'Secret') maskSecrets(before, after);
          const file = fileName(info, namespace, name);
          if (before !== undefined) writeFileSync(join(live, file), stringify(before, { lineWidth: 0 }));
          writeFileSync(join(merged, file), stringify(after, { lineWidth: 0 }));
        } catch (err) {
          ctx.io.writeError(formatError(err));
          failed = true;
        }
      }
      const code = await runDiff(ctx.io, live, merged);
      return failed ? Math.max(code, FAILED) : code;
    } catch (err) {
      ctx.io.writeError(formatError(err));
      if (err instanceof UsageError) ctx.io.writeError(`See 'whctl diff --help' for usage.\n`);
      return FAILED;
    } finally {
      for (const dir of [live, merged]) if (dir) rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** kubectl's file name for an object: `[group.]version.Kind.namespace.name`. */
function fileName(info: KindInfo, namespace: string, name: string): string {
  return `${apiVersionOf(info).replace('/', '.')}.${info.kind}.${namespace}.${name}`;
}

/** The object as compared: its manifest form without managedFields, as kubectl strips them. */
function comparable(info: KindInfo, object: KindObject): JsonObject {
  const json = encodeObject(info, object);
  const metadata = json.metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata))
    delete metadata.managedFields;
  return json;
}

/**
 * Secret values never reach the terminal: each becomes `***`, with `(before)` and
 * `(after)` when it changed, so that the diff still says which keys change. The
 * last-applied record holds the values too, and is masked the same way.
 */
function maskSecrets(before: JsonObject | undefined, after: JsonObject): void {
  const annotations = (object: JsonObject | undefined) => {
    const metadata = object?.metadata;
    return isRecord(metadata) && isRecord(metadata.annotations) ? metadata.annotations : {};
  };
  const maps: [Json | undefined, Json | undefined, string[] | undefined][] = [
    [before?.data, after.data, undefined],
    [before?.stringData, after.stringData, undefined],
    [annotations(before), annotations(after), [LAST_APPLIED_ANNOTATION]],
  ];
  for (const [old, now, only] of maps) {
    const oldMap = isRecord(old) ? old : {};
    const newMap = isRecord(now) ? now : {};
    for (const key of only ?? new Set([...Object.keys(oldMap), ...Object.keys(newMap)])) {
      const changed = key in oldMap && key in newMap && oldMap[key] !== newMap[key];
      if (key in oldMap) oldMap[key] = changed ? '*** (before)' : '***';
      if (key in newMap) newMap[key] = changed ? '*** (after)' : '***';
    }
  }
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Runs the diff program over the two folders and passes its output through;
 * resolves to its exit code (FAILED when it cannot be run or is killed).
 */
function runDiff(io: CommandIo, live: string, merged: string): Promise<number> {
  const external = io.env.KUBECTL_EXTERNAL_DIFF?.trim();
  const [command, ...args] = external ? external.split(/\s+/) : ['diff', '-u', '-N'];
  return new Promise((resolve) => {
    const child = spawn(command as string, [...args, live, merged], {
      env: { PATH: process.env.PATH, ...io.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: io.signal,
    });
    child.stdout.on('data', (chunk: Buffer) => io.write(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => io.writeError(chunk.toString()));
    child.once('error', (err) => {
      io.writeError(
        `error: cannot run the diff program "${command}": ${err.message} (set KUBECTL_EXTERNAL_DIFF)\n`,
      );
      resolve(FAILED);
    });
    child.once('close', (code) => resolve(code ?? FAILED));
  });
}
