// One probe attempt: http (2xx/3xx), tcp (connection accepted) or exec (exit 0), bounded by a timeout.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { ProbeCheck } from '../domain/types.js';
import { execsCommands, type ContainerRuntime } from '../runtime/types.js';

export interface ProbeTarget {
  id: string;
  /** the container's address; http and tcp probes fail without one */
  ip?: string;
}

/** Resolves to an empty string when the probe passed, else to why it failed. Never throws. */
export function runProbe(check: ProbeCheck, target: ProbeTarget, timeoutMs: number, runtime: ContainerRuntime): Promise<string> {
  if (check.kind === 'exec') return execProbe(check.command, target, timeoutMs, runtime);
  if (!target.ip) return Promise.resolve('the container has no IP address');
  return check.kind === 'http' ? httpProbe(target.ip, check.port, check.path, timeoutMs) : tcpProbe(target.ip, check.port, timeoutMs);
}

function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? '' : `GET ${path} answered ${status}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(`GET ${path}: ${err.message}`));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve('');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`tcp ${port}: no connection within ${timeoutMs} ms`);
    });
    socket.once('error', (err) => resolve(`tcp ${port}: ${err.message}`));
  });
}

async function execProbe(command: readonly string[], target: ProbeTarget, timeoutMs: number, runtime: ContainerRuntime): Promise<string> {
  if (!execsCommands(runtime)) return 'this engine cannot run commands in containers';
  try {
    const code = await runtime.exec(target.id, command, timeoutMs);
    return code === 0 ? '' : code === -1 ? `${command[0]}: no exit within ${timeoutMs} ms` : `${command[0]} exited ${code}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
