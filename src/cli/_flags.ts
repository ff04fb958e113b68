// Flag values the daemons and `ca` share (`--listen host:port`, whole numbers): one parser each, so a bad
// value gets the same message, naming the flag, the value and an example, from every command.
import { createServer } from 'node:net';
import { ExitCode, TurtleError } from '../lib/errors.js';

export interface Listen {
  /** the host to bind (an IPv6 address without its brackets) */
  host: string;
  /** the host as written, for messages and URLs */
  written: string;
  port: number;
}

/** `host:port`; port 0 asks the kernel for a free one. */
export function parseListen(value: string, example: string): Listen {
  const m = /^(.+):(\d+)$/.exec(value);
  if (!m) {
    throw new TurtleError(`--listen expects host:port, got \`${value}\``, { exitCode: ExitCode.invalid, hint: `for example --listen ${example}` });
  }
  const port = Number(m[2]);
  if (port > 65_535) {
    throw new TurtleError(`--listen: port ${m[2]} is out of range (0-65535) in \`${value}\``, {
      exitCode: ExitCode.invalid,
      hint: `for example --listen ${example} (port 0 picks a free one)`,
    });
  }
  const written = m[1] as string;
  return { host: written.replace(/^\[|\]$/g, ''), written, port };
}

/**
 * Fails, saying why, when `listen` cannot be bound (taken, not this host's address, privileged): checked
 * before a daemon opens its store, so a refused start writes nothing.
 */
export function checkListen(listen: Listen): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(listen, err)));
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => server.close(() => resolve()));
  });
}

const WHY: Record<string, (l: Listen) => { why: string; hint: string }> = {
  EADDRINUSE: () => ({ why: 'something else listens there', hint: 'stop it, or pass another --listen (port 0 picks a free one)' }),
  EADDRNOTAVAIL: (l) => ({ why: `${l.written} is not an address of this host`, hint: 'pass one of its addresses, or 0.0.0.0 for all of them' }),
  EACCES: (l) => ({ why: `port ${l.port} needs privileges`, hint: 'pass a port above 1023' }),
  ENOTFOUND: (l) => ({ why: `no host is called ${l.written}`, hint: 'pass an address, or a name this host resolves' }),
  EAI_AGAIN: (l) => ({ why: `${l.written} could not be resolved`, hint: 'pass an address, or a name this host resolves' }),
};

function listenError(listen: Listen, err: NodeJS.ErrnoException): Error {
  const known = err.code === undefined ? undefined : WHY[err.code]?.(listen);
  if (known === undefined) return err;
  return new TurtleError(`cannot listen on ${listen.written}:${listen.port}: ${known.why}`, { exitCode: ExitCode.invalid, hint: known.hint, cause: err });
}

/** A commander argument parser for `flag`: a whole number from `min` to `max`; `what` names it in the message. */
export function wholeNumber(flag: string, what: string, example: number, range: { min: number; max?: number }): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < range.min || (range.max !== undefined && n > range.max)) {
      const bounds = range.max === undefined ? `${range.min} or more` : `${range.min}-${range.max}`;
      throw new TurtleError(`${flag} expects ${what} (${bounds}), got \`${value}\``, {
        exitCode: ExitCode.invalid,
        hint: `for example ${flag} ${example}`,
      });
    }
    return n;
  };
}
