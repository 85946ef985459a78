/**
 * `whctl edit`: opens the live objects in an editor ($KUBE_EDITOR, $EDITOR, else
 * vi) as YAML (or JSON) under kubectl's comment header and, once the file is
 * saved, sends each object's change as a strategic merge patch computed two
 * ways (as read → as edited), so that only what the user changed is written.
 *
 * A save the server refuses re-opens the file with the reasons as comments at
 * the top and the edits kept; saving it again unchanged gives up, leaving the
 * edits in the temporary file for later (exit 1). A file saved as it was opened
 * changes nothing ("Edit cancelled, no changes made.").
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { ApiError, Code } from '../../../sdk/errors.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { JsonObject } from '../../../sdk/manifest/decode.js';
import { encodeObject } from '../../../sdk/manifest/encode.js';
import { ManifestError } from '../../../sdk/manifest/manifest-error.js';
import { loadManifests } from '../../../sdk/manifest/parse.js';
import { createTwoWayMergePatch } from '../../../sdk/patch/three-way.js';
import type { Command } from '../command.js';
import type { CommandIo } from '../context.js';
import { commonFlags, parseFlags } from '../flags.js';
import { hasLastApplied, withoutLastApplied, withRecord } from '../last-applied.js';
import { readManifests } from '../manifests.js';
import { DEFAULT_NAMESPACE, placeObject } from '../namespaces.js';
import { objectLabel, parseResourceArgs } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { SERVER_METADATA } from './apply.js';

const flags = {
  ...commonFlags,
  filename: { type: 'string', short: 'f', multiple: true },
  recursive: { type: 'boolean', short: 'R' },
  output: { type: 'string', short: 'o' },
} as const;

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

interface Target {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
}

/** An object being edited: as read (manifest form), to patch from. */
interface Edited {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
  readonly original: JsonObject;
}

/** Why a save failed, as the comment block of the re-opened file shows it. */
interface Reason {
  readonly head: string;
  readonly details: readonly string[];
}

export const editCommand: Command = {
  summary: 'Edit a resource on the server in an editor',
  help: `Edit resources in an editor: $KUBE_EDITOR, else $EDITOR, else vi.

The objects open as YAML (or JSON with -o json). When the file is saved and the editor
exits, the changes are sent as a patch; an object changed by someone else meanwhile keeps
their changes. If the server refuses a change the file opens again with the reasons at
the top; save it unchanged to give up (a copy of the edits is kept).

Usage:
  whctl edit TYPE/NAME [flags]
  whctl edit TYPE NAME [NAME...] [flags]
  whctl edit -f FILENAME [flags]

Flags:
  -f, --filename PATH     edit the objects these manifests name
  -R, --recursive         also read the sub-folders of folders given with -f
  -o, --output FORMAT     yaml (default) or json: the format to edit in
  -n, --namespace NS      namespace (default "default")
      --config FILE       client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const format = values.output ?? 'yaml';
    if (format !== 'yaml' && format !== 'json') {
      throw new UsageError(`-o must be "yaml" or "json" to edit in, not ${JSON.stringify(format)}`);
    }
    const targets = await targetsOf(ctx.io, values, positionals);
    const client = ctx.client(values.config);
    let editing: Edited[] = [];
    for (const target of targets) {
      const live = await client.get(target.info, target.namespace, target.name);
      editing.push({ ...target, original: encodeObject(target.info, live) });
    }
    const file = join(
      ctx.io.env.TMPDIR || tmpdir(),
      `whctl-edit-${randomBytes(6).toString('hex')}.${format}`,
    );
    const preserved = (message: string): number => {
      ctx.io.writeError(`A copy of your changes has been stored to "${file}"\n`);
      ctx.io.writeError(`error: ${message}\n`);
      return 1;
    };

    let body = render(editing, format);
    const opened = stripComments(body);
    let reasons: Reason[] = [];
    let failedSave: string | undefined;
    for (;;) {
      writeFileSync(file, `${HEADER}${reasons.map(renderReason).join('')}${body}`);
      const problem = await runEditor(ctx.io, file);
      if (problem) return preserved(problem);
      const saved = stripComments(readFileSync(file, 'utf8'));
      if (failedSave !== undefined && saved === failedSave) {
        return preserved('Edit cancelled, no valid changes were saved.');
      }
      if (saved === opened) {
        rmSync(file, { force: true });
        ctx.io.writeError('Edit cancelled, no changes made.\n');
        return 0;
      }
      if (saved.trim() === '') {
        rmSync(file, { force: true });
        ctx.io.writeError('Edit cancelled, saved file was empty.\n');
        return 0;
      }
      failedSave = saved;
      body = saved;

      let changed: { edited: Edited; to: JsonObject }[];
      try {
        changed = await pairEdits(editing, saved, file);
      } catch (err) {
        if (!(err instanceof ManifestError)) return preserved((err as Error).message);
        reasons = [{ head: `The edited file had a syntax error: ${err.message}`, details: [] }];
        continue;
      }

      reasons = [];
      const again: Edited[] = [];
      let retryable = false;
      for (const { edited, to } of changed) {
        const label = objectLabel(edited.info, edited.name);
        const outcome = await patchEdit(client, edited, to);
        if (outcome === 'skipped' || outcome === 'edited') {
          ctx.io.write(`${label} ${outcome}\n`);
          continue;
        }
        const resource = `${edited.info.resource}${edited.info.apiGroup ? `.${edited.info.apiGroup}` : ''}`;
        if (outcome.code === Code.INVALID_ARGUMENT) {
          ctx.io.writeError(`error: ${resource} "${edited.name}" is invalid\n`);
          reasons.push({
            head: `${resource} "${edited.name}" was not valid`,
            details: outcome.causes.length
              ? outcome.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message))
              : [outcome.message],
          });
          again.push(edited);
        } else if (outcome.code === Code.NOT_FOUND) {
          ctx.io.writeError(`error: ${resource} "${edited.name}" could not be found on the server\n`);
          ctx.io.writeError(`The edits you made on deleted resources have been saved to "${file}"\n`);
          return 1;
        } else {
          ctx.io.writeError(`error: ${resource} "${edited.name}" could not be patched: ${outcome.message}\n`);
          retryable = true;
        }
      }
      if (retryable) {
        ctx.io.writeError(`You can run \`whctl replace -f ${file}\` to try this update again.\n`);
        return 1;
      }
      if (again.length === 0) {
        rmSync(file, { force: true });
        return 0;
      }
      // Only the refused objects open again, with the edits made to them.
      editing = again;
      if (again.length !== changed.length) {
        body = renderEdited(
          changed.filter((c) => again.includes(c.edited)).map((c) => c.to),
          format,
        );
        failedSave = stripComments(body);
      }
    }
  },
};

async function targetsOf(
  io: CommandIo,
  values: { filename?: string[]; recursive?: boolean; namespace?: string },
  positionals: readonly string[],
): Promise<Target[]> {
  if (values.filename) {
    if (positionals.length > 0) throw new UsageError('give either -f or resource names, not both');
    return (await readManifests(values.filename, io, { recursive: values.recursive })).map(
      ({ info, object }) => ({
        info,
        namespace: placeObject(info, object, values.namespace),
        name: object.metadata?.name ?? '',
      }),
    );
  }
  const namespace = values.namespace ?? DEFAULT_NAMESPACE;
  const targets: Target[] = [];
  for (const request of parseResourceArgs(positionals)) {
    if (request.names.length === 0) throw new UsageError('edit needs the names of the objects to edit');
    for (const name of request.names) {
      targets.push({ info: request.info, namespace: request.info.namespaced ? namespace : '', name });
    }
  }
  return targets;
}

/** One object as itself, several as a `kind: List`, as kubectl opens them. */
function render(editing: readonly Edited[], format: string): string {
  return renderEdited(
    editing.map((e) => e.original),
    format,
  );
}

function renderEdited(objects: readonly JsonObject[], format: string): string {
  const [only] = objects;
  const value = only && objects.length === 1 ? only : { apiVersion: 'v1', kind: 'List', items: [...objects] };
  return format === 'json'
    ? `${JSON.stringify(value, null, 4)}\n`
    : stringify(value, { version: '1.1', lineWidth: 0 });
}

/** A reason as comment lines; every line of a message (a YAML error shows the line) is commented. */
function renderReason(reason: Reason): string {
  const lines = [`${reason.head}:`, ...reason.details.map((d) => `* ${d}`)]
    .flatMap((text) => text.trimEnd().split('\n'))
    .map((line) => `# ${line}`);
  return `${[...lines, '#'].join('\n')}\n`;
}

/** The text without its comment lines: what the user saved, as kubectl compares it. */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
}

/**
 * Matches each object of the saved file to the object it was opened as. A
 * changed kind, name or namespace cannot be patched: that is refused, not
 * sent as a different object.
 */
async function pairEdits(
  editing: readonly Edited[],
  saved: string,
  file: string,
): Promise<{ edited: Edited; to: JsonObject }[]> {
  const parsed = await loadManifests(saved, file);
  const pairs: { edited: Edited; to: JsonObject }[] = [];
  for (const { info, object } of parsed) {
    const edited = editing.find(
      (e) =>
        e.info === info &&
        e.name === (object.metadata?.name ?? '') &&
        e.namespace === (info.namespaced ? (object.metadata?.namespace ?? '') : ''),
    );
    if (!edited || pairs.some((p) => p.edited === edited)) {
      throw new Error('At least one of apiVersion, kind and name was changed');
    }
    pairs.push({ edited, to: encodeObject(info, object) });
  }
  return pairs;
}

type PatchOutcome = 'edited' | 'skipped' | ApiError;

/**
 * Sends the change of one object. A last-applied record on it is kept current
 * (the edited configuration), as kubectl does, so that a later apply does not
 * undo the edit.
 */
async function patchEdit(client: ApiClient, edited: Edited, to: JsonObject): Promise<PatchOutcome> {
  const target = hasLastApplied(edited.original) ? withRecord(to, configurationOf(to)) : to;
  const patch = createTwoWayMergePatch(edited.info.kind, edited.original, target);
  if (Object.keys(patch).length === 0) return 'skipped';
  try {
    await client.patch(
      edited.info,
      edited.namespace,
      edited.name,
      PatchType.PATCH_TYPE_STRATEGIC_MERGE,
      patch,
    );
    return 'edited';
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

/** The edited object as a configuration to record: what the server owns left out. */
function configurationOf(object: JsonObject): JsonObject {
  const out = withoutLastApplied(object);
  delete out.status;
  const metadata = out.metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    for (const field of SERVER_METADATA) delete metadata[field];
  }
  return out;
}

/**
 * Runs the editor on the file and waits for it to exit; returns what went
 * wrong, or undefined. The editor command may carry arguments (`code --wait`),
 * so it is run by the shell, with the file as its last argument.
 */
function runEditor(io: CommandIo, file: string): Promise<string | undefined> {
  const editor = io.env.KUBE_EDITOR || io.env.EDITOR || 'vi';
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `${editor} "$1"`, 'whctl-edit', file], {
      env: { PATH: process.env.PATH, ...io.env },
      stdio: 'inherit',
    });
    child.once('error', (err) => resolve(`there was a problem with the editor "${editor}": ${err.message}`));
    child.once('close', (code, signal) =>
      resolve(
        code === 0
          ? undefined
          : `there was a problem with the editor "${editor}" (it exited with ${signal ?? `status ${code}`})`,
      ),
    );
  });
}
