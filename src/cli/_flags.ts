// Flag values the daemons and `ca` share (`--listen host:port`, whole numbers): one parser each, so a bad
// value gets the same message, naming the flag, the value and an example, from every command.
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
