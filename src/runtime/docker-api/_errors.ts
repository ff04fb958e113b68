// Translates engine and socket failures into TurtleErrors that say what to do.
import type { RuntimeKind } from '../../domain/types.js';
import { ExitCode, TurtleError, errorMessage } from '../../lib/errors.js';

const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** The HTTP status of an engine error response (docker-modem sets statusCode), if any. */
export function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own message, without docker-modem's `(HTTP code 404) no such container - ` prefix. */
export function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string' && json.message.trim()) return json.message.trim();
  const text = errorMessage(err).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
  // Something that is not an engine (a proxy, another service) may answer with an empty body.
  return text || `HTTP ${statusOf(err) ?? 'error'} with no message (is this a container engine?)`;
}

/**
 * Podman before 4.4 fails an inspect (or wait) of a container whose process exits at that moment: it reads
 * /proc/PID/cgroup of a pid that is gone ("read /proc/8058/cgroup: no such process", podman#16383, fixed
 * by podman#16504). Asking again a moment later sees the container stopped.
 */
export function isExitRace(err: unknown): boolean {
  return statusOf(err) === 500 && /\/proc\/\d+\/cgroup: (no such process|no such file or directory)/.test(engineMessage(err));
}

export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

export function unreachableError(kind: RuntimeKind, endpoint: string, cause: unknown): TurtleError {
  const code = (cause as { code?: string }).code ?? 'no answer';
  return new TurtleError(`${kind} engine at ${endpoint} is not reachable (${code})`, {
    exitCode: ExitCode.unreachable,
    recoverable: true,
    hint: startHint(kind, endpoint),
    cause,
  });
}

function startHint(kind: RuntimeKind, endpoint: string): string {
  if (kind === 'podman') {
    const where = endpoint.startsWith('unix://') ? endpoint : 'unix:///run/podman/podman.sock';
    return `start Podman's API service: \`podman system service --time=0 ${where}\` (or \`systemctl start podman.socket\`)`;
  }
  const host = endpoint.startsWith('unix://') ? ` --host ${endpoint}` : '';
  return `start Docker: \`systemctl start docker\`, or \`dockerd${host}\``;
}

/** Any other engine failure, named by what turtle was doing. */
export function engineError(kind: RuntimeKind, endpoint: string, doing: string, err: unknown): TurtleError {
  if (err instanceof TurtleError) return err;
  if (isUnreachable(err)) return unreachableError(kind, endpoint, err);
  const status = statusOf(err);
  return new TurtleError(`${kind} at ${endpoint} failed to ${doing}: ${engineMessage(err)}`, {
    exitCode: ExitCode.failed,
    // 5xx may clear up (engine busy, restarting); 4xx will not change by retrying.
    recoverable: status === undefined || status >= 500,
    cause: err,
  });
}
