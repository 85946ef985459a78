/**
 * `GET pods/{name}/log`: the container's log as `text/plain`, streamed from the kubelet of
 * the Pod's node as it comes (with `follow`, until the container stops or the client goes).
 * Query: container, follow, previous, sinceSeconds, sinceTime, timestamps, tailLines,
 * limitBytes, as Kubernetes' PodLogOptions. The response starts with the first bytes, so
 * an error before them (no such container, the kubelet unreachable) is still a Status.
 */
import { ApiError } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { kinds } from '../../../sdk/kinds.js';
import { type LogSink, podWithLogs } from '../../kinds/pod/logs.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { RestHandler, RestResponse, RestSubresource } from '../types.js';

const podInfo = kinds.find((k) => k.kind === 'Pod')!;

/** The PodLogOptions of a query, in the form the log source reads (GetPodLogsRequest). */
export function logOptionsOf(query: URLSearchParams, now = new Date()): Record<string, unknown> {
  const causes: { field: string; reason: string; message: string }[] = [];
  const bool = (name: string) => {
    const v = query.get(name);
    if (v === null || v === 'false' || v === '0') return false;
    if (v === '' || v === 'true' || v === '1') return true;
    causes.push({
      field: name,
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${v}": must be true or false`,
    });
    return false;
  };
  const int = (name: string, min: number) => {
    const v = query.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v) || Number(v) < min) {
      causes.push({
        field: name,
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${v}": must be an integer greater than or equal to ${min}`,
      });
      return undefined;
    }
    return v;
  };
  let sinceSeconds = int('sinceSeconds', 1);
  const sinceTime = query.get('sinceTime');
  if (sinceTime !== null && sinceTime !== '') {
    const at = Date.parse(sinceTime);
    if (Number.isNaN(at)) {
      causes.push({
        field: 'sinceTime',
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${sinceTime}": must be an RFC 3339 time`,
      });
    } else if (sinceSeconds !== undefined) {
      causes.push({
        field: 'sinceTime',
        reason: 'FieldValueForbidden',
        message: 'Forbidden: at most one of sinceTime or sinceSeconds may be specified',
      });
    } else {
      // The kubelet counts back from now; a time in the future leaves nothing, as one second back nearly does.
      sinceSeconds = String(Math.max(1, Math.ceil((now.getTime() - at) / 1000)));
    }
  }
  const options = {
    container: query.get('container') ?? '',
    follow: bool('follow'),
    previous: bool('previous'),
    timestamps: bool('timestamps'),
    sinceSeconds,
    tailLines: int('tailLines', 0),
    limitBytes: int('limitBytes', 1),
  };
  if (causes.length > 0) {
    throw ApiError.invalid(
      `PodLogOptions is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      causes,
    );
  }
  return options;
}

/** The part of a response the log is written through (both HTTP/1.1 and HTTP/2 have it). */
interface StreamedResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): unknown;
}

const logHandler: RestHandler = async (req, res, services) => {
  const namespace = req.namespace || 'default';
  const options = logOptionsOf(req.url.searchParams);
  await services.authorize(req, {
    verb: 'get',
    info: podInfo,
    subresource: 'log',
    namespace,
    name: req.name,
  });
  const pod = await podWithLogs(
    services.registries.get('Pod') as unknown as GenericRegistry<Pod>,
    namespace,
    req.name,
  );
  if (!services.podLogs) {
    throw ApiError.unavailable(
      `no kubelet connection for node "${pod.spec?.nodeName ?? ''}": this apiserver was started without --kubelet-client-certificate`,
    );
  }
  const out = res as RestResponse & StreamedResponse;
  const start = () => {
    if (!out.headersSent) out.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
  };
  const sink: LogSink = {
    write: ({ data }) => {
      start();
      return out.write(data);
    },
    once: (event, listener) => out.once(event, listener),
  };
  try {
    await services.podLogs(pod, { ...options, namespace, name: req.name }, sink, req.signal);
  } catch (err) {
    // Once the log has started there is no Status to send: the stream just ends.
    if (!out.headersSent) throw err;
  }
  start();
  out.end();
  return undefined;
};

export const podLogSubresource: RestSubresource = {
  methods: ['GET'],
  verbs: ['get'],
  handler: logHandler,
};
