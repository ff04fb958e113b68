// Output for humans (aligned tables) and for programs (--json), and the one place errors become text.
import { InvalidInputError, TurtleError, formatIssue, ExitCode } from '../lib/errors.js';

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Prints an error as `error: …` plus `hint: …`; the stack only with --verbose. Returns the exit code. */
export function reportError(err: unknown, verbose: boolean): number {
  const write = (s: string) => process.stderr.write(s + '\n');
  if (err instanceof InvalidInputError) {
    write(`error: ${err.message}`);
    for (const issue of err.issues) write(`  ${formatIssue(issue)}`);
    if (err.hint) write(`hint: ${err.hint}`);
  } else if (err instanceof TurtleError) {
    write(`error: ${err.message}`);
    if (err.hint) write(`hint: ${err.hint}`);
  } else {
    write(`error: unexpected: ${err instanceof Error ? err.message : String(err)}`);
    if (!verbose) write('hint: rerun with --verbose for the stack trace, and report it');
  }
  if (verbose && err instanceof Error && err.stack) write(err.stack);
  return err instanceof TurtleError ? err.exitCode : ExitCode.failed;
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Text from a container, safe for the operator's terminal: control characters (escape sequences, carriage
 * returns, C1 controls) and bidirectional overrides shown as `\xNN`/`\u{NNNN}` instead of acting on it.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.codePointAt(0) as number;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
