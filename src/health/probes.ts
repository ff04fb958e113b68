// One probe attempt: http (2xx/3xx), tcp (connection accepted) or exec (exit 0), bounded by a timeout.
import { connect } from 'node:net';
import type { ProbeCheck } from '../domain/types.js';
import { execsCommands, type ContainerRuntime } from '../runtime/types.js';
import { deadline } from './_deadlines.js';

export interface ProbeTarget {
  id: string;
  /** the container's address; http and tcp probes fail without one */
  ip?: string;
}

/** Whether a probe's failure is that no answer came in time (the other failures are answers). */
export function timedOut(why: string): boolean {
  return / within \d+ ms$/.test(why);
}

/** Resolves to an empty string when the probe passed, else to why it failed. Never throws. */
export function runProbe(check: ProbeCheck, target: ProbeTarget, timeoutMs: number, runtime: ContainerRuntime): Promise<string> {
  if (check.kind === 'exec') return execProbe(check.command, target, timeoutMs, runtime);
  if (!target.ip) return Promise.resolve('the container has no IP address');
  return check.kind === 'http' ? httpProbe(target.ip, check.port, check.path, timeoutMs) : tcpProbe(target.ip, check.port, timeoutMs);
}

/** Where every http probe's answer lands: read into at once and parsed before the next socket reads. */
const answer = Buffer.allocUnsafe(1024);

/**
 * An HTTP/1.0 GET that reads only the status line. Node's HTTP client costs about twice the CPU per request,
 * and the agent probes every service every 2 s: on a router that difference is the agent's CPU budget.
 * For the same reason the answer is read through `onread` into one shared buffer (no stream buffering, no
 * 'data' events), and the deadlines of the probes in flight share one timer.
 */
function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let head = '';
    let settled = false;
    const done = (why: string) => {
      if (settled) return;
      settled = true;
      cancel();
      socket.destroy();
      resolve(why);
    };
    const socket = connect({
      host, port,
      onread: {
        buffer: answer,
        callback: (n: number, buf: Buffer) => {
          head += buf.toString('latin1', 0, Math.min(n, 1024 - head.length));
          if (head.indexOf('\n') < 0 && head.length < 1024) return true;
          const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
          const status = Number(m?.[1]);
          done(!m ? `GET ${path}: not an HTTP answer` : status >= 200 && status < 400 ? '' : `GET ${path} answered ${status}`);
          return false;
        },
      },
    });
    const cancel = deadline(Date.now() + timeoutMs, () => done(`GET ${path}: no answer within ${timeoutMs} ms`));
    socket.once('connect', () => socket.write(`GET ${path} HTTP/1.0\r\nHost: ${host}:${port}\r\nUser-Agent: turtle-probe\r\nConnection: close\r\n\r\n`, 'latin1'));
    socket.once('end', () => done(`GET ${path}: the connection closed without an answer`));
    socket.once('error', (err) => done(`GET ${path}: ${err.message}`));
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string) => {
      cancel();
      socket.destroy();
      resolve(why);
    };
    const cancel = deadline(Date.now() + timeoutMs, () => done(`tcp ${port}: no connection within ${timeoutMs} ms`));
    socket.once('connect', () => done(''));
    socket.once('error', (err) => done(`tcp ${port}: ${err.message}`));
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
