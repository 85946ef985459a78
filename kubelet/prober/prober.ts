/**
 * One probe or hook action against a container, as the kubelet runs them: `exec` through
 * the runtime's ExecSync (exit 0 is success), `httpGet` (a status from 200 to 399),
 * `tcpSocket` (a connection opens), each bounded by the probe's timeout.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type {
  Container,
  ExecAction,
  HTTPGetAction,
  TCPSocketAction,
} from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type { IntOrString } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { ContainerRuntime } from '../runtime/runtime.js';

export interface ProbeResult {
  readonly ok: boolean;
  /** Why it failed, for the Unhealthy event. */
  readonly message: string;
}

export interface ProbeTarget {
  readonly runtime: ContainerRuntime;
  readonly containerId: string;
  readonly container: Container;
  /** The pod's IP: the default host of network probes. */
  readonly podIP: string;
}

function portOf(port: IntOrString | undefined, container: Container): number {
  if (!port) throw new Error('the probe names no port');
  if (port.value?.$case === 'intVal') return port.value.value;
  const value = port.value?.value ?? '';
  if (/^\d+$/.test(value)) return Number(value);
  const named = container.ports.find((p) => p.name === value);
  if (!named)
    throw new Error(`the probe names port "${value}", which container "${container.name}" does not declare`);
  return named.containerPort;
}

export async function execProbe(
  action: ExecAction,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeResult> {
  try {
    const res = await target.runtime.execSync({
      containerId: target.containerId,
      cmd: action.command,
      timeout: String(Math.max(1, Math.ceil(timeoutMs / 1000))),
    });
    if (res.exitCode === 0) return { ok: true, message: '' };
    const out = Buffer.concat([Buffer.from(res.stdout), Buffer.from(res.stderr)])
      .toString('utf8')
      .trim();
    return {
      ok: false,
      message: `command ${JSON.stringify(action.command)} exited with ${res.exitCode}${out ? `: ${out.slice(0, 200)}` : ''}`,
    };
  } catch (err) {
    return {
      ok: false,
      message: `command ${JSON.stringify(action.command)} failed: ${(err as Error).message}`,
    };
  }
}

export function httpProbe(
  action: HTTPGetAction,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = portOf(action.port, target.container);
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
      return;
    }
    const https = action.scheme.toUpperCase() === 'HTTPS';
    const host = action.host || target.podIP;
    const path = action.path || '/';
    const url = `${https ? 'https' : 'http'}://${host}:${port}${path}`;
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/wheelhouse', Accept: '*/*' };
    for (const h of action.httpHeaders) headers[h.name] = h.value;
    const req = (https ? httpsRequest : httpRequest)(
      { host, port, path, method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(
          code >= 200 && code < 400
            ? { ok: true, message: '' }
            : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
        );
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({
        ok: false,
        message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    });
    req.on('error', (err) => resolve({ ok: false, message: `Get "${url}": ${err.message}` }));
    req.end();
  });
}

export function tcpProbe(
  action: TCPSocketAction,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = portOf(action.port, target.container);
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
      return;
    }
    const host = action.host || target.podIP;
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, message: '' });
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    socket.once('error', (err) =>
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${err.message}` }),
    );
  });
}

export type ProbeAction = {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  sleep?: { seconds: string };
};

/** Runs whichever action is set; an action of another kind fails with a message that says so. */
export async function runAction(
  action: ProbeAction,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeResult> {
  if (action.exec) return execProbe(action.exec, target, timeoutMs);
  if (action.httpGet) return httpProbe(action.httpGet, target, timeoutMs);
  if (action.tcpSocket) return tcpProbe(action.tcpSocket, target, timeoutMs);
  if (action.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(timeoutMs, Number(action.sleep?.seconds ?? '0') * 1000)));
    return { ok: true, message: '' };
  }
  return { ok: false, message: 'the probe has no action: set exec, httpGet or tcpSocket' };
}
