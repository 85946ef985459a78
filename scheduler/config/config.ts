/**
 * The scheduler's configuration: a KubeSchedulerConfiguration
 * (`kubescheduler.config.k8s.io/v1`) read from `--config`, merged over kube-scheduler
 * 1.32's default profile as kube does (a `multiPoint` list enabling each plugin at
 * every extension point it implements, then per-point `enabled`/`disabled`, `*`
 * disabling every default of that point). Parsing is strict: an unknown field or a
 * value of the wrong type is an error naming its path.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export const API_VERSION = 'kubescheduler.config.k8s.io/v1';
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** The extension points a profile configures, in the order a pod meets them. */
export const EXTENSION_POINTS = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

export interface PluginRef {
  readonly name: string;
  /** Score weight; 0 means unset (1 for score plugins). */
  readonly weight: number;
}

export interface PluginSet {
  readonly enabled: readonly PluginRef[];
  readonly disabled: readonly string[];
}

export type PluginsConfig = Partial<Record<ExtensionPoint | 'multiPoint', PluginSet>>;

export interface Profile {
  readonly schedulerName: string;
  /** As written (before merging with the defaults). */
  readonly plugins: PluginsConfig;
  /** Plugin name → its args. */
  readonly pluginConfig: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** 0: adaptive. */
  readonly percentageOfNodesToScore?: number;
}

export interface SchedulerConfiguration {
  readonly profiles: readonly Profile[];
  /** 0: adaptive (50 - nodes/125, at least 5). */
  readonly percentageOfNodesToScore: number;
  readonly podInitialBackoffSeconds: number;
  readonly podMaxBackoffSeconds: number;
}

/**
 * kube-scheduler 1.32's default profile: every in-tree plugin by multiPoint, with the
 * score weights of `getDefaultPlugins`. Plugins without an implementation here
 * (the volume plugins) are left out, as they have nothing to check without volumes.
 */
export const DEFAULT_MULTI_POINT: readonly PluginRef[] = [
  { name: 'SchedulingGates', weight: 0 },
  { name: 'PrioritySort', weight: 0 },
  { name: 'NodeUnschedulable', weight: 0 },
  { name: 'NodeName', weight: 0 },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts', weight: 0 },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption', weight: 0 },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder', weight: 0 },
];

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export function defaultConfiguration(): SchedulerConfiguration {
  return {
    profiles: [{ schedulerName: DEFAULT_SCHEDULER_NAME, plugins: {}, pluginConfig: new Map() }],
    percentageOfNodesToScore: 0,
    podInitialBackoffSeconds: 1,
    podMaxBackoffSeconds: 10,
  };
}

export function loadConfiguration(path: string | undefined): SchedulerConfiguration {
  if (path === undefined) return defaultConfiguration();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the scheduler configuration ${path}: ${(err as Error).message}`);
  }
  try {
    return parseConfiguration(text);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`${path}: ${err.message}`);
    throw err;
  }
}

/** Parses a KubeSchedulerConfiguration document; throws ConfigError naming the bad field. */
export function parseConfiguration(text: string): SchedulerConfiguration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError('(document)', `not valid YAML: ${(err as Error).message}`);
  }
  const root = object(doc ?? {}, '(document)');
  known(root, '', [
    'apiVersion',
    'kind',
    'profiles',
    'percentageOfNodesToScore',
    'podInitialBackoffSeconds',
    'podMaxBackoffSeconds',
    'parallelism',
    'leaderElection',
    'clientConnection',
  ]);
  if (root.apiVersion !== API_VERSION)
    throw new ConfigError('apiVersion', `must be "${API_VERSION}", not ${JSON.stringify(root.apiVersion)}`);
  if (root.kind !== undefined && root.kind !== 'KubeSchedulerConfiguration')
    throw new ConfigError('kind', `must be "KubeSchedulerConfiguration", not ${JSON.stringify(root.kind)}`);
  const dflt = defaultConfiguration();
  const percentage = percent(root.percentageOfNodesToScore, 'percentageOfNodesToScore') ?? 0;
  const initial =
    seconds(root.podInitialBackoffSeconds, 'podInitialBackoffSeconds') ?? dflt.podInitialBackoffSeconds;
  const max = seconds(root.podMaxBackoffSeconds, 'podMaxBackoffSeconds') ?? dflt.podMaxBackoffSeconds;
  if (max < initial)
    throw new ConfigError(
      'podMaxBackoffSeconds',
      `must be at least podInitialBackoffSeconds (${initial}), not ${max}`,
    );
  let profiles = dflt.profiles;
  if (root.profiles !== undefined) {
    const list = array(root.profiles, 'profiles');
    if (list.length === 0)
      throw new ConfigError('profiles', 'must list at least one profile, or be left out');
    profiles = list.map((p, i) => parseProfile(p, `profiles[${i}]`));
    const names = new Set<string>();
    profiles.forEach((p, i) => {
      if (names.has(p.schedulerName))
        throw new ConfigError(
          `profiles[${i}].schedulerName`,
          `"${p.schedulerName}" is used by an earlier profile`,
        );
      names.add(p.schedulerName);
    });
  }
  return {
    profiles,
    percentageOfNodesToScore: percentage,
    podInitialBackoffSeconds: initial,
    podMaxBackoffSeconds: max,
  };
}

function parseProfile(value: unknown, path: string): Profile {
  const p = object(value, path);
  known(p, path, ['schedulerName', 'plugins', 'pluginConfig', 'percentageOfNodesToScore']);
  const schedulerName =
    p.schedulerName === undefined ? DEFAULT_SCHEDULER_NAME : string(p.schedulerName, `${path}.schedulerName`);
  if (schedulerName === '') throw new ConfigError(`${path}.schedulerName`, 'must not be empty');
  const plugins: PluginsConfig = {};
  if (p.plugins !== undefined) {
    const o = object(p.plugins, `${path}.plugins`);
    known(o, `${path}.plugins`, ['multiPoint', ...EXTENSION_POINTS]);
    for (const [point, set] of Object.entries(o)) {
      plugins[point as ExtensionPoint] = parsePluginSet(
        set,
        `${path}.plugins.${point}`,
        point === 'score' || point === 'multiPoint',
      );
    }
  }
  const pluginConfig = new Map<string, Record<string, unknown>>();
  if (p.pluginConfig !== undefined) {
    array(p.pluginConfig, `${path}.pluginConfig`).forEach((entry, i) => {
      const at = `${path}.pluginConfig[${i}]`;
      const e = object(entry, at);
      known(e, at, ['name', 'args']);
      const name = string(e.name, `${at}.name`);
      if (pluginConfig.has(name)) throw new ConfigError(`${at}.name`, `"${name}" is configured twice`);
      const args = e.args === undefined ? {} : object(e.args, `${at}.args`);
      validateArgs(name, args, `${at}.args`);
      pluginConfig.set(name, args);
    });
  }
  const percentage = percent(p.percentageOfNodesToScore, `${path}.percentageOfNodesToScore`);
  return {
    schedulerName,
    plugins,
    pluginConfig,
    ...(percentage === undefined ? {} : { percentageOfNodesToScore: percentage }),
  };
}

function parsePluginSet(value: unknown, path: string, weighted: boolean): PluginSet {
  const o = object(value, path);
  known(o, path, ['enabled', 'disabled']);
  const enabled = (o.enabled === undefined ? [] : array(o.enabled, `${path}.enabled`)).map((e, i) => {
    const at = `${path}.enabled[${i}]`;
    const r = object(e, at);
    known(r, at, ['name', 'weight']);
    const name = string(r.name, `${at}.name`);
    if (name === '*') throw new ConfigError(`${at}.name`, '"*" may only be disabled, not enabled');
    let weight = 0;
    if (r.weight !== undefined) {
      if (!weighted)
        throw new ConfigError(`${at}.weight`, 'only score (and multiPoint) plugins have a weight');
      if (typeof r.weight !== 'number' || !Number.isInteger(r.weight) || r.weight < 1 || r.weight > 100)
        throw new ConfigError(
          `${at}.weight`,
          `must be an integer from 1 to 100, not ${JSON.stringify(r.weight)}`,
        );
      weight = r.weight;
    }
    return { name, weight };
  });
  const disabled = (o.disabled === undefined ? [] : array(o.disabled, `${path}.disabled`)).map((e, i) => {
    const at = `${path}.disabled[${i}]`;
    const r = object(e, at);
    known(r, at, ['name']);
    return string(r.name, `${at}.name`);
  });
  return { enabled, disabled };
}

/** Checks the args whose shape the scheduler documents, so that a typo fails at start, not at the first pod. */
function validateArgs(name: string, args: Record<string, unknown>, path: string): void {
  if (name !== 'NodeResourcesFit' || args.scoringStrategy === undefined) return;
  const s = object(args.scoringStrategy, `${path}.scoringStrategy`);
  known(s, `${path}.scoringStrategy`, ['type', 'resources', 'requestedToCapacityRatio']);
  const types = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];
  if (s.type !== undefined && !types.includes(String(s.type)))
    throw new ConfigError(
      `${path}.scoringStrategy.type`,
      `must be one of ${types.join(', ')}, not ${JSON.stringify(s.type)}`,
    );
  if (s.resources !== undefined) {
    array(s.resources, `${path}.scoringStrategy.resources`).forEach((r, i) => {
      const at = `${path}.scoringStrategy.resources[${i}]`;
      const o = object(r, at);
      known(o, at, ['name', 'weight']);
      string(o.name, `${at}.name`);
      if (o.weight !== undefined && (typeof o.weight !== 'number' || o.weight < 1 || o.weight > 100))
        throw new ConfigError(
          `${at}.weight`,
          `must be a number from 1 to 100, not ${JSON.stringify(o.weight)}`,
        );
    });
  }
}

/**
 * The plugins of one extension point after merging the profile over the defaults:
 * multiPoint plugins that implement the point (unless disabled there), then the
 * point's own enabled list, which overrides a multiPoint entry of the same name.
 */
export function pluginsFor(
  profile: Profile,
  point: ExtensionPoint,
  implementsPoint: (name: string) => boolean,
): PluginRef[] {
  const mp = profile.plugins.multiPoint;
  const own = profile.plugins[point];
  const mpDisabled = new Set(mp?.disabled ?? []);
  const defaults = mpDisabled.has('*') ? [] : DEFAULT_MULTI_POINT.filter((p) => !mpDisabled.has(p.name));
  const multi = [
    ...defaults.filter((d) => !mp?.enabled.some((e) => e.name === d.name)),
    ...(mp?.enabled ?? []),
  ];
  const disabled = new Set(own?.disabled ?? []);
  const out: PluginRef[] = [];
  for (const ref of multi) {
    if (disabled.has('*') || disabled.has(ref.name)) continue;
    if (own?.enabled.some((e) => e.name === ref.name)) continue;
    if (implementsPoint(ref.name)) out.push(ref);
  }
  out.push(...(own?.enabled ?? []));
  return out;
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ConfigError(path, `must be a mapping, not ${describe(v)}`);
  return v as Record<string, unknown>;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ConfigError(path, `must be a list, not ${describe(v)}`);
  return v;
}

function string(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ConfigError(path, `must be a string, not ${describe(v)}`);
  return v;
}

function percent(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100)
    throw new ConfigError(path, `must be an integer from 0 (adaptive) to 100, not ${JSON.stringify(v)}`);
  return v;
}

function seconds(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v > 0))
    throw new ConfigError(path, `must be a positive number of seconds, not ${JSON.stringify(v)}`);
  return v;
}

function known(o: Record<string, unknown>, path: string, fields: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!fields.includes(k))
      throw new ConfigError(
        path === '' ? k : `${path}.${k}`,
        `unknown field; expected one of ${fields.join(', ')}`,
      );
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}
