/**
 * Renders one `<kind>_service.proto` per entry of the kind table, so that every
 * kind's service has exactly the same shape. Kind-specific RPCs (pod binding,
 * logs and metrics, node stats, service account tokens) are added here, next to the standard ones.
 */
import { apiVersionOf, type KindInfo, pluralOf, protoPackageOf, snakeOf } from '../sdk/kinds.js';

interface Rpc {
  comment: string;
  name: string;
  request: string[];
  response: string[];
  serverStreaming?: boolean;
  clientStreaming?: boolean;
  /** Messages the response is built of, rendered after it. */
  parts?: { name: string; fields: string[]; comment: string }[];
}

const meta = 'wheelhouse.meta.v1';
const scale = 'wheelhouse.apps.v1.Scale';

function objectKey(info: KindInfo): string[] {
  return info.namespaced ? ['string namespace = 1;', 'string name = 2;'] : ['string name = 2;'];
}

function rpcsOf(info: KindInfo): Rpc[] {
  const k = info.kind;
  const field = snakeOf(info);
  const plural = pluralOf(info);
  const scope = info.namespaced ? ['// Empty means all namespaces.', 'string namespace = 1;'] : [];
  const rpcs: Rpc[] = [
    {
      comment: `Create${k} creates a ${k}. Status fields are ignored.`,
      name: `Create${k}`,
      request: [`${k} ${field} = 1;`, '// Validate and admit, but do not persist.', 'bool dry_run = 2;'],
      response: [`${k} ${field} = 1;`],
    },
    {
      comment: `Get${k} reads one ${k}.`,
      name: `Get${k}`,
      request: [
        ...objectKey(info),
        '// Empty reads the latest state; "0" allows the watch cache to answer.',
        'string resource_version = 3;',
      ],
      response: [`${k} ${field} = 1;`],
    },
    {
      comment: `List${plural} lists ${plural} matching the options, one page at a time.`,
      name: `List${plural}`,
      request: [...scope, `${meta}.ListOptions options = 2;`],
      response: [`${meta}.ListMeta metadata = 1;`, `repeated ${k} items = 2;`],
    },
    {
      comment: `Update${k} replaces a ${k}; metadata.resourceVersion guards against lost updates.`,
      name: `Update${k}`,
      request: [`${k} ${field} = 1;`, 'bool dry_run = 2;'],
      response: [`${k} ${field} = 1;`],
    },
    {
      comment: `Patch${k} changes a ${k} by a patch document, read and written atomically.`,
      name: `Patch${k}`,
      request: [
        ...objectKey(info),
        `${meta}.PatchType type = 3;`,
        '// The patch document as JSON text, in the form objects take in manifests.',
        'string patch = 4;',
        'bool dry_run = 5;',
        '// Patch the status subresource instead: only status changes are kept.',
        'bool status = 6;',
        '// Who makes the change, recorded in metadata.managedFields; required for PATCH_TYPE_APPLY',
        '// (whctl\'s default is "whctl"). Empty means the client\'s user agent up to its first "/".',
        'string field_manager = 7;',
        '// PATCH_TYPE_APPLY only: take the fields other managers own instead of failing on conflicts.',
        'bool force = 8;',
      ],
      response: [`${k} ${field} = 1;`],
    },
    {
      comment: `Delete${k} deletes a ${k}, or marks it for deletion while finalizers or a grace period hold it.`,
      name: `Delete${k}`,
      request: [...objectKey(info), `${meta}.DeleteOptions options = 3;`],
      response: [
        '// The object as it was deleted, or as it now is while deletion is pending.',
        `${k} ${field} = 1;`,
      ],
    },
    {
      comment: `Watch${plural} streams changes to ${plural} matching the options.`,
      name: `Watch${plural}`,
      request: [...scope, `${meta}.ListOptions options = 2;`],
      response: [
        '// One or more events, oldest first. A watcher that keeps up gets each change as it',
        '// happens; under a burst, the changes of a few milliseconds travel together.',
        `repeated Watch${plural}Event events = 1;`,
      ],
      serverStreaming: true,
      parts: [
        {
          name: `Watch${plural}Event`,
          fields: [
            `${meta}.WatchEventType type = 1;`,
            '// For DELETED: the last state. For BOOKMARK: only metadata.resourceVersion (and annotations).',
            `${k} object = 2;`,
          ],
          comment: `Watch${plural}Event is one change to a ${k}.`,
        },
      ],
    },
  ];
  if (info.status) {
    rpcs.push({
      comment: `Update${k}Status replaces the status of a ${k}; everything else is ignored.`,
      name: `Update${k}Status`,
      request: [`${k} ${field} = 1;`, 'bool dry_run = 2;'],
      response: [`${k} ${field} = 1;`],
    });
  }
  if (info.scale) {
    rpcs.push(
      {
        comment: `Get${k}Scale reads the scale subresource of a ${k}.`,
        name: `Get${k}Scale`,
        request: objectKey(info),
        response: [`${scale} scale = 1;`],
      },
      {
        comment: `Update${k}Scale sets the desired replicas of a ${k}.`,
        name: `Update${k}Scale`,
        request: [`${scale} scale = 1;`, 'bool dry_run = 2;'],
        response: [`${scale} scale = 1;`],
      },
    );
  }
  if (k === 'Namespace') {
    rpcs.push({
      comment:
        'FinalizeNamespace replaces the spec.finalizers of a Namespace (the finalize subresource, used by the namespace controller); status is ignored. A Terminating namespace left without finalizers is deleted.',
      name: 'FinalizeNamespace',
      request: [`${k} ${field} = 1;`, 'bool dry_run = 2;'],
      response: [`${k} ${field} = 1;`],
    });
  }
  if (k === 'Pod') {
    rpcs.push(
      {
        comment: 'BindPod assigns a Pod to a node, once: the binding subresource used by schedulers.',
        name: 'BindPod',
        request: ['Binding binding = 1;', 'bool dry_run = 2;'],
        response: ['Pod pod = 1;'],
      },
      {
        comment:
          'BindPods binds many Pods over one stream, each binding as BindPod does; answers come by id, in any order.',
        name: 'BindPods',
        request: [
          "// Chosen by the caller and echoed in the binding's response; unique among its bindings in flight.",
          'uint32 id = 1;',
          'Binding binding = 2;',
        ],
        response: [
          'uint32 id = 1;',
          "// On success: the bound Pod's metadata.resourceVersion, and no status.",
          'string resource_version = 2;',
          '// On failure: why this binding failed (code, reason, message); the stream goes on.',
          `${meta}.Status status = 3;`,
        ],
        serverStreaming: true,
        clientStreaming: true,
      },
      {
        comment:
          'CreatePods creates many Pods over one stream, each as CreatePod does; answers come by id, in any order.',
        name: 'CreatePods',
        request: [
          "// Chosen by the caller and echoed in the Pod's response; unique among its Pods in flight.",
          'uint32 id = 1;',
          'Pod pod = 2;',
        ],
        response: [
          'uint32 id = 1;',
          "// On success: the created Pod's metadata.resourceVersion and its name (chosen by the apiserver",
          '// from metadata.generateName when the request named none), and no status.',
          'string resource_version = 2;',
          '// On failure: why this Pod was not created (code, reason, message); the stream goes on.',
          `${meta}.Status status = 3;`,
          'string name = 4;',
        ],
        serverStreaming: true,
        clientStreaming: true,
      },
      {
        comment:
          'UpdatePodStatuses replaces the status of many Pods over one stream, each as UpdatePodStatus does; answers come by id, in any order.',
        name: 'UpdatePodStatuses',
        request: [
          "// Chosen by the caller and echoed in the Pod's response; unique among its Pods in flight.",
          'uint32 id = 1;',
          'Pod pod = 2;',
        ],
        response: [
          'uint32 id = 1;',
          "// On success: the Pod's metadata.resourceVersion after the write, and no status.",
          'string resource_version = 2;',
          "// On failure: why this Pod's status was not written (code, reason, message); the stream goes on.",
          `${meta}.Status status = 3;`,
        ],
        serverStreaming: true,
        clientStreaming: true,
      },
      {
        comment: "GetPodLogs streams a container's log from the kubelet of the Pod's node.",
        name: 'GetPodLogs',
        request: [
          ...objectKey(info),
          '// May be empty when the Pod has one container.',
          'string container = 3;',
          'bool follow = 4;',
          '// Logs of the previous, terminated instance of the container.',
          'bool previous = 5;',
          'optional int64 since_seconds = 6;',
          'optional int64 tail_lines = 7;',
          'bool timestamps = 8;',
          'optional int64 limit_bytes = 9;',
        ],
        response: ['bytes data = 1;'],
        serverStreaming: true,
      },
      {
        comment:
          'ExecPod runs a command in a container of a running Pod, streams attached: the exec subresource.',
        name: 'ExecPod',
        request: [
          'oneof message {',
          '  // The first message, and only the first: what to run and where.',
          '  ExecPodStart start = 1;',
          "  // Bytes for the command's stdin (with start.stdin only).",
          '  bytes stdin = 2;',
          "  // The caller's stdin ended: the command reads end of file. The value is ignored.",
          '  bool stdin_close = 3;',
          "  // The caller's terminal changed size (with a TTY only).",
          '  TerminalSize resize = 4;',
          '}',
        ],
        response: [
          'oneof message {',
          '  // The first message: the command runs.',
          '  ExecPodStarted started = 1;',
          '  bytes stdout = 2;',
          '  bytes stderr = 3;',
          '  // The last message: the command ended.',
          '  ExecPodExit exit = 4;',
          '}',
        ],
        serverStreaming: true,
        clientStreaming: true,
        parts: [
          {
            name: 'ExecPodStart',
            fields: [
              ...objectKey(info),
              '// May be empty: the kubectl.kubernetes.io/default-container annotation, else the first container.',
              'string container = 3;',
              '// The command and its arguments, run without a shell.',
              'repeated string command = 4;',
              'bool stdin = 5;',
              'bool stdout = 6;',
              '// Ignored with a TTY, where stderr is merged into stdout.',
              'bool stderr = 7;',
              '// Allocate a terminal, where the runtime offers one.',
              'bool tty = 8;',
            ],
            comment:
              "ExecPodStart names the Pod, the container and the command (Kubernetes' PodExecOptions).",
          },
          {
            name: 'TerminalSize',
            fields: ['uint32 width = 1;', 'uint32 height = 2;'],
            comment: "TerminalSize is a terminal's size in character cells.",
          },
          {
            name: 'ExecPodStarted',
            fields: [
              '// The container the command runs in (the default one when none was named).',
              'string container = 1;',
              '// Whether the command got a terminal: false when the runtime offers none.',
              'bool tty = 2;',
            ],
            comment: 'ExecPodStarted says where and how the command was started.',
          },
          {
            name: 'ExecPodExit',
            fields: [
              "// The command's exit code; -1 when the runtime lost track of it (see message).",
              'int32 exit_code = 1;',
              '// Empty on success; otherwise what went wrong ("command terminated with non-zero exit code: 3").',
              'string message = 2;',
            ],
            comment: 'ExecPodExit is how the command ended.',
          },
        ],
      },
      {
        comment:
          'EvictPod deletes a Pod gracefully if its disruption budgets allow: the eviction subresource.',
        name: 'EvictPod',
        request: ['wheelhouse.policy.v1.Eviction eviction = 1;', 'bool dry_run = 2;'],
        response: ['// The Pod as it now is: gone, or terminating.', 'Pod pod = 1;'],
      },
    );
  }
  if (k === 'Pod') {
    rpcs.push({
      comment:
        "ListPodMetrics reports the CPU and memory the Pods' containers use, from their nodes' kubelets (metrics.k8s.io PodMetrics).",
      name: 'ListPodMetrics',
      request: [
        ...scope,
        '// Label and field selectors pick the Pods; paging is not supported.',
        `${meta}.ListOptions options = 2;`,
      ],
      response: [
        '// One entry per selected Pod whose node reported it; Pods not running, or on a node',
        '// that could not be reached, are left out (see unavailable_nodes).',
        'repeated PodMetrics items = 1;',
        '// Nodes of selected Pods whose kubelets did not answer, each with the reason.',
        'map<string, string> unavailable_nodes = 2;',
      ],
      parts: [
        {
          name: 'PodMetrics',
          fields: [
            "// The Pod's name, namespace, uid and labels.",
            `${meta}.ObjectMeta metadata = 1;`,
            '// When the samples were taken.',
            'google.protobuf.Timestamp timestamp = 2;',
            '// The interval the CPU rate was measured over.',
            'google.protobuf.Duration window = 3;',
            'repeated ContainerMetrics containers = 4;',
          ],
          comment: "PodMetrics is what one Pod's running containers use.",
        },
        {
          name: 'ContainerMetrics',
          fields: [
            'string name = 1;',
            '// Quantities by resource name: `cpu` (e.g. "250m", "1234567n") and `memory` (working set, e.g. "52Mi").',
            'map<string, string> usage = 2;',
          ],
          comment: 'ContainerMetrics is what one container uses.',
        },
      ],
    });
  }
  if (k === 'Event') {
    rpcs.push({
      comment:
        'CreateEvents creates many Events over one stream, each as CreateEvent does; answers come by id, in any order.',
      name: 'CreateEvents',
      request: [
        "// Chosen by the caller and echoed in the Event's response; unique among its Events in flight.",
        'uint32 id = 1;',
        'Event event = 2;',
      ],
      response: [
        'uint32 id = 1;',
        "// On success: the created Event's metadata.resourceVersion, and no status.",
        'string resource_version = 2;',
        '// On failure: why this Event was not created (code, reason, message); the stream goes on.',
        `${meta}.Status status = 3;`,
      ],
      serverStreaming: true,
      clientStreaming: true,
    });
  }
  if (k === 'Node') {
    rpcs.push({
      comment:
        "GetNodeStats reports, from the Node's kubelet, the CPU and memory the node and its pods use (`get` on `nodes/stats`).",
      name: 'GetNodeStats',
      request: objectKey(info),
      response: ['wheelhouse.kubelet.v1.Summary summary = 1;'],
    });
  }
  if (k === 'ServiceAccount') {
    rpcs.push({
      comment: 'CreateServiceAccountToken issues a short-lived token bound to the ServiceAccount.',
      name: 'CreateServiceAccountToken',
      request: [...objectKey(info), 'TokenRequest token_request = 3;'],
      response: ['TokenRequest token_request = 1;'],
    });
  }
  return rpcs;
}

function message(name: string, fields: string[], comment: string): string {
  const body = fields.map((f) => `  ${f}`).join('\n');
  return `// ${comment}\nmessage ${name} {\n${body}\n}\n`;
}

/** The path of a kind's service proto, relative to the repository root. */
export function serviceProtoPath(info: KindInfo): string {
  return `proto/wheelhouse/${info.protoGroup}/${info.version}/${snakeOf(info)}_service.proto`;
}

/** The full text of a kind's service proto. */
export function renderServiceProto(info: KindInfo): string {
  const rpcs = rpcsOf(info);
  const imports = new Set([
    `wheelhouse/${info.protoGroup}/${info.version}/${snakeOf(info)}.proto`,
    'wheelhouse/meta/v1/meta.proto',
  ]);
  if (info.scale) imports.add('wheelhouse/apps/v1/scale.proto');
  if (info.kind === 'Pod') {
    imports.add('wheelhouse/core/v1/binding.proto');
    imports.add('wheelhouse/policy/v1/eviction.proto');
  }
  if (info.kind === 'Pod') {
    imports.add('google/protobuf/duration.proto');
    imports.add('google/protobuf/timestamp.proto');
  }
  if (info.kind === 'Node') imports.add('wheelhouse/kubelet/v1/stats.proto');
  if (info.kind === 'ServiceAccount') imports.add('wheelhouse/core/v1/token_request.proto');
  const scope = info.namespaced ? 'namespaced' : 'cluster-scoped';
  const lines = [
    'syntax = "proto3";',
    '',
    '// Code generated by scripts/proto-gen.ts from sdk/kinds.ts. DO NOT EDIT.',
    `package ${protoPackageOf(info)};`,
    '',
    ...[...imports].sort().map((i) => `import "${i}";`),
    '',
    `// ${info.kind}Service serves ${pluralOf(info)} (apiVersion ${apiVersionOf(info)}, resource ${info.resource}, ${scope}).`,
    `service ${info.kind}Service {`,
  ];
  for (const rpc of rpcs) {
    const out = rpc.serverStreaming ? `stream ${rpc.name}Response` : `${rpc.name}Response`;
    const input = rpc.clientStreaming ? `stream ${rpc.name}Request` : `${rpc.name}Request`;
    lines.push(`  // ${rpc.comment}`, `  rpc ${rpc.name}(${input}) returns (${out});`);
  }
  lines.push('}', '');
  for (const rpc of rpcs) {
    lines.push(
      message(`${rpc.name}Request`, rpc.request, `${rpc.name}Request is the request of ${rpc.name}.`),
    );
    lines.push(
      message(`${rpc.name}Response`, rpc.response, `${rpc.name}Response is the response of ${rpc.name}.`),
    );
    for (const part of rpc.parts ?? []) lines.push(message(part.name, part.fields, part.comment));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
